import { REEVALUATE_ACTION, type ChangegateService, type Client } from "../service.js";
import { settle, whereOf, type Where, type HandlerContext } from "./delivery.js";

/**
 * Someone asked for changegate's checks again: "Re-run" on a run or on the suite, or the
 * run's Re-evaluate button. One way for all three: evaluate, reading everything afresh, the
 * pull requests whose head the run or suite is on.
 */
export const RERUN_EVENTS = ["check_run.rerequested", "check_run.requested_action", "check_suite.rerequested"] as const;

export async function onRerequested(service: ChangegateService, context: HandlerContext<(typeof RERUN_EVENTS)[number]>): Promise<void> {
  const { payload } = context;
  const where = whereOf(payload);
  if (where === null) return;
  const asked = "check_run" in payload ? payload.check_run : payload.check_suite;
  // Only changegate's own runs and suites.
  if (asked.app?.id !== undefined && asked.app.id !== service.appId) return;
  if (payload.action === "requested_action" && payload.requested_action?.identifier !== REEVALUATE_ACTION.identifier) return;
  const numbers = await pullsOf(context.octokit, where, asked.head_sha, asked.pull_requests);
  settle(context, ...(await Promise.all(numbers.map((number) => service.evaluatePull({ ...where, number, pull: null, trigger: "rerequested", fresh: true, client: context.octokit })))));
}

/** The pull requests whose head is `sha`: as the event lists them, else as GitHub finds them (a fork's pull request is not listed). */
async function pullsOf(client: Client, where: Where, sha: string, listed: readonly { number: number }[]): Promise<number[]> {
  if (listed.length > 0) return [...new Set(listed.map((pull) => pull.number))];
  const { data } = await client.request("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", { owner: where.owner, repo: where.repo, commit_sha: sha, per_page: 100 });
  return data.filter((pull) => pull.state === "open" && pull.head.sha === sha).map((pull) => pull.number);
}
