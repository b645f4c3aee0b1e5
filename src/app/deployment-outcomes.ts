import { outcomeRecord, type DeploymentRecord, type UnsealedDeploymentRecord } from "../audit/deployment-record.js";
import { appendRecord, readIndexedRecord } from "../audit/github-trail.js";
import { deploymentIndexPath } from "../audit/layout.js";
import { trailOf } from "../audit/merge.js";
import { parseChangeRequest } from "../engine/change-request.js";
import type { Policy } from "../engine/policy.js";
import { statusOf } from "../github/access.js";
import { formatInstant } from "../report/checks.js";
import type { DeploymentDeps, HoldStore } from "./deployment-holds.js";
import type { Client } from "./service.js";

/**
 * `deployment_status` of a gated environment (one the protection rule decided for, or one
 * the policy's `change_request.environments` lists): success, failure and error become
 * deployment records, once each however often delivered (the trail's index holds one entry
 * per deployment and state). `inactive` is recorded as `rolled-back` only when the
 * environment's newer deployment is of an older commit (GitHub marks every superseded
 * deployment inactive; only a step back is a rollback). Then each shipped pull request's
 * one changegate comment says where and when it shipped, or that it failed and what the
 * change request's rollback plan is (updated in place, never repeated).
 */
export interface DeploymentStatusEvent {
  installationId: number;
  owner: string;
  repo: string;
  defaultBranch: string;
  deployment: { id: number; sha: string; ref: string; environment: string };
  status: { state: string; createdAt: string; creator: string | null; description: string };
}

export type OutcomeResult = { status: "recorded" | "already-recorded" | "ignored"; event: string | null };

export const SHIPPED_COMMENT_MARKER = "<!-- changegate:shipped -->";

export async function recordDeploymentOutcome(service: DeploymentDeps, store: HoldStore, client: Client, event: DeploymentStatusEvent): Promise<OutcomeResult> {
  const { owner, repo, deployment, status } = event;
  const repository = `${owner}/${repo}`;
  if (!["success", "failure", "error", "inactive"].includes(status.state)) return { status: "ignored", event: null };
  const loaded = await service.loadPolicy(client, { owner, repo, ref: event.defaultBranch }, event.installationId);
  if (loaded.status !== "valid") return { status: "ignored", event: null };
  const policy = loaded.policy;
  const trail = trailOf({ owner, repo, policy });

  const shipped = (await store.shipped(repository, deployment.id)) ?? (await decisionInTrail(client, trail, repository, deployment.id));
  const gated = shipped !== null || policy.change_request.environments.includes(deployment.environment);
  if (!gated) return { status: "ignored", event: null };

  let outcome: "success" | "failure" | "error" | "rolled-back";
  if (status.state === "inactive") {
    if (!(await rolledBack(client, event))) return { status: "ignored", event: null };
    outcome = "rolled-back";
  } else outcome = status.state as "success" | "failure" | "error";

  const record = outcomeRecord(
    outcome,
    { at: status.createdAt, login: status.creator, description: status.description },
    shipped,
    { repository, deployment: { id: deployment.id, environment: deployment.environment, sha: deployment.sha, ref: deployment.ref, run_id: shipped?.deployment.run_id ?? null }, recordedAt: new Date(service.now()).toISOString(), recordedBy: "app" },
  );
  const appended = await appendRecord(
    client,
    trail,
    { repository, number: deployment.id, entry: deploymentIndexPath(repository, deployment.id, outcome), label: `${repository} deployment ${deployment.id} to ${deployment.environment} ${outcome}` },
    async () => record,
  );
  if (outcome !== "rolled-back") await closeTheChange(client, { owner, repo, policy, record });
  return { status: appended.status === "appended" ? "recorded" : "already-recorded", event: outcome };
}

async function decisionInTrail(client: Client, trail: ReturnType<typeof trailOf>, repository: string, deploymentId: number): Promise<UnsealedDeploymentRecord | null> {
  for (const event of ["approved", "released"] as const) {
    const found = await readIndexedRecord<DeploymentRecord>(client, trail, deploymentIndexPath(repository, deploymentId, event));
    if (found !== null) return found;
  }
  return null;
}

