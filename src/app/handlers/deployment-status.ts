import type { DeploymentDeps } from "../deployment-holds.js";
import { recordDeploymentOutcome } from "../deployment-outcomes.js";
import type { DeploymentRule } from "../deployment-rule.js";
import { whereOf, type HandlerContext } from "./delivery.js";

/**
 * A deployment's status was created (SPEC §12): its outcome is recorded
 * (deployment-outcomes.ts). A failure throws: the job is retried (deliveries.ts) until it
 * is recorded, once.
 */
export async function onDeploymentStatus(deps: DeploymentDeps, rule: DeploymentRule, context: HandlerContext<"deployment_status.created">): Promise<void> {
  const { payload } = context;
  const where = whereOf(payload);
  if (where === null) return;
  const client = deps.prepare(context.octokit, where.installationId);
  const { deployment, deployment_status: status } = payload;
  await recordDeploymentOutcome(deps, rule.store, client, {
    ...where,
    defaultBranch: payload.repository.default_branch ?? "main",
    deployment: { id: deployment.id, sha: deployment.sha, ref: deployment.ref, environment: deployment.environment },
    status: { state: status.state, createdAt: status.created_at, creator: status.creator?.login ?? null, description: status.description ?? "" },
  });
}
