import type { LoadedPolicy } from "../../github/policy-source.js";
import { listAll } from "../../github/access.js";
import { PRIORITY } from "../scheduler.js";
import { whereOf, type HandlerContext } from "./delivery.js";
import type { ChangegateService, Client } from "../service.js";

/**
 * Issue events (SPEC §10, `while_issues_open`): opening, closing, reopening, labelling or
 * unlabelling an issue can start or lift a freeze with no policy change, so when the
 * issue's labels (before and after) include every label of such an entry in the
 * repository's policy, the cached policies of the repository are forgotten (their
 * calendars read the open issues again, once) and its open pull requests are evaluated
 * again at once.
 */
const ACTIONS = ["opened", "closed", "reopened", "labeled", "unlabeled", "deleted", "transferred", "edited"] as const;

export const ISSUE_EVENTS = ACTIONS.map((action) => `issues.${action}` as const);

/** An issue event's handler (a durable job, routed by handlers/index.ts). */
export async function onIssue(service: ChangegateService, context: HandlerContext<(typeof ISSUE_EVENTS)[number]>): Promise<void> {
  const { payload } = context;
  const where = whereOf(payload);
  if (where === null || payload.issue.pull_request !== undefined) return;
  const labels = new Set((payload.issue.labels ?? []).flatMap((label) => (label?.name ? [label.name] : [])));
  // Labelled and unlabelled events name the label changed (an unlabelled issue no longer carries it).
  if ("label" in payload && payload.label?.name) labels.add(payload.label.name);
  await issueChanged(service, context.octokit, where.installationId, where.owner, where.repo, payload.repository.default_branch ?? null, labels);
}

/** Returns how many open pull requests were queued for evaluation. */
export async function issueChanged(
  service: ChangegateService,
  raw: Client,
  installationId: number,
  owner: string,
  repo: string,
  defaultBranch: string | null,
  labels: ReadonlySet<string>,
): Promise<number> {
  const client = service.prepare(raw, installationId);
  let policies = service.cachedPolicies(owner, repo);
  if (policies.length === 0 && defaultBranch !== null) {
    policies = [await service.policyAt(client, { owner, repo, ref: defaultBranch }, installationId)];
  }
  if (!policies.some((loaded) => followsIssues(loaded, labels))) return 0;
  service.forgetPolicies(owner, repo);
  const pulls = await listAll((page) => client.request("GET /repos/{owner}/{repo}/pulls", { owner, repo, state: "open", per_page: 100, page }), 1_000);
  for (const pull of pulls) service.enqueue({ installationId, owner, repo, number: pull.number, pull: null, trigger: "policy-change" }, PRIORITY.policyChange - 1);
  return pulls.length;
}

/** Whether a policy has a `while_issues_open` entry whose labels the issue carries (or carried). */
function followsIssues(loaded: LoadedPolicy, labels: ReadonlySet<string>): boolean {
  if (loaded.status !== "valid") return false;
  return [...loaded.policy.freezes, ...loaded.policy.blackouts].some((entry) => entry.form.kind === "while_issues_open" && entry.form.labels.every((label) => labels.has(label)));
}
