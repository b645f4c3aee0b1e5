// First: zod is configured before any schema is built.
import "./zod-jitless.js";
import type { ChangesToDeploy } from "../github/changes-to-deploy.js";
import type { GitHubClient } from "../github/access.js";
import type { PolicyFile } from "../github/policy-file.js";
import { layerPolicy, restPolicyFiles } from "../github/policy-source.js";
import { restReader } from "../github/rest-reader.js";
import { decide, readPullRequest } from "../pipeline/gather.js";
import { POLICY_PATH } from "../engine/policy-path.js";
import { formatProblem } from "../engine/problems.js";
import { ActionError } from "./errors.js";
import { decideGate, type GatePull } from "../engine/gate.js";
import type { GateRound } from "./gate-mode.js";
import { annotateProblems, type ActionLog } from "./outcome.js";
import { plural, nounFor } from "../report/text.js";

// With it, gate-github.ts loads everything that decides in one import.
export { gateWithWait } from "./gate-mode.js";

export interface GateRecords {
  /** The default branch's own policy file, null when it has none. */
  policyFile: PolicyFile | null;
  changes: ChangesToDeploy;
}

/**
 * The gate's decision at `at` from what GitHub returned (gate-github.ts): the policy layered
 * and validated, each pull request judged as it was when it merged (the reviews submitted by
 * then, the risk at that instant), then the pure `decideGate`.
 */
export async function decideFromRecords(
  octokit: GitHubClient,
  target: { owner: string; repo: string; sha: string; environment: string; defaultBranch: string },
  records: GateRecords,
  at: number,
  log: ActionLog,
): Promise<GateRound> {
  const { owner, repo, defaultBranch } = target;
  const { changes } = records;
  // Each pull request's files and reviews are asked for before the policy is parsed, which
  // then happens while they are in flight (none of those requests depends on the policy).
  const reader = restReader(octokit, owner, repo);
  const merges = changes.pulls.map((pull) => {
    const mergedAt = Date.parse(pull.merged_at!);
    const gathered = readPullRequest(reader, pull, { at: mergedAt, reviewsUntil: mergedAt, eagerPusher: true });
    gathered.catch(() => undefined); // awaited below, unless the policy fails first
    return { pull, mergedAt, gathered };
  });
  if (merges.length > 0) await new Promise((resolve) => setImmediate(resolve));
  const loaded = await layerPolicy(restPolicyFiles(octokit), records.policyFile);
  if (loaded.status === "not-enrolled") {
    throw new ActionError(`${owner}/${repo} is not enrolled: ${defaultBranch} has no ${POLICY_PATH}, so the gate has no policy to decide by (it fails closed).`);
  }
  if (loaded.status === "invalid") {
    annotateProblems(log, loaded.problems, "error");
    throw new ActionError(`The policy on ${defaultBranch} is invalid (${plural(loaded.problems.length, "problem")}), so the gate fails closed: ${formatProblem(loaded.problems[0]!)}`);
  }
  const policy = loaded.policy;
  if (changes.openPulls.length > 0) {
    log.info(`Not merged yet: ${changes.openPulls.map((number) => `#${number}`).join(", ")} ${nounFor(changes.openPulls.length, "contains", "contain")} commits being deployed.`);
  }
  const pulls = await Promise.all(
    merges.map(async ({ pull, mergedAt, gathered }): Promise<GatePull> => {
      const { input, decision } = await decide(reader, pull, await gathered, policy);
      return { number: pull.number, title: pull.title, mergedAt, labels: input.pullRequest.labels, atMerge: decision };
    }),
  );
  const decision = decideGate({ policy, environment: target.environment, sha: target.sha, at, basis: changes.basis, pulls, directCommits: changes.directCommits });
  return { decision, timezone: policy.timezone };
}
