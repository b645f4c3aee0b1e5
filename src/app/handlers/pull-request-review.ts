import type { ChangegateService } from "../service.js";
import { settle, whereOf, type HandlerContext } from "./delivery.js";

/** A review submitted, edited or dismissed: evaluate the pull request again. */
export const REVIEW_EVENTS = ["pull_request_review.submitted", "pull_request_review.edited", "pull_request_review.dismissed"] as const;

export async function onPullRequestReview(service: ChangegateService, context: HandlerContext<(typeof REVIEW_EVENTS)[number]>): Promise<void> {
  const { payload } = context;
  const where = whereOf(payload);
  if (where === null) return;
  settle(context, await service.evaluatePull({ ...where, number: payload.pull_request.number, pull: payload.pull_request, trigger: "webhook", client: context.octokit }));
}
