import type { ChangegateService } from "../service.js";
import { whereOf, type HandlerContext } from "./delivery.js";

/** A pull request closed: forget it; merged, record the merge (audit trail, retrospective). */
export async function onPullRequestClosed(service: ChangegateService, context: HandlerContext<"pull_request.closed">): Promise<void> {
  const { payload } = context;
  const where = whereOf(payload);
  if (where === null) return;
  const pull = payload.pull_request;
  service.forget({ ...where, number: pull.number });
  if (pull.merged !== true) return;
  await service.recordMerge(context.octokit, where, pull, context.id);
}