/** The environment's newest deployment is of a commit behind this one's: a step back. */
async function rolledBack(client: Client, event: DeploymentStatusEvent): Promise<boolean> {
  const { owner, repo, deployment } = event;
  const { data } = await client.request("GET /repos/{owner}/{repo}/deployments", { owner, repo, environment: deployment.environment, per_page: 5 });
  const newer = data.find((candidate) => candidate.id > deployment.id);
  if (newer === undefined || newer.sha === deployment.sha) return false;
  try {
    const { data: comparison } = await client.request("GET /repos/{owner}/{repo}/compare/{basehead}", { owner, repo, basehead: `${deployment.sha}...${newer.sha}`, per_page: 1 });
    return comparison.status === "behind";
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw error;
  }
}

/**
 * The shipped pull requests' comment: one per pull request, a line per environment, updated
 * in place. A failure quotes the change request's rollback plan (read from the PR as it is
 * now) and links the PR's description.
 */
async function closeTheChange(client: Client, change: { owner: string; repo: string; policy: Policy; record: UnsealedDeploymentRecord }): Promise<void> {
  const { owner, repo, policy, record } = change;
  for (const pull of record.pull_requests) {
    const line = await environmentLine(client, { owner, repo, number: pull.number, policy, record });
    const { data: comments } = await client.request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner, repo, issue_number: pull.number, per_page: 100 });
    const existing = comments.find((comment) => comment.body?.startsWith(SHIPPED_COMMENT_MARKER) === true);
    const lines = new Map<string, string>();
    for (const kept of (existing?.body ?? "").split("\n<!-- env:").slice(1)) {
      const name = kept.slice(0, kept.indexOf(" -->"));
      lines.set(name, `<!-- env:${kept}`);
    }
    lines.set(record.deployment.environment, line);
    const body = [SHIPPED_COMMENT_MARKER, "**changegate** · where this change went out", ...[...lines.keys()].sort().map((name) => lines.get(name)!)].join("\n");
    if (existing === undefined) await client.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner, repo, issue_number: pull.number, body });
    else if (existing.body !== body) await client.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", { owner, repo, comment_id: existing.id, body });
  }
}

async function environmentLine(client: Client, where: { owner: string; repo: string; number: number; policy: Policy; record: UnsealedDeploymentRecord }): Promise<string> {
  const { record, policy } = where;
  const environment = record.deployment.environment;
  const when = formatInstant(Date.parse(record.at), policy.timezone);
  const what = `deployment ${record.deployment.id ?? "-"}, commit \`${record.deployment.sha.slice(0, 7)}\``;
  const marker = `<!-- env:${environment.replace(/-->/g, "")} -->`;
  if (record.event === "success") return `${marker}\n- **${escapeMarkdown(environment)}**: shipped ${when} (${what})`;
  const { data: pull } = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: where.owner, repo: where.repo, pull_number: where.number });
  const parsed = parseChangeRequest(pull.body ?? "");
  // The plan is quoted as it is; a comment marker inside it cannot end or fake one of ours.
  const plan = parsed.status === "valid" ? (parsed.request.rollback_plan ?? "").trim().replace(/<!--/g, "<!\u200b--") : "";
  const fence = "`".repeat(Math.max(3, ...[...plan.matchAll(/`+/g)].map((run) => run[0].length + 1)));
  return [
    marker,
    `- **${escapeMarkdown(environment)}**: the deployment ${record.event === "error" ? "errored" : "failed"} ${when} (${what}). [Rollback plan](${pull.html_url}) from the change request:`,
    plan === "" ? "  (the change request has none)" : `\n${fence}\n${plan}\n${fence}`,
  ].join("\n");
}

/** User text is text: an environment's name cannot start markup. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]<>()#+!|~]/g, (character) => `\\${character}`);
}
