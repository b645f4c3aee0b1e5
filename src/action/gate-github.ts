import { changesToDeploy, TooManyCommitsError } from "../github/changes-to-deploy.js";
import { readPolicyFile } from "../github/policy-file.js";
import { POLICY_PATH } from "../engine/policy-path.js";
import { ActionError, explainAccess } from "./errors.js";
import type { GateRecords } from "./gate-evaluation.js";
import type { DecideGate, GateRound } from "./gate-mode.js";
import { actionClient } from "./octokit.js";
import type { ActionOutcome, ModeEnvironment } from "./outcome.js";

/**
 * `mode: gate` on what GitHub records. The policy comes from the repository's default
 * branch (never from the commit being deployed, which a branch deploy could have edited);
 * the changes are those the commit carries since the environment's last successful
 * deployment (gate-evaluation.ts judges them), and the schedule is the one in force now.
 *
 * This module loads only what sends requests. The first requests go out before the engine's
 * modules (schemas, YAML, the evaluation) are loaded, which takes ~25 ms of a cold start that
 * would otherwise come before any request and now passes while they are in flight.
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
    const target = { owner, repo, sha, environment: inputs.environment, defaultBranch };

    // The policy file and the deployment history are independent: ask for both at once, the
    // history first (a chain of requests, each waiting on the last; the first request of a
    // process also pays for Octokit's first use, a few ms).
    const read = (): Promise<GateRecords> => {
      const changes = changesToDeploy(octokit, target);
      const policyFile = readPolicyFile(octokit, { owner, repo, path: POLICY_PATH, ref: defaultBranch }, false);
      const records = Promise.all([policyFile, changes]).then(([file, history]) => ({ policyFile: file, changes: history }));
      // Awaited below, after the engine loads: a failure meanwhile is not an unhandled one.
      records.catch(() => undefined);
      return records;
    };
    let first: Promise<GateRecords> | null = read();
    // One turn of the event loop lets the connections open and the requests leave.
    await new Promise((resolve) => setImmediate(resolve));
    const { decideFromRecords, gateWithWait } = await import("./gate-evaluation.js");

    const rounds: GateRound[] = [];
    const decide: DecideGate = async (at) => {
      // Each round of a wait reads everything afresh: a freeze declared meanwhile applies.
      const records = await (first ?? read());
      first = null;
      const round = await decideFromRecords(octokit, target, records, at, log);
      rounds.push(round);
      return round;
    };
    const outcome = await gateWithWait(environment, decide);
    if (inputs.record) {
      // Loaded only when asked for: the trail's code stays out of a plain gate's cold start.
      const { recordGateRounds } = await import("./gate-records.js");
      const recorded = await recordGateRounds(octokit, { owner, repo, sha, environment: inputs.environment, ref: context.payload["ref"], runId: context.runId, runAttempt: context.runAttempt }, rounds, environment.now());
      log.info(recorded);
    }
    return outcome;
  } catch (error) {
    if (error instanceof TooManyCommitsError) throw new ActionError(`The gate fails closed: ${error.message}`);
    throw explainAccess(error, context.eventName);
  } finally {
    client.dispose();
  }
}
