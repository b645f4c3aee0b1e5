// First: zod is configured before any schema is built.
import "../zod-jitless.js";
import type { ChangesToDeploy } from "../github/changes-to-deploy.js";
import type { GitHubClient } from "../github/access.js";
import type { PolicyFile } from "../github/policy-file.js";
import { githubCalendar, layerPolicy, restPolicyFiles } from "../github/policy-source.js";
import { judgeDeployment } from "../github/judge-deployment.js";
import { POLICY_PATH } from "../engine/policy-path.js";
import { formatProblem } from "../engine/problems.js";
import { ActionError } from "./errors.js";
import type { GateRound } from "./gate-mode.js";
import { annotateProblems, type ActionLog } from "./outcome.js";
import { nounFor, plural } from "../report/text.js";

// With it, gate-github.ts loads everything that decides in one import.
export { gateWithWait } from "./gate-mode.js";

export interface GateRecords {
  /** The default branch's own policy file, null when it has none. */
  policyFile: PolicyFile | null;
  changes: ChangesToDeploy;
}

/**
 * The gate's decision at `at` from what GitHub returned (gate-github.ts): the policy layered
 * and validated, then judgeDeployment (shared with the App's deployment protection rule).
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
  const judged = await judgeDeployment(octokit, target, changes, () => layerPolicy(restPolicyFiles(octokit), records.policyFile, { calendar: githubCalendar(octokit, null) }), at);
  if (judged.status === "not-enrolled") {
    throw new ActionError(`${owner}/${repo} is not enrolled: ${defaultBranch} has no ${POLICY_PATH}, so the gate has no policy to decide by (it fails closed).`);
  }
  if (judged.status === "invalid") {
    annotateProblems(log, judged.problems, "error");
    throw new ActionError(`The policy on ${defaultBranch} is invalid (${plural(judged.problems.length, "problem")}), so the gate fails closed: ${formatProblem(judged.problems[0]!)}`);
  }
  const { policy, decision } = judged;
  if (changes.openPulls.length > 0) {
    log.info(`Not merged yet: ${changes.openPulls.map((number) => `#${number}`).join(", ")} ${nounFor(changes.openPulls.length, "contains", "contain")} commits being deployed.`);
  }
  return { decision, timezone: policy.timezone, policy };
}
