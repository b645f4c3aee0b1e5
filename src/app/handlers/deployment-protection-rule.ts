import type { Probot } from "probot";
import type { DeploymentDeps, ProtectionRequest } from "../deployment-holds.js";
import { recordDeploymentOutcome } from "../deployment-outcomes.js";
import type { DeploymentRule } from "../deployment-rule.js";
import type { Client } from "../service.js";

/**
 * The deployment webhooks (SPEC §12): `deployment_protection_rule.requested` is decided by
 * the rule (deployment-rule.ts), `deployment_status.created` recorded (deployment-outcomes.ts).
 * A failure throws: the delivery fails and the redelivery loop asks for it again.
 */
interface Envelope {
  installation?: { id: number };
  repository?: { name: string; owner: { login: string }; default_branch?: string };
}

interface ProtectionRulePayload extends Envelope {
  environment?: string;
  event?: string;
  sha?: string;
  ref?: string;
  deployment_callback_url?: string;
  deployment?: { id: number; sha: string; ref: string; environment: string } | null;
}

interface DeploymentStatusPayload extends Envelope {
  deployment_status: { state: string; created_at: string; creator?: { login: string } | null; description?: string | null };
  deployment: { id: number; sha: string; ref: string; environment: string };
}

export function registerDeploymentHandlers(app: Probot, service: DeploymentDeps, rule: DeploymentRule): void {
  app.on("deployment_protection_rule.requested", async (context) => {
    const request = protectionRequest(context.payload as unknown as ProtectionRulePayload);
    if (request === null) {
      context.log.warn({ delivery: context.id }, "changegate: a deployment_protection_rule event without a workflow run callback: nothing to answer");
      return;
    }
    const client = service.prepare(context.octokit as unknown as Client, request.installationId);
    const outcome = await rule.requested(client, request);
    context.log.info({ run: request.runId, environment: request.environment, outcome: outcome.status }, `changegate: deployment to ${request.environment} ${outcome.status}`);
  });

  app.on("deployment_status.created", async (context) => {
    const payload = context.payload as unknown as DeploymentStatusPayload;
    if (payload.installation?.id === undefined || payload.repository === undefined) return;
    const installationId = payload.installation.id;
    const client = service.prepare(context.octokit as unknown as Client, installationId);
    await recordDeploymentOutcome(service, rule.store, client, {
      installationId,
      owner: payload.repository.owner.login,
      repo: payload.repository.name,
      defaultBranch: payload.repository.default_branch ?? "main",
      deployment: { id: payload.deployment.id, sha: payload.deployment.sha, ref: payload.deployment.ref, environment: payload.deployment.environment },
      status: { state: payload.deployment_status.state, createdAt: payload.deployment_status.created_at, creator: payload.deployment_status.creator?.login ?? null, description: payload.deployment_status.description ?? "" },
    });
  });
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
