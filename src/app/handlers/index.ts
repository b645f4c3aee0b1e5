import type { Probot } from "probot";
import type { ChangegateService } from "../service.js";
import { INSTALLATION_EVENTS, onInstallation } from "./installation.js";
import { onMergeGroup } from "./merge-group.js";
import { onPullRequestClosed } from "./pull-request-closed.js";
import { onPullRequestReview, REVIEW_EVENTS } from "./pull-request-review.js";
import { onPullRequest, PULL_REQUEST_EVENTS } from "./pull-request.js";
import { onPush } from "./push.js";
import { onRerequested, RERUN_EVENTS } from "./rerequested.js";

/** The App's webhook handlers, one file per event, each with Probot's typed context. */
export { DeliveryFailed } from "../errors.js";

export function registerHandlers(app: Probot, service: ChangegateService): void {
  app.on([...PULL_REQUEST_EVENTS], (context) => onPullRequest(service, context));
  app.on("pull_request.closed", (context) => onPullRequestClosed(service, context));
  app.on([...REVIEW_EVENTS], (context) => onPullRequestReview(service, context));
  app.on([...RERUN_EVENTS], (context) => onRerequested(service, context));
  app.on("merge_group.checks_requested", (context) => onMergeGroup(service, context));
  app.on("push", (context) => onPush(service, context));
  app.on([...INSTALLATION_EVENTS], async (context) => onInstallation(service, context));
}
