import { parsePolicy, POLICY_PATH, readPolicyLayer, type Policy, type PolicyLayerText, type PolicySource } from "../engine/policy.js";
import type { Problem } from "../engine/problems.js";
import type { AttachedResult } from "../calendar/build.js";
import type { GitHubClient } from "./access.js";
import { readPolicyFile, type PolicyFile } from "./policy-file.js";

/**
 * The policy as GitHub holds it at a ref: `.github/changegate.yml` of that ref (for a pull
 * request always its base branch, never its head), layered over the files its `_extends`
 * names, as Probot's config loader does (`_extends: .github`, `other-repo`, `owner/repo`,
 * each optionally `:path`; read from that repository's default branch).
 */
export type LoadedPolicy =
  | { status: "not-enrolled" }
  | { status: "invalid"; problems: Problem[]; files: PolicyFile[] }
  | {
      status: "valid";
      policy: Policy;
      files: PolicyFile[];
      /** What its calendar forms were read from (releases, issues, teams, files), as a digest: what `files` is to the policy's text. */
      calendar?: string;
    };

const MAX_EXTENDS = 5;

export async function loadPolicy(client: GitHubClient, target: { owner: string; repo: string; ref: string }): Promise<LoadedPolicy> {
  const read = restPolicyFiles(client);
  return layerPolicy(read, await read({ owner: target.owner, repo: target.repo, path: POLICY_PATH, ref: target.ref }, false), { calendar: githubCalendar(client, target.ref) });
}

/** Attaches what a policy's calendar forms need (holidays, releases, issues) to the policy parsed from `own`; `read`: a digest of what was read. */
export type AttachCalendar = (policy: Policy, own: PolicyFile) => Promise<AttachedResult & { read?: string }>;

export interface LayerOptions {
  /** Why a file `_extends` names may be unreadable, in the door's terms. */
  unreadableHint?: string;
  /** The calendar's source (GitHub's for the App and the Action, the CLI's files); without one a policy is not given its calendar. */
  calendar?: AttachCalendar;
}

/** The calendar read from GitHub at `ref` (null: the default branch), where the policy's own repository keeps it. */
export function githubCalendar(client: GitHubClient, ref: string | null): AttachCalendar {
  return async (policy, own) => {
    // Only a policy with calendar forms loads the calendar's libraries (the Action's cold start).
    const { attachCalendarFromGitHub } = await import("./calendar-inputs.js");
    return attachCalendarFromGitHub(client, { owner: own.owner, repo: own.repo, ref }, policy);
  };
}

/** Reads one policy file (null: none there); `other` for a file `_extends` names, read from its repository's default branch (`ref` null). */
export type ReadPolicyFile = (location: { owner: string; repo: string; path: string; ref: string | null }, other: boolean) => Promise<PolicyFile | null>;

export function restPolicyFiles(client: GitHubClient): ReadPolicyFile {
  return (location, other) => readPolicyFile(client, location, other);
}

const UNREADABLE_HINT = "it does not exist, or the token cannot read that repository: GITHUB_TOKEN reads only the repository its workflow runs in";

/**
 * The policy from a repository's own file (null: none, so not enrolled), read already, with
 * the files its `_extends` names read through `read`, and its calendar attached.
 */
export async function layerPolicy(read: ReadPolicyFile, own: PolicyFile | null, options: LayerOptions = {}): Promise<LoadedPolicy> {
  const unreadableHint = options.unreadableHint ?? UNREADABLE_HINT;
  if (own === null) return { status: "not-enrolled" };
  const files = [own];
  const layers = new Map<PolicyFile, PolicyLayerText>();
  for (let current = own; ; ) {
    const layer = readPolicyLayer(current.text);
    layers.set(current, layer);
    const target = layer.extends;
    if (target === null) break;
    const location = parseExtends(target, current);
    if (files.length > MAX_EXTENDS || files.some((file) => file.owner === location.owner && file.repo === location.repo && file.path === location.path)) {
      return invalid(files, `_extends: "${target}" makes a chain longer than ${MAX_EXTENDS} or a loop`);
    }
    const next = await read({ ...location, ref: null }, true);
    if (next === null) return invalid(files, `_extends: cannot read ${location.owner}/${location.repo}:${location.path} (${unreadableHint})`);
    files.unshift(next);
    current = next;
  }
  const result = parsePolicy(files.map((file): PolicySource => ({ file: file.name, text: file.text, layer: layers.get(file)! })));
  if (!result.ok) return { status: "invalid", problems: result.problems, files };
  return withCalendar(result.policy, own, files, options.calendar);
}

/** A parsed policy with its calendar attached, when it has calendar forms and a calendar source is given. */
export async function withCalendar(policy: Policy, own: PolicyFile, files: PolicyFile[], calendar: AttachCalendar | undefined): Promise<LoadedPolicy> {
  if (calendar === undefined || (!policy.freezes.some(isCalendarForm) && !policy.blackouts.some(isCalendarForm))) return { status: "valid", policy, files };
  const attached = await calendar(policy, own);
  if (!attached.ok) return { status: "invalid", problems: attached.problems, files };
  return { status: "valid", policy: attached.policy, files, ...(attached.read === undefined ? {} : { calendar: attached.read }) };
}

function isCalendarForm(entry: Policy["freezes"][number] | Policy["blackouts"][number]): boolean {
  return entry.form.kind !== "dated";
}

/** A `.github/changegate.yml` as edited at a pull request's head: its problems, empty when valid (it does not judge). */
export async function proposedPolicyProblems(client: GitHubClient, target: { owner: string; repo: string; ref: string }): Promise<Problem[] | null> {
  const file = await readPolicyFile(client, { owner: target.owner, repo: target.repo, path: POLICY_PATH, ref: target.ref }, false);
  if (file === null) return null;
  const result = parsePolicy({ file: POLICY_PATH, text: file.text });
  return result.ok ? [] : result.problems;
}

function invalid(files: PolicyFile[], message: string): LoadedPolicy {
  const problem: Problem = { source: "policy", file: files[files.length - 1]?.name ?? POLICY_PATH, path: "_extends", line: null, column: null, message };
  return { status: "invalid", problems: [problem], files };
}

function parseExtends(target: string, from: PolicyFile): { owner: string; repo: string; path: string } {
  const [where, path] = target.includes(":") ? [target.slice(0, target.indexOf(":")), target.slice(target.indexOf(":") + 1)] : [target, POLICY_PATH];
  const [first, second] = where.split("/");
  return second === undefined ? { owner: from.owner, repo: first!, path: path || POLICY_PATH } : { owner: first!, repo: second, path: path || POLICY_PATH };
}
