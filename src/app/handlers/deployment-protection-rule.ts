import type { DeploymentDeps, ProtectionRequest } from "../deployment-holds.js";
import type { DeploymentRule } from "../deployment-rule.js";
import type { HandlerContext } from "./delivery.js";

/**
 * A deployment waits on changegate's protection rule (SPEC §12): the rule decides it
 * (deployment-rule.ts). A failure throws: the job is retried (deliveries.ts) until the rule
 * has answered or holds the run, whose hold it keeps and releases itself.
 */
export async function onDeploymentProtectionRule(deps: DeploymentDeps, rule: DeploymentRule, context: HandlerContext<"deployment_protection_rule.requested">): Promise<void> {
  const request = protectionRequest(context.payload);
  if (request === null) {
    deps.log.warn({ delivery: context.id }, "changegate: a deployment_protection_rule event without a workflow run callback: nothing to answer");
    return;
  }
  const client = deps.prepare(context.octokit, request.installationId);
  const outcome = await rule.requested(client, request);
  deps.log.info({ run: request.runId, environment: request.environment, outcome: outcome.status }, `changegate: deployment to ${request.environment} ${outcome.status}`);
}

/**
 * What protectionRequest reads of a payload: the webhook's, or one kept in the App's
 * delivery log (deployment-recovery.ts), which is untyped JSON, so every field is checked.
 * A `sha` and `ref` at the top are read too, when a payload has them (GitHub's webhook
 * schema lists them only under `deployment`).
 */
interface ProtectionRulePayload {
  installation?: { id: number };
  repository?: { name: string; owner: { login: string }; default_branch?: string };
  environment?: string;
  event?: string;
  sha?: string;
  ref?: string;
  deployment_callback_url?: string;
  deployment?: { id: number; sha: string; ref: string; environment: string } | null;
}

/**
 * The run to answer, from the callback URL's path. Only its run id is taken from it: the
 * answer goes through the App's own API client to the event's own repository, never to
 * wherever a URL points.
 */
export function protectionRequest(payload: ProtectionRulePayload): ProtectionRequest | null {
  if (payload.installation?.id === undefined || payload.repository === undefined || typeof payload.environment !== "string") return null;
  const match = /\/repos\/[^/]+\/[^/]+\/actions\/runs\/(\d+)\/deployment_protection_rule$/.exec(payload.deployment_callback_url ?? "");
  if (match === null) return null;
  const sha = payload.deployment?.sha ?? payload.sha;
  if (typeof sha !== "string" || !/^[0-9a-f]{40}$/i.test(sha)) return null;
  return {
    installationId: payload.installation.id,
    owner: payload.repository.owner.login,
    repo: payload.repository.name,
    defaultBranch: payload.repository.default_branch ?? "main",
    environment: payload.environment,
    sha: sha.toLowerCase(),
    ref: payload.deployment?.ref ?? payload.ref ?? "",
    runId: Number(match[1]),
    deploymentId: payload.deployment?.id ?? null,
    event: payload.event ?? "",
  };
}
