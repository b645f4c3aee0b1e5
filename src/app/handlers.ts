import type { Context, Probot } from "probot";
import type { PullSnapshot } from "../github/gather.js";
import type { MergeGroup } from "../github/merge-group.js";
import { POLICY_PATH } from "../engine/policy.js";
import type { ChangegateService, Client, EvaluateOutcome, MergedPullRequest, Trigger } from "./service.js";
import { REEVALUATE_ACTION } from "./service.js";
import { gatherAndEvaluate } from "../github/gather.js";
import { describeFailure } from "./errors.js";

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

export class DeliveryFailed extends Error {
  /** What the webhook is answered: 500, so that the delivery shows as failed and is asked for again. */
  readonly status = 500;
  constructor(message: string) {
    super(message);
    this.name = "DeliveryFailed";
    // The reason is the whole story; a stack would only repeat Probot's internals in the log.
    this.stack = `${this.name}: ${message}`;
  }
}

type Handler = (context: Context) => Promise<void>;

/**
 * Every handler's failure answered as GitHub should see it: 500 (the redelivery loop finds
 * the delivery again), never the status of a request the handler made (a 404 or 422 inside
 * would read as a bad delivery), with one line that says why instead of a stack. Work that
 * is already done (a merge already recorded, checks already saying the same) returns
 * normally and is answered 200.
 */
export function answerFailures(handler: Handler): Handler {
  return async (context) => {
    try {
      await handler(context);
    } catch (error) {
      if (error instanceof DeliveryFailed) throw error;
      const action = (context.payload as { action?: string }).action;
      throw new DeliveryFailed(`changegate could not handle ${context.name}${action === undefined ? "" : `.${action}`} ${context.id}: ${describeFailure(error)}`);
    }
  };
}

export function registerHandlers(probot: Probot, service: ChangegateService): void {
  // Each handler registered through answerFailures.
  const app = { on: (events: unknown, handler: Handler) => probot.on(events as never, answerFailures(handler) as never) } as unknown as Pick<Probot, "on">;
  logDeliveryFailuresOnce(probot);
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
    await merged(service, context, where, pull);
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
    const layered = service.policies.layersFileOf(where.owner, where.repo, paths);
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

/**
 * Probot logs a handler's failure twice: its error handler logs each error (here the one
 * line of a DeliveryFailed), then the webhooks middleware, through the same logger, the
 * aggregate of them. The aggregate of DeliveryFailed errors says nothing new, so it is not
 * logged again; any other error is logged as Probot logs it.
 */
export function logDeliveryFailuresOnce(probot: Probot): void {
  type ErrorMethod = (this: unknown, ...args: unknown[]) => void;
  const log = probot.log as unknown as { error: ErrorMethod };
  const error = log.error;
  // A plain function, not bound: pino's child loggers inherit it and keep their own bindings.
  log.error = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const reasons = first instanceof AggregateError ? (first.errors as unknown[]) : [];
    if (reasons.length > 0 && reasons.every((reason) => reason instanceof DeliveryFailed)) return;
    error.apply(this, args);
  };
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

/** A merged pull request: the audit trail and, for an emergency, the retrospective. */
async function merged(
  service: ChangegateService,
  context: Context,
  where: { installationId: number; owner: string; repo: string },
  pull: MergedPullRequest["pull"],
): Promise<void> {
  const hooks = service.mergeHooks;
  if (hooks === null) return;
  const client = service.prepare(context.octokit as unknown as Client, where.installationId);
  // The policy that judged the merge: the base before it (the merged PR may edit the policy).
  const loaded = await service.policies.load(client, { owner: where.owner, repo: where.repo, ref: pull.base.sha ?? pull.base.ref }, { scope: String(where.installationId) });
  if (loaded.status === "not-enrolled") return;
  if (loaded.status === "invalid") {
    context.log.warn({ pull: `${where.owner}/${where.repo}#${pull.number}` }, "changegate: merged while the policy was invalid: the audit trail's location is unknown, the merge is not recorded");
    return;
  }
  const at = pull.merged_at ? Date.parse(pull.merged_at) : service.now();
  const { decision, input } = await gatherAndEvaluate(client, { owner: where.owner, repo: where.repo, pull, policy: loaded.policy, at, scope: String(where.installationId) }, service.gather);
  // One merge recorded at a time per PR, across replicas: two deliveries must not both open the retrospective.
  await service.locks.run(`merge:${where.owner}/${where.repo}#${pull.number}`.toLowerCase(), () => hooks.onMerged(client, {
    ...where,
    pull,
    policy: loaded.policy,
    decision,
    files: input.files,
    policySha: loaded.files[loaded.files.length - 1]?.sha ?? null,
    deliveryId: context.id,
  }));
}
