import { findRecorded } from "../audit/github-trail.js";
import { deploymentIndexPath } from "../audit/layout.js";
import { trailOf } from "../audit/merge.js";
import { protectionRequest } from "./handlers/deployment-protection-rule.js";
import { holdKey, type DeploymentDeps, type ProtectionRequest } from "./deployment-holds.js";
import type { DeploymentRule } from "./deployment-rule.js";
import type { Client } from "./service.js";

/**
 * Held deployments found again without Redis, after a restart: GitHub keeps the App's
 * webhook deliveries, so the `deployment_protection_rule` deliveries of the last 30 days
 * (GitHub's limit for an answer) are listed; each run whose environment still waits, and
 * for which the audit trail holds no answer of changegate's (approved, rejected, released:
 * the environment may still wait on reviewers or another rule), is decided again: held
 * again (its timer armed) or, when its block ended meanwhile, approved. A run the trail
 * shows answered is left alone: never a second answer.
 *
 * Requests: a page of deliveries per 100 (at most `maxPages`), then per candidate its
 * delivery, its pending deployments, and the trail's branch and index (two requests per
 * answer kind). Only at start, and only without Redis (with it the holds are in Redis).
 */
export interface RecoveryOptions {
  maxAgeMs?: number;
  maxPages?: number;
}

interface DeliveryItem {
  id: number;
  guid: string;
  delivered_at: string;
  event: string;
}

export async function recoverHolds(service: DeploymentDeps, rule: DeploymentRule, appClient: () => Promise<Client>, options: RecoveryOptions = {}): Promise<number> {
  const oldest = service.now() - (options.maxAgeMs ?? 30 * 24 * 3_600_000);
  const client = await appClient();
  const found = new Map<string, DeliveryItem>();
  let next: string | null = null;
  for (let page = 0; page < (options.maxPages ?? 20); page++) {
    const response: { data: unknown; headers: { link?: string } } = next === null ? await client.request("GET /app/hook/deliveries", { per_page: 100 }) : await client.request({ method: "GET", url: next });
    const items = response.data as DeliveryItem[];
    for (const item of items) if (item.event === "deployment_protection_rule" && Date.parse(item.delivered_at) >= oldest && !found.has(item.guid)) found.set(item.guid, item);
    next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.link ?? "")?.[1] ?? null;
    const last = items.at(-1);
    if (next === null || last === undefined || Date.parse(last.delivered_at) < oldest) break;
  }

  let recovered = 0;
  const seen = new Set<string>();
  for (const item of found.values()) {
    const { data } = await client.request("GET /app/hook/deliveries/{delivery_id}", { delivery_id: item.id });
    const request = protectionRequest((data as { request: { payload: unknown } }).request.payload as Parameters<typeof protectionRequest>[0]);
    if (request === null) continue;
    const key = holdKey(request);
    if (seen.has(key) || (await rule.store.hold(key)) !== null || (await rule.store.answered(key)) !== null) continue;
    seen.add(key);
    const installation = await service.installationClient(request.installationId);
    if (!(await rule.isPending(installation, request)) || (await answeredInTrail(service, installation, request))) continue;
    const outcome = await rule.requested(installation, request);
    if (outcome.status !== "already-answered") recovered++;
  }
  return recovered;
}

async function answeredInTrail(service: DeploymentDeps, client: Client, request: ProtectionRequest): Promise<boolean> {
  const loaded = await service.loadPolicy(client, { owner: request.owner, repo: request.repo, ref: request.defaultBranch }, request.installationId);
  if (loaded.status !== "valid") return false;
  const trail = trailOf({ owner: request.owner, repo: request.repo, policy: loaded.policy });
  const repository = `${request.owner}/${request.repo}`;
  const id = request.deploymentId ?? request.runId;
  for (const event of ["approved", "rejected", "released"]) {
    if ((await findRecorded(client, trail, { repository, number: id, entry: deploymentIndexPath(repository, id, event) })) !== null) return true;
  }
  return false;
}
