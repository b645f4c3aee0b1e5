import type { ChangegateService, Trigger } from "../service.js";
import { settle, whereOf, type HandlerContext } from "./delivery.js";

/** A pull request opened, edited, pushed to, reopened, marked ready or relabelled: evaluate it (a push also says who pushed the head). */
export const PULL_REQUEST_EVENTS = [
  "pull_request.opened",
  "pull_request.edited",
  "pull_request.synchronize",
  "pull_request.reopened",
  "pull_request.ready_for_review",
  "pull_request.labeled",
  "pull_request.unlabeled",
] as const;

export async function onPullRequest(service: ChangegateService, context: HandlerContext<(typeof PULL_REQUEST_EVENTS)[number]>): Promise<void> {
  const { payload } = context;
  const where = whereOf(payload);
  if (where === null) return;
  const pull = payload.pull_request;
  if (payload.action === "synchronize") service.rememberPusher(pull.head.repo?.full_name ?? `${where.owner}/${where.repo}`, pull.head.sha, payload.sender.login);
  const trigger: Trigger = payload.action === "opened" ? "opened" : payload.action === "edited" && payload.changes.base !== undefined ? "retarget" : "webhook";
  settle(context, await service.evaluatePull({ ...where, number: pull.number, pull, trigger, client: context.octokit }));
}
