// First: zod is configured before any schema is built.
import "./zod-jitless.js";
import { changesToDeploy, TooManyCommitsError } from "../github/changes-to-deploy.js";
import { loadPolicy } from "../github/policy-source.js";
import { evaluatePullRequest } from "../github/pull-request-inputs.js";
import { POLICY_PATH } from "../policy.js";
import { formatProblem } from "../problems.js";
import { ActionError } from "./context.js";
import { explainAccess } from "./explain.js";
import { decideGate, type GatePull } from "./gate-decision.js";
import { gateWithWait, type DecideGate } from "./gate-mode.js";
import { actionClient } from "./octokit.js";
import { annotateProblems, type ActionOutcome, type ModeEnvironment } from "./outcome.js";

/**
 * `mode: gate` on what GitHub records. The policy comes from the repository's default
 * branch (never from the commit being deployed, which a branch deploy could have edited);
 * the changes are those the commit carries since the environment's last successful
 * deployment; each pull request is judged as it was when it merged (the reviews submitted
 * by then, the risk at that instant), and the schedule as it is now.
 */
export async function runGateMode(environment: ModeEnvironment): Promise<ActionOutcome> {
  const { context, inputs, log } = environment;
  const { owner, repo } = context;
  const sha = (inputs.sha ?? context.sha).toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new ActionError(`mode: gate needs the commit to weigh: GITHUB_SHA is "${context.sha}" (pass the \`sha\` input).`);
  const client = actionClient(inputs.token, context);
  const octokit = client.octokit;
  try {
    const fromPayload = (context.payload["repository"] as { default_branch?: unknown } | undefined)?.default_branch;
    const defaultBranch = typeof fromPayload === "string" ? fromPayload : (await octokit.request("GET /repos/{owner}/{repo}", { owner, repo })).data.default_branch;

    const decide: DecideGate = async (at) => {
      // The policy and the deployment history are independent: ask for both at once.
      const [loaded, changes] = await Promise.all([
        loadPolicy(octokit, { owner, repo, ref: defaultBranch }),
        changesToDeploy(octokit, { owner, repo, sha, environment: inputs.environment }),
      ]);
      if (loaded.status === "not-enrolled") {
        throw new ActionError(`${owner}/${repo} is not enrolled: ${defaultBranch} has no ${POLICY_PATH}, so the gate has no policy to decide by (it fails closed).`);
      }
      if (loaded.status === "invalid") {
        annotateProblems(log, loaded.problems, "error");
        throw new ActionError(`The policy on ${defaultBranch} is invalid (${loaded.problems.length} problem${loaded.problems.length === 1 ? "" : "s"}), so the gate fails closed: ${formatProblem(loaded.problems[0]!)}`);
      }
      const policy = loaded.policy;
      if (changes.openPulls.length > 0) {
        log.info(`Not merged yet: ${changes.openPulls.map((number) => `#${number}`).join(", ")} contain${changes.openPulls.length === 1 ? "s" : ""} commits being deployed.`);
      }
      const pulls = await Promise.all(
        changes.pulls.map(async (pull): Promise<GatePull> => {
          const mergedAt = Date.parse(pull.merged_at!);
          const { input, decision } = await evaluatePullRequest(octokit, { owner, repo, policy, pull, at: mergedAt, reviewsUntil: mergedAt });
          return { number: pull.number, title: pull.title, mergedAt, labels: input.pullRequest.labels, atMerge: decision };
        }),
      );
      const decision = decideGate({ policy, environment: inputs.environment, sha, at, basis: changes.basis, pulls, directCommits: changes.directCommits });
      return { decision, timezone: policy.timezone };
    };
    return await gateWithWait(environment, decide);
  } catch (error) {
    if (error instanceof TooManyCommitsError) throw new ActionError(`The gate fails closed: ${error.message}`);
    throw explainAccess(error, context.eventName);
  } finally {
    client.dispose();
  }
}
