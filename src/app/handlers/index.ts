import type { Context, Probot } from "probot";
import { answerFor, type DeliveryQueue, type DeliveryWork } from "../deliveries.js";
import type { ChangegateService } from "../service.js";
import type { DeploymentDeps } from "../deployment-holds.js";
import type { DeploymentRule } from "../deployment-rule.js";
import { logDeliveryFailuresOnce, type HandlerContext } from "./delivery.js";
import { onDeploymentProtectionRule } from "./deployment-protection-rule.js";
import { onDeploymentStatus } from "./deployment-status.js";
import { ISSUE_EVENTS, onIssue } from "./issues.js";
import { INSTALLATION_EVENTS, onInstallation } from "./installation.js";
import { onMergeGroup } from "./merge-group.js";
import { onPullRequestClosed } from "./pull-request-closed.js";
import { onPullRequestReview, REVIEW_EVENTS } from "./pull-request-review.js";
import { onPullRequest, PULL_REQUEST_EVENTS } from "./pull-request.js";
import { onPush } from "./push.js";
import { onRerequested, RERUN_EVENTS } from "./rerequested.js";

/**
 * The App's webhook handlers, one file per event, each with Probot's typed context. Probot
 * hands every delivery to the durable queue (deliveries.ts), which runs the handler below
 * as a job, once per delivery id, retried until it finishes: the deployment rule's too (its
 * holds outlive the job: deployment-rule.ts keeps and releases them).
 */
export { DeliveryFailed } from "../errors.js";
export { answerFailures, logDeliveryFailuresOnce } from "./delivery.js";

/** What the handlers act through: the service, and the deployment protection rule with what it may use of the service. */
export interface HandlerParts {
  service: ChangegateService;
  deployments: { deps: DeploymentDeps; rule: DeploymentRule };
}

interface Route {
  events: readonly string[];
  run: (parts: HandlerParts, work: DeliveryWork) => Promise<void> | void;
}

// Each handler is typed by its events; a route hands it a job of one of them, whose payload
// is the one Probot verified and typed for that event, kept by the queue as JSON.
const route = <E extends Context["name"]>(events: readonly E[], run: (service: ChangegateService, context: HandlerContext<E>) => Promise<void> | void): Route => ({
  events,
  run: (parts, work) => run(parts.service, work as HandlerContext<E>),
});
const deploymentRoute = <E extends Context["name"]>(events: readonly E[], run: (deps: DeploymentDeps, rule: DeploymentRule, context: HandlerContext<E>) => Promise<void>): Route => ({
  events,
  run: (parts, work) => run(parts.deployments.deps, parts.deployments.rule, work as HandlerContext<E>),
});

export const ROUTES: readonly Route[] = [
  route([...PULL_REQUEST_EVENTS], onPullRequest),
  route(["pull_request.closed"], onPullRequestClosed),
  route([...REVIEW_EVENTS], onPullRequestReview),
  route([...RERUN_EVENTS], onRerequested),
  route(["merge_group.checks_requested"], onMergeGroup),
  route(["push"], onPush),
  route([...INSTALLATION_EVENTS], onInstallation),
  route(ISSUE_EVENTS, onIssue),
  deploymentRoute(["deployment_protection_rule.requested"], onDeploymentProtectionRule),
  deploymentRoute(["deployment_status.created"], onDeploymentStatus),
];

/** Runs a delivery's handler (the durable queue's work): the route of its event and action. */
export async function runDelivery(parts: HandlerParts, work: DeliveryWork): Promise<void> {
  const action = (work.payload as { action?: unknown } | null)?.action;
  const full = typeof action === "string" ? `${work.name}.${action}` : work.name;
  const found = ROUTES.find((candidate) => candidate.events.includes(full) || candidate.events.includes(work.name));
  if (found !== undefined) await found.run(parts, work);
}

export interface HandlerOptions {
  /** How long a webhook waits for its job before answering (under Probot's 9 s, with room for a busy event loop). */
  answerWithinMs?: number;
}

export function registerHandlers(app: Probot, deliveries: DeliveryQueue, options: HandlerOptions = {}): void {
  logDeliveryFailuresOnce(app);
  const events = [...new Set(ROUTES.flatMap((candidate) => candidate.events))] as Context["name"][];
  app.on(events, async (context) => {
    const installation = "installation" in context.payload ? (context.payload.installation?.id ?? null) : null;
    const job = { id: context.id, name: context.name, installationId: installation, payload: context.payload };
    answerFor(job, await deliveries.accept(job, context.octokit, options.answerWithinMs ?? 7_000));
  });
}
