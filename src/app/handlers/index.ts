import type { Probot } from "probot";
import type { ChangegateService } from "../service.js";
import { answerFailures, logDeliveryFailuresOnce } from "./delivery.js";
import { INSTALLATION_EVENTS, onInstallation } from "./installation.js";
import { onMergeGroup } from "./merge-group.js";
import { onPullRequestClosed } from "./pull-request-closed.js";
import { onPullRequestReview, REVIEW_EVENTS } from "./pull-request-review.js";
import { onPullRequest, PULL_REQUEST_EVENTS } from "./pull-request.js";
import { onPush } from "./push.js";
import { onRerequested, RERUN_EVENTS } from "./rerequested.js";

/** The App's webhook handlers, one file per event, each with Probot's typed context; every failure answered 500 with its reason (answerFailures). */
export { DeliveryFailed } from "../errors.js";
export { answerFailures, logDeliveryFailuresOnce } from "./delivery.js";

export function registerHandlers(app: Probot, service: ChangegateService): void {
  logDeliveryFailuresOnce(app);
  app.on([...PULL_REQUEST_EVENTS], answerFailures((context) => onPullRequest(service, context)));
  app.on("pull_request.closed", answerFailures((context) => onPullRequestClosed(service, context)));
  app.on([...REVIEW_EVENTS], answerFailures((context) => onPullRequestReview(service, context)));
  app.on([...RERUN_EVENTS], answerFailures((context) => onRerequested(service, context)));
  app.on("merge_group.checks_requested", answerFailures((context) => onMergeGroup(service, context)));
  app.on("push", answerFailures((context) => onPush(service, context)));
  app.on([...INSTALLATION_EVENTS], answerFailures(async (context) => onInstallation(service, context)));
}
