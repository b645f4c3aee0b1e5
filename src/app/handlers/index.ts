import type { Context, Probot } from "probot";
import type { PullSnapshot } from "../caching-reader.js";
import type { MergeGroup } from "../../github/merge-group.js";
import { POLICY_PATH } from "../../engine/policy.js";
import type { ChangegateService, Client, EvaluateOutcome, MergedPullRequest, Trigger } from "../service.js";
import { REEVALUATE_ACTION } from "../service.js";

/**
 * One handler per webhook. Each evaluates at once (a person is waiting) and answers GitHub
 * only when done; a failed evaluation has already published failing checks that say why,
 * and the handler then fails the delivery so that it shows as failed in the App's
 * settings, where the redelivery loop finds it again.
 */
interface Repository {
  name: string;
  owner: { login: string };
  default_branch?: string;
}

interface Payload {
  installation?: { id: number };
  repository?: Repository;
  sender?: { login: string } | null;
}

export class DeliveryFailed extends Error {}

export function registerHandlers(app: Probot, service: ChangegateService): void {
  const pullRequestActions = ["opened", "edited", "synchronize", "reopened", "ready_for_review", "labeled", "unlabeled"] as const;
  app.on(
    pullRequestActions.map((action) => `pull_request.${action}` as const),
    async (context) => {
      const payload = context.payload as unknown as Payload & { action: string; pull_request: PullSnapshot; changes?: { base?: unknown } };
      const where = target(payload);
      if (where === null) return;
      const pull = payload.pull_request;
      if (payload.action === "synchronize" && payload.sender) {
        service.rememberPusher(pull.head.repo?.full_name ?? `${where.owner}/${where.repo}`, pull.head.sha, payload.sender.login);
      }
      const trigger: Trigger = payload.action === "opened" ? "opened" : payload.action === "edited" && payload.changes?.base !== undefined ? "retarget" : "webhook";
      settle(context, await service.evaluatePull({ ...where, number: pull.number, pull, trigger, client: context.octokit as unknown as Client }));
    },
  );

  app.on("pull_request.closed", async (context) => {
    const payload = context.payload as unknown as Payload & { pull_request: MergedPullRequest["pull"] & { merged?: boolean } };
    const where = target(payload);
    if (where === null) return;
    const pull = payload.pull_request;
    service.forget({ ...where, number: pull.number });
    if (pull.merged !== true) return;
    await service.recordMerge(context.octokit as unknown as Client, where, pull, context.id);
  });

  app.on(["pull_request_review.submitted", "pull_request_review.edited", "pull_request_review.dismissed"], async (context) => {
    const payload = context.payload as unknown as Payload & { pull_request: PullSnapshot };
    const where = target(payload);
    if (where === null) return;
    settle(context, await service.evaluatePull({ ...where, number: payload.pull_request.number, pull: payload.pull_request, trigger: "webhook", client: context.octokit as unknown as Client }));
  });

  app.on(["check_run.rerequested", "check_run.requested_action"], async (context) => {
    const payload = context.payload as unknown as Payload & {
      action: string;
      check_run: { head_sha: string; app?: { id: number } | null; pull_requests: { number: number }[]; check_suite?: { head_branch?: string | null } | null };
      requested_action?: { identifier: string };
    };
    const where = target(payload);
    if (where === null) return;
    if (payload.check_run.app?.id !== undefined && payload.check_run.app.id !== service.appId) return;
    if (payload.action === "requested_action" && payload.requested_action?.identifier !== REEVALUATE_ACTION.identifier) return;
    const client = context.octokit as unknown as Client;
    const numbers = await pullsOf(client, where, payload.check_run.head_sha, payload.check_run.pull_requests);
    settleAll(context, await Promise.all(numbers.map((number) => service.evaluatePull({ ...where, number, pull: null, trigger: "rerequested", fresh: true, client }))));
  });

  app.on("check_suite.rerequested", async (context) => {
    const payload = context.payload as unknown as Payload & { check_suite: { head_sha: string; pull_requests: { number: number }[]; app?: { id: number } | null } };
    const where = target(payload);
    if (where === null) return;
    if (payload.check_suite.app?.id !== undefined && payload.check_suite.app.id !== service.appId) return;
    const client = context.octokit as unknown as Client;
    const numbers = await pullsOf(client, where, payload.check_suite.head_sha, payload.check_suite.pull_requests);
    settleAll(context, await Promise.all(numbers.map((number) => service.evaluatePull({ ...where, number, pull: null, trigger: "rerequested", fresh: true, client }))));
  });

  app.on("merge_group.checks_requested", async (context) => {
    const payload = context.payload as unknown as Payload & { merge_group: MergeGroup };
    const where = target(payload);
    if (where === null) return;
    settle(context, await service.evaluateMergeGroup(context.octokit as unknown as Client, where.installationId, where.owner, where.repo, payload.merge_group));
  });

  app.on("push", async (context) => {
    const payload = context.payload as unknown as Payload & {
      ref: string;
      forced?: boolean;
      deleted?: boolean;
      created?: boolean;
      commits?: { added?: string[]; modified?: string[]; removed?: string[] }[];
    };
    const where = target(payload);
    if (where === null || !payload.ref.startsWith("refs/heads/")) return;
    const branch = payload.ref.slice("refs/heads/".length);
    const commits = payload.commits ?? [];
    const paths = new Set(commits.flatMap((commit) => [...(commit.added ?? []), ...(commit.modified ?? []), ...(commit.removed ?? [])]));
    // A webhook lists at most 20 commits; a forced push may have rewritten anything.
    const unknown = commits.length >= 20 || payload.forced === true || payload.created === true;
    const layered = service.pushTouchesPolicy(where.owner, where.repo, paths);
    if (!unknown && !paths.has(POLICY_PATH) && !layered) return;
    const isDefault = payload.repository?.default_branch === branch;
    await service.policyPushed(context.octokit as unknown as Client, where.installationId, where.owner, where.repo, branch, isDefault);
  });

  app.on(["installation.created", "installation_repositories.added"], async (context) => {
    const payload = context.payload as unknown as { installation: { id: number } };
    // A new installation's open pull requests get their checks without waiting for an event.
    void service.reconcileInstallation(payload.installation.id);
  });
}

function target(payload: Payload): { installationId: number; owner: string; repo: string } | null {
  if (payload.installation?.id === undefined || payload.repository === undefined) return null;
  return { installationId: payload.installation.id, owner: payload.repository.owner.login, repo: payload.repository.name };
}

function settle(context: Context, outcome: EvaluateOutcome): void {
  if (outcome.status === "failed") throw new DeliveryFailed(`changegate could not evaluate (${context.name} ${context.id}): ${outcome.error ?? "unknown error"}`);
}

function settleAll(context: Context, outcomes: EvaluateOutcome[]): void {
  for (const outcome of outcomes) settle(context, outcome);
}

/** The pull requests whose head is `sha`: as the event lists them, else as GitHub finds them (a fork's pull request is not listed). */
async function pullsOf(client: Client, where: { owner: string; repo: string }, sha: string, listed: { number: number }[]): Promise<number[]> {
  if (listed.length > 0) return [...new Set(listed.map((pull) => pull.number))];
  const { data } = await client.request("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", { owner: where.owner, repo: where.repo, commit_sha: sha, per_page: 100 });
  return data.filter((pull) => pull.state === "open" && pull.head.sha === sha).map((pull) => pull.number);
}
