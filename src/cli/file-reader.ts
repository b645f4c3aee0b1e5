import type { Permission, Review } from "../engine/approvals.js";
import type { ChangedFiles } from "../engine/paths.js";
import { parsePolicy, readPolicyLayer } from "../engine/policy.js";
import { layerPolicy, type LoadedPolicy, type ReadPolicyFile } from "../github/policy-source.js";
import type { PolicyFile } from "../github/policy-file.js";
import type { PullRequestReader } from "../pipeline/reader.js";

/**
 * The CLI's reader: what the command line was given (files, or a checkout it asks git), in
 * the same port the App and the Action read GitHub through, so the pipeline decides the same
 * way offline. A policy's `_extends` is followed as everywhere: the files it names are read
 * through `readOther` (none by default, so a policy that extends another repository's says
 * that it cannot be read, instead of deciding without the org's defaults).
 */
export interface FileReaderInputs {
  owner: string;
  repo: string;
  files: ChangedFiles;
  reviews: readonly Review[];
  /** login -> permission; null: every reviewer is taken to have write access (SPEC §6). */
  permissions: Readonly<Record<string, Permission>> | null;
  teams: Readonly<Record<string, readonly string[]>>;
  pusher: string | null;
  /** The policy that judges (`--policy`, or the base branch's file), null when there is none. */
  policy: PolicyFile | null;
  /** The policy file as the change edits it (the checkout's HEAD), null when not known. */
  proposedPolicy: PolicyFile | null;
  /** `--org-policy FILE` (SPEC §9): layered under either policy exactly as `_extends` layers the organisation's, whether the file names it or not. */
  orgPolicy?: PolicyFile | null;
  readOther?: ReadPolicyFile;
}

const UNREADABLE_HINT = "the command line reads only this checkout and the files it is given";

export function fileReader(inputs: FileReaderInputs): PullRequestReader {
  const org = inputs.orgPolicy ?? null;
  // With --org-policy, whatever a file's _extends names is that file.
  const readOther: ReadPolicyFile = inputs.readOther ?? (async () => org);
  const layered = async (file: PolicyFile | null): Promise<LoadedPolicy> => {
    if (file === null || org === null || readPolicyLayer(file.text).extends !== null) return layerPolicy(readOther, file, UNREADABLE_HINT);
    const result = parsePolicy([{ file: org.name, text: org.text }, { file: file.name, text: file.text }]);
    return result.ok ? { status: "valid", policy: result.policy, files: [org, file] } : { status: "invalid", problems: result.problems, files: [org, file] };
  };
  return {
    owner: inputs.owner,
    repo: inputs.repo,
    changedFiles: async () => inputs.files,
    reviews: async () => [...inputs.reviews],
    permission: async (login) => (inputs.permissions === null ? "write" : (lookup(inputs.permissions, login) ?? "none")),
    teamMembers: async (team) => [...(inputs.teams[team] ?? [])],
    lastPusher: async () => inputs.pusher,
    policyAt: () => layered(inputs.policy),
    proposedPolicy: () => layered(inputs.proposedPolicy),
  };
}

/** Logins are case-insensitive on GitHub. */
function lookup<V>(record: Readonly<Record<string, V>>, login: string): V | undefined {
  if (Object.prototype.hasOwnProperty.call(record, login)) return record[login];
  const lower = login.toLowerCase();
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? undefined : record[key];
}
