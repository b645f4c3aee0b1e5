import type { GitHubClient } from "./access.js";
import type { ChangesToDeploy } from "./changes-to-deploy.js";
import type { LoadedPolicy } from "./policy-source.js";
import { restReader } from "./rest-reader.js";
import { decide, readPullRequest } from "../pipeline/gather.js";
import { decideGate, type GateDecision, type GatePull } from "../engine/gate.js";
import type { Policy } from "../engine/policy.js";
import type { Problem } from "../engine/problems.js";

/**
 * The deploy gate's GitHub side, shared by the Action's `mode: gate` and the App's
 * deployment protection rule: each pull request the deployment carries judged as it was
 * when it merged (the reviews submitted by then, the risk at that instant), then the pure
 * `decideGate`. Each pull request's files and reviews are asked for before the policy is
 * loaded, so that its parsing runs while they are in flight (none of them depends on it).
 */
export type JudgedDeployment =
  | { status: "decided"; decision: GateDecision; policy: Policy }
  | { status: "not-enrolled" }
  | { status: "invalid"; problems: Problem[] };

export async function judgeDeployment(
  octokit: GitHubClient,
  target: { owner: string; repo: string; sha: string; environment: string },
  changes: ChangesToDeploy,
  loadPolicy: () => Promise<LoadedPolicy>,
  at: number,
): Promise<JudgedDeployment> {
  const { owner, repo } = target;
  const reader = restReader(octokit, owner, repo);
  const merges = changes.pulls.map((pull) => {
    const mergedAt = Date.parse(pull.merged_at!);
    // The pusher beside the permissions: one round trip off the gate's critical path.
    const gathered = readPullRequest(reader, pull, { at: mergedAt, reviewsUntil: mergedAt, eagerPusher: true });
    gathered.catch(() => undefined); // awaited below, unless the policy fails first
    return { pull, mergedAt, gathered };
  });
  if (merges.length > 0) await new Promise((resolve) => setImmediate(resolve));
  const loaded = await loadPolicy();
  if (loaded.status === "not-enrolled") return { status: "not-enrolled" };
  if (loaded.status === "invalid") return { status: "invalid", problems: loaded.problems };
  const policy = loaded.policy;
  const pulls = await Promise.all(
    merges.map(async ({ pull, mergedAt, gathered }): Promise<GatePull> => {
      const { input, decision } = await decide(reader, pull, await gathered, policy);
      return { number: pull.number, title: pull.title, mergedAt, labels: input.pullRequest.labels, atMerge: decision };
    }),
  );
  const decision = decideGate({ policy, environment: target.environment, sha: target.sha, at, basis: changes.basis, pulls, directCommits: changes.directCommits });
  return { status: "decided", decision, policy };
}
