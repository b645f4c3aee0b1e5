import { randomUUID } from "node:crypto";
import { Renderer } from "./render.js";
import type { FakeGitHub } from "./server.js";
import type { ProtectionGate } from "./protection-rules.js";
import { webhookEvent, type WebhookEvent } from "./webhooks.js";

/**
 * `deployment_protection_rule.requested`: `@octokit/webhooks-examples` has no example for it,
 * so the payload is built from the event's schema in GitHub's OpenAPI description
 * (`x-webhooks.deployment-protection-rule-requested`: action, environment, event, sha, ref,
 * deployment_callback_url, deployment, pull_requests, repository, organization,
 * installation, sender) with the fake's state.
 */
export function deploymentProtectionRuleEvent(fake: FakeGitHub, gate: ProtectionGate): WebhookEvent {
  const repo = fake.repository(gate.owner, gate.repo);
  const render = new Renderer(fake, fake.url);
  const payload: Record<string, unknown> = {
    action: "requested",
    environment: gate.environment,
    event: gate.event,
    sha: gate.deployment.sha,
    ref: gate.deployment.ref,
    deployment_callback_url: `${fake.url}/repos/${repo.fullName}/actions/runs/${gate.runId}/deployment_protection_rule`,
    deployment: render.deployment(repo, gate.deployment),
    pull_requests: [],
    repository: render.repository(repo),
    sender: render.user(fake.user("github-actions[bot]", "Bot")),
  };
  if (repo.installationId !== null) payload["installation"] = { id: repo.installationId, node_id: Buffer.from(`026:Integration::Installation${repo.installationId}`).toString("base64") };
  return { name: "deployment_protection_rule", id: randomUUID(), payload };
}

/** `deployment_status.created` from GitHub's example, patched with the fake's deployment and status. */
export function deploymentStatusEvent(fake: FakeGitHub, target: { owner: string; repo: string; deploymentId: number; statusId?: number }): WebhookEvent {
  const repo = fake.repository(target.owner, target.repo);
  const deployment = repo.deployments.find((candidate) => candidate.id === target.deploymentId);
  if (deployment === undefined) throw new Error(`no deployment ${target.deploymentId}`);
  const status = target.statusId === undefined ? deployment.statuses.at(-1) : deployment.statuses.find((candidate) => candidate.id === target.statusId);
  if (status === undefined) throw new Error(`deployment ${target.deploymentId} has no status`);
  const render = new Renderer(fake, fake.url);
  return webhookEvent(fake, "deployment_status", "created", { owner: target.owner, repo: target.repo, sender: status.creator.login }, {
    deployment: render.deployment(repo, deployment),
    deployment_status: render.deploymentStatus(repo, deployment, status),
  });
}
