import { extendsTarget, parsePolicy, POLICY_PATH, type Policy, type PolicySource } from "../engine/policy.js";
import type { Problem } from "../engine/problems.js";
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
  | { status: "valid"; policy: Policy; files: PolicyFile[] };

const MAX_EXTENDS = 5;

export async function loadPolicy(client: GitHubClient, target: { owner: string; repo: string; ref: string }): Promise<LoadedPolicy> {
  return layerPolicy(client, await readPolicyFile(client, { owner: target.owner, repo: target.repo, path: POLICY_PATH, ref: target.ref }, false), target.ref);
}

/**
 * The policy from a repository's own file (null: none, so not enrolled), read already,
 * at `ref` (null: the default branch), where its calendar's files are read too.
 */
export async function layerPolicy(client: GitHubClient, own: PolicyFile | null, ref: string | null = null): Promise<LoadedPolicy> {
  if (own === null) return { status: "not-enrolled" };
  const files = [own];
  for (let current = own; ; ) {
    const target = extendsTarget(current.text);
    if (target === null) break;
    const location = parseExtends(target, current);
    if (files.length > MAX_EXTENDS || files.some((file) => file.owner === location.owner && file.repo === location.repo && file.path === location.path)) {
      return invalid(files, `_extends: "${target}" makes a chain longer than ${MAX_EXTENDS} or a loop`);
    }
    const next = await readPolicyFile(client, { ...location, ref: null }, true);
    if (next === null) return invalid(
        files,
        `_extends: cannot read ${location.owner}/${location.repo}:${location.path} (it does not exist, or the token cannot read that repository: GITHUB_TOKEN reads only the repository its workflow runs in)`,
      );
    files.unshift(next);
    current = next;
  }
  const result = parsePolicy(files.map((file): PolicySource => ({ file: file.name, text: file.text })));
  if (!result.ok) return { status: "invalid", problems: result.problems, files };
  if (!result.policy.freezes.some(isCalendarForm) && !result.policy.blackouts.some(isCalendarForm)) return { status: "valid", policy: result.policy, files };
  // Only a policy with calendar forms loads the calendar's libraries (the Action's cold start).
  const { attachCalendarFromGitHub } = await import("./calendar-inputs.js");
  const attached = await attachCalendarFromGitHub(client, { owner: own.owner, repo: own.repo, ref }, result.policy);
  return attached.ok ? { status: "valid", policy: attached.policy, files } : { status: "invalid", problems: attached.problems, files };
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
