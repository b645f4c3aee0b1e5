import type { ChangegateService } from "../service.js";
import { settle, whereOf, type HandlerContext } from "./delivery.js";

/** The merge queue asks for the checks on a merge group's head. */
export async function onMergeGroup(service: ChangegateService, context: HandlerContext<"merge_group.checks_requested">): Promise<void> {
  const { payload } = context;
  const where = whereOf(payload);
  if (where === null) return;
  settle(context, await service.evaluateMergeGroup(context.octokit, where.installationId, where.owner, where.repo, payload.merge_group));
}
