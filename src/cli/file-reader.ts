import type { Permission, Review } from "../engine/approvals.js";
import type { ChangedFiles } from "../engine/paths.js";
import { parsePolicy, readPolicyLayer, type PolicyLayerText } from "../engine/policy.js";
import { layerPolicy, type LoadedPolicy, type ReadPolicyFile } from "../github/policy-source.js";
import type { PolicyFile } from "../github/policy-file.js";
import type { PullRequestReader } from "../pipeline/reader.js";

/**
 * The CLI's reader: what the command line was given (files, or a checkout it asks git), in
 * the same port the App and the Action read GitHub through, so the pipeline decides the same
 * way offline. Both policies, the judging one and the one the branch proposes, are layered
 * the same way: over `--org-policy FILE` when given (SPEC §9: exactly as `_extends` layers
 * the organisation's), else alone, with a warning when their `_extends` names a file the
 * command line cannot read.
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
  /** Reads what a policy's `_extends` names (default: --org-policy's file, else nothing). */
  readOther?: ReadPolicyFile;
  /** Told when a policy extends a file the command line cannot read. */
  warn?: (message: string) => void;
}

const UNREADABLE_HINT = "the command line reads only this checkout and the files it is given";

export function fileReader(inputs: FileReaderInputs): PullRequestReader {
  const org = inputs.orgPolicy ?? null;
  // `own`: the file's YAML as read for its `_extends`, so that it is parsed once, as layerPolicy does (parsePolicy uses it for the file with its text).
  const parsed = (files: PolicyFile[], own: PolicyLayerText): LoadedPolicy => {
    const result = parsePolicy(files.map((file) => ({ file: file.name, text: file.text, layer: own })));
    return result.ok ? { status: "valid", policy: result.policy, files } : { status: "invalid", problems: result.problems, files };
  };
  const layered = async (file: PolicyFile | null): Promise<LoadedPolicy> => {
    if (file === null) return { status: "not-enrolled" };
    const own = readPolicyLayer(file.text);
    const target = own.extends;
    if (inputs.readOther !== undefined) return layerPolicy(inputs.readOther, file, { unreadableHint: UNREADABLE_HINT });
    // With --org-policy, that file is what `_extends` names, and is layered under either way.
    if (org !== null) return target === null ? parsed([org, file], own) : layerPolicy(async () => org, file, { unreadableHint: UNREADABLE_HINT });
    if (target !== null) inputs.warn?.(`${file.name}: _extends: "${target}" names a file the command line cannot read, so this file decides alone (pass --org-policy FILE to layer it as the App does)`);
    return parsed([file], own);
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
