import type { Octokit } from "@octokit/core";
import type { MergedChange } from "../audit/merge.js";
import { evaluate, type Decision, type EvaluatedDecision } from "../engine/evaluate.js";
import { listAll, type GitHubClient } from "../github/access.js";
import { LruCache } from "../github/cache.js";
import { changegateCheckRuns, publishChecks, recordedInputs, recordedNextChange, type CheckRunAction, type DecisionInputs, type KnownCheck, type PublishedCheck } from "../github/check-runs.js";
import { decisionInputs, runIsCurrent } from "../github/decision-inputs.js";
import { ConditionalCache, useConditionalRequests } from "../github/conditional-requests.js";
import { gatherAndEvaluate, GatherCaches, pullReviews, type PullSnapshot } from "../github/gather.js";
import { branchName, combineGroupChecks, pullsInMergeGroup, type GroupMember, type MergeGroup } from "../github/merge-group.js";
import { PolicyCache } from "../github/policy-cache.js";
import { listingUnchanged, payloadProvesCurrent, pullContentKey, type PullReading } from "../github/pull-freshness.js";
import type { LoadedPolicy } from "../github/policy-source.js";
import { CHECK_NAMES, renderChecks, type RenderedCheck } from "../report/checks.js";
import { describeFailure } from "./errors.js";
import { Locks, type RedisLike } from "./lock.js";
import { PRIORITY, pullId, Scheduler, urgency, WorkQueue, type Boundary, type BoundaryKind, type PullKey } from "./scheduler.js";

/**
 * The App's work, apart from Probot: evaluate a pull request and publish its three checks
 * (idempotently, failing closed), keep its next boundary in the Scheduler, reconcile open
 * pull requests, and ask GitHub again for failed webhook deliveries. Webhook handlers
 * (handlers.ts) and timers call into it; it holds caches that a restart may lose.
 */
export interface Logger {
  info(object: unknown, message?: string): void;
  warn(object: unknown, message?: string): void;
  error(object: unknown, message?: string): void;
  debug(object: unknown, message?: string): void;
}

export type Client = Octokit;

export interface MergedPullRequest extends MergedChange {
  installationId: number;
  pull: PullSnapshot & MergedChange["pull"];
  deliveryId: string | null;
}

/** What happens when a gated pull request merges: the audit trail and the emergency retrospective. */
export interface MergeHooks {
  onMerged(client: Client, merged: MergedPullRequest): Promise<void>;
}

export interface ServiceOptions {
  appId: number;
  log: Logger;
  /** An installation's client (Probot's app.auth(id)). */
  installationClient: (installationId: number) => Promise<Client>;
  /** The app's own client, authenticated as the app (app.auth()). */
  appClient: () => Promise<Client>;
  redis?: RedisLike | null;
  now?: () => number;
  mergeHooks?: MergeHooks | null;
  /** Start a closing flip this long before its boundary (plus the batch's write time). */
  leadMs?: number;
  /** The time one flip's writes take at GitHub's pace. */
  perFlipMs?: number;
  policyFreshMs?: number;
  permissionsTtlMs?: number;
  teamsTtlMs?: number;
  /** Waits before evaluating again after a failure, one per attempt, the last repeated. */
  retryDelaysMs?: readonly number[];
  /** For a create that may have happened: the wait before listing the check runs again. */
  createRetryDelayMs?: number;
  concurrency?: number;
  /** Open pull requests read per repository by reconciliation. */
  maxOpenPulls?: number;
}

export const REEVALUATE_ACTION: CheckRunAction = { label: "Re-evaluate", description: "Evaluate this pull request again now", identifier: "reevaluate" };

export type Trigger = "opened" | "webhook" | "retarget" | "rerequested" | "policy-change" | "schedule" | "retry" | "reconcile" | "restore";

export interface EvaluateRequest {
  installationId: number;
  owner: string;
  repo: string;
  number: number;
  /** The pull request as a webhook gave it; null: read it. */
  pull: PullSnapshot | null;
  trigger: Trigger;
  /** Read everything again (the Re-evaluate button). */
  fresh?: boolean;
  /** The boundary that made this evaluation due. */
  boundary?: Boundary | null;
  /** The webhook's client; requests go through the installation's own (see evaluatePull). */
  client?: Client | null;
}

export interface EvaluateOutcome {
  status: "published" | "not-enrolled" | "closed" | "failed" | "deferred";
  writes: number;
  decision?: Decision;
  checks?: RenderedCheck[];
  error?: string;
}

/** What the process remembers of a pull request it evaluated. */
interface PullMemory extends PullReading {
  headSha: string;
  baseRef: string;
  failures: number;
}

const CHECK_ORDER = [CHECK_NAMES.risk, CHECK_NAMES.schedule, CHECK_NAMES.approvals];
const KNOWN_RUNS_PREFIX = "changegate:runs:";
/** A shared entry outlives no head for long: a day, then the runs are listed again. */
const KNOWN_RUNS_TTL_MS = 24 * 3_600_000;

export class ChangegateService {
  readonly appId: number;
  readonly log: Logger;
  readonly policies: PolicyCache;
  readonly gather: GatherCaches;
  readonly conditional = new ConditionalCache();
  readonly locks: Locks;
  readonly scheduler: Scheduler;
  readonly queue: WorkQueue;
  readonly now: () => number;
  readonly stats = { evaluations: 0, writes: 0, failures: 0, reconciled: 0, redelivered: 0, lastReconcileAt: 0, lastReconcileError: null as string | null };
  readonly #options: ServiceOptions;
  /** What each head commit's runs say, when this process is the one writer (else in Redis). */
  readonly #published = new LruCache<string, Map<string, KnownCheck>>(20_000);
  readonly #pulls = new LruCache<string, PullMemory>(50_000);
  readonly #clients = new LruCache<number, Client>(5_000, 50 * 60_000);
  readonly #wrapped = new WeakSet<object>();
  #redeliveredSince = 0;
  readonly #redelivered = new Set<string>();
  #stopped = false;

  constructor(options: ServiceOptions) {
    this.#options = options;
    this.appId = options.appId;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.policies = new PolicyCache({ freshMs: options.policyFreshMs ?? 60_000, now: this.now });
    this.gather = new GatherCaches({
      now: this.now,
      ...(options.permissionsTtlMs === undefined ? {} : { permissionsTtlMs: options.permissionsTtlMs }),
      ...(options.teamsTtlMs === undefined ? {} : { teamsTtlMs: options.teamsTtlMs }),
    });
    this.locks = new Locks(options.redis ?? null);
    this.queue = new WorkQueue({
      concurrency: options.concurrency ?? 4,
      onError: (error, job) => this.log.error({ err: error, job: job.id }, "changegate: background job failed"),
    });
    this.scheduler = new Scheduler({
      now: this.now,
      ...(options.leadMs === undefined ? {} : { leadMs: options.leadMs }),
      ...(options.perFlipMs === undefined ? {} : { perFlipMs: options.perFlipMs }),
      onDue: (boundary) => this.#enqueueBoundary(boundary),
    });
  }

  get mergeHooks(): MergeHooks | null {
    return this.#options.mergeHooks ?? null;
  }

  stop(): void {
    this.#stopped = true;
    this.scheduler.stop();
    this.queue.stop();
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Installs conditional requests on a client once. */
  prepare(client: Client, installationId: number): Client {
    if (!this.#wrapped.has(client)) {
      this.#wrapped.add(client);
      useConditionalRequests(client, this.conditional, String(installationId));
    }
    return client;
  }

  async clientFor(installationId: number): Promise<Client> {
    const cached = this.#clients.get(installationId);
    if (cached !== undefined) return cached;
    const client = this.prepare(await this.#options.installationClient(installationId), installationId);
    this.#clients.set(installationId, client);
    return client;
  }

  rememberPusher(headRepo: string, sha: string, login: string): void {
    this.gather.rememberPusher(headRepo, sha, login);
  }

  // ------------------------------------------------------------------ evaluation

  /** Evaluates one pull request and publishes its checks. Never throws: a failure is published (fail closed) and retried. */
  async evaluatePull(request: EvaluateRequest): Promise<EvaluateOutcome> {
    const key: PullKey = { installationId: request.installationId, owner: request.owner, repo: request.repo, number: request.number };
    let client: Client;
    let pull: PullSnapshot;
    try {
      // The installation's own client, not the webhook's: Probot's event client has no
      // per-installation throttle key, so its writes would share one pace with every other
      // installation's, and go beside (not behind) this installation's background writes.
      client = await this.clientFor(request.installationId);
      pull = await this.#currentPull(client, key, request.pull);
    } catch (error) {
      return this.#failed(key, null, null, error);
    }
    if (pull.state === "closed") {
      this.forget(key);
      return { status: "closed", writes: 0 };
    }
    const lockKey = `${request.owner}/${request.repo}@${pull.head.sha}`.toLowerCase();
    try {
      return await this.locks.run(lockKey, () => this.#evaluateLocked(client, key, pull, request));
    } catch (error) {
      return this.#failed(key, client, pull, error);
    }
  }

  /** Forgets a closed pull request. */
  forget(key: PullKey): void {
    this.scheduler.delete(key);
    this.#pulls.delete(pullId(key));
  }

  async #currentPull(client: Client, key: PullKey, given: PullSnapshot | null): Promise<PullSnapshot> {
    // A payload is a hint: unless its stamp proves it newer than what was decided on, GitHub is asked.
    if (given !== null && payloadProvesCurrent(given, this.#pulls.get(pullId(key)))) return given;
    const { data } = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: key.owner, repo: key.repo, pull_number: key.number });
    return data as unknown as PullSnapshot;
  }

  async #evaluateLocked(client: Client, key: PullKey, pull: PullSnapshot, request: EvaluateRequest): Promise<EvaluateOutcome> {
    this.stats.evaluations++;
    const now = this.now();
    const remember = (failures: number) => this.#remember(key, pull, failures, now);
    const scope = String(key.installationId);
    const loaded = await this.policies.load(client, { owner: key.owner, repo: key.repo, ref: pull.base.ref }, { scope, fresh: request.fresh === true });
    if (loaded.status === "not-enrolled") {
      this.scheduler.delete(key);
      // Runs from when the branch had a policy (or the PR had another base) turn neutral; elsewhere a not-enrolled PR costs nothing.
      const retargeted = request.trigger === "retarget" || (this.#pulls.get(pullId(key))?.baseRef ?? pull.base.ref) !== pull.base.ref;
      const writes = request.trigger === "policy-change" || request.fresh === true || retargeted ? await this.#neutralize(client, key, pull) : 0;
      remember(0);
      return { status: "not-enrolled", writes };
    }

    let decision: Decision;
    let timezone = "UTC";
    let current: EvaluatedDecision | null = null;
    // What the runs record they were decided on (reviews are not read for an invalid policy).
    let inputs = decisionInputs(pull, [], loaded.files);
    if (loaded.status === "invalid") {
      decision = { kind: "policy-invalid", problems: loaded.problems };
    } else {
      timezone = loaded.policy.timezone;
      const boundary = request.boundary ?? null;
      // A closing is flipped ahead of its instant, decided as of that instant.
      const at = boundary !== null && boundary.kind !== "opens" && boundary.kind !== "retry" && boundary.at > now ? boundary.at : now;
      const gathered = await gatherAndEvaluate(
        client,
        {
          owner: key.owner,
          repo: key.repo,
          pull,
          policy: loaded.policy,
          at,
          scope,
          fresh: request.fresh === true,
        },
        this.gather,
      );
      decision = gathered.decision;
      inputs = decisionInputs(pull, gathered.input.reviews, loaded.files);
      if (at !== now) {
        current = evaluate({ ...gathered.input, at: now });
        if (loosens(renderChecks(current, { timezone }), renderChecks(decision, { timezone }))) {
          // Not a closing after all: publish what holds now, and open on time.
          const checks = renderChecks(current, { timezone });
          const writes = await this.#publish(client, key, pull, checks, boundary!.at, inputs);
          remember(0);
          this.scheduler.set(key, { at: boundary!.at, kind: "opens", mergeable: mergeableAfter(checks, "opens"), headSha: pull.head.sha });
          return { status: "deferred", writes, decision: current, checks };
        }
      }
    }

    const checks = renderChecks(decision, { timezone });
    const next = decision.kind === "evaluated" ? decision.nextChange : null;
    const writes = await this.#publish(client, key, pull, checks, next?.at ?? null, inputs);
    remember(0);
    if (next !== null && next !== undefined) {
      const kind: BoundaryKind = next.kind === "schedule-opens" ? "opens" : next.kind === "schedule-closes" ? "closes" : "unknown";
      this.scheduler.set(key, { at: next.at, kind, mergeable: mergeableAfter(checks, kind), headSha: pull.head.sha });
    } else {
      this.scheduler.delete(key);
    }
    return { status: "published", writes, decision, checks };
  }

  /**
   * What changegate's runs on a head say, so that an unchanged decision writes nothing and
   * needs no listing. One replica keeps it in memory; several share it in Redis, where an
   * entry is taken away before a write and put back after it succeeds: an entry is never
   * older than what GitHub holds (a lost write leaves none, and the runs are listed).
   */
  async #knownRuns(cacheKey: string): Promise<Map<string, KnownCheck> | null> {
    const redis = this.#options.redis ?? null;
    if (redis === null) return this.#published.get(cacheKey) ?? null;
    const stored = await redis.get(KNOWN_RUNS_PREFIX + cacheKey).catch(() => null);
    // Taken away before this evaluation may write; a failure here fails the evaluation (closed).
    await redis.del(KNOWN_RUNS_PREFIX + cacheKey);
    if (stored === null) return null;
    try {
      return new Map(JSON.parse(stored) as [string, KnownCheck][]);
    } catch {
      return null;
    }
  }

  async #rememberRuns(cacheKey: string, runs: Map<string, KnownCheck>): Promise<void> {
    const redis = this.#options.redis ?? null;
    if (redis === null) {
      this.#published.set(cacheKey, runs);
      return;
    }
    await redis.set(KNOWN_RUNS_PREFIX + cacheKey, JSON.stringify([...runs]), "PX", KNOWN_RUNS_TTL_MS).catch(() => null);
  }

  /** Publishes on the pull request's head; returns the number of writes. */
  async #publish(client: Client, key: PullKey, pull: PullSnapshot, checks: RenderedCheck[], nextChange: number | null, inputs: DecisionInputs | null = null): Promise<number> {
    return this.#publishOn(client, key.installationId, key.owner, key.repo, pull.head.sha, checks, nextChange, inputs);
  }

  async #publishOn(client: Client, installationId: number, owner: string, repo: string, headSha: string, checks: readonly RenderedCheck[], nextChange: number | null, inputs: DecisionInputs | null = null): Promise<number> {
    const cacheKey = `${installationId}|${owner}/${repo}@${headSha}`.toLowerCase();
    const known = await this.#knownRuns(cacheKey);
    let published: PublishedCheck[];
    try {
      published = await publishChecks(client, { owner, repo, headSha }, checks, nextChange, null, {
        appId: this.appId,
        known,
        actions: [REEVALUATE_ACTION],
        createRetryDelayMs: this.#options.createRetryDelayMs ?? 1_000,
        now: this.now,
        inputs,
        // The scheduler keeps the next change: a run is rewritten only for what a person sees.
        externalIdIsContent: false,
      });
    } catch (error) {
      this.#published.delete(cacheKey);
      throw error;
    }
    await this.#rememberRuns(cacheKey, new Map(published.map((check) => [check.name, check.known])));
    const writes = published.filter((check) => check.action !== "unchanged").length;
    this.stats.writes += writes;
    return writes;
  }

  /** A branch without a policy: changegate's runs already on the head (from when it had one) turn neutral. */
  async #neutralize(client: Client, key: PullKey, pull: PullSnapshot): Promise<number> {
    const runs = await changegateCheckRuns(client, { owner: key.owner, repo: key.repo, headSha: pull.head.sha }, { appId: this.appId });
    if (runs.length === 0) return 0;
    const title = `Not enrolled: ${pull.base.ref} has no .github/changegate.yml`;
    const summary = `The base branch \`${pull.base.ref}\` has no changegate policy, so changegate does not gate this pull request.`;
    const checks: RenderedCheck[] = CHECK_ORDER.filter((name) => runs.some((run) => run.name === name)).map((name) => ({ name, conclusion: "neutral", title, summary, annotations: [], enforcedConclusion: "neutral" }));
    return this.#publish(client, key, pull, checks, null);
  }

  #remember(key: PullKey, pull: PullSnapshot, failures: number, readAt: number): void {
    this.#pulls.set(pullId(key), { headSha: pull.head.sha, baseRef: pull.base.ref, updatedAt: pull.updated_at ?? null, contentKey: pullContentKey(pull), readAt, failures });
  }

  /** Fails closed: the checks say why and that changegate retries; a retry is scheduled. */
  async #failed(key: PullKey, client: Client | null, pull: PullSnapshot | null, error: unknown): Promise<EvaluateOutcome> {
    this.stats.failures++;
    const reason = describeFailure(error);
    const id = pullId(key);
    const memory = this.#pulls.get(id);
    const failures = (memory?.failures ?? 0) + 1;
    const delays = this.#options.retryDelaysMs ?? [30_000, 120_000, 300_000, 600_000];
    const retryAt = this.now() + (delays[Math.min(failures, delays.length) - 1] ?? 600_000);
    this.log.warn({ err: error, pull: id, failures }, `changegate: could not evaluate ${id}: ${reason}`);
    if (memory !== undefined) this.#pulls.set(id, { ...memory, failures });
    else if (pull !== null) this.#remember(key, pull, failures, this.now());
    let writes = 0;
    if (client !== null && pull !== null) {
      try {
        writes = await this.#publish(client, key, pull, renderChecks({ kind: "unavailable", reason }, { timezone: "UTC" }), retryAt);
      } catch (publishError) {
        this.log.warn({ err: publishError, pull: id }, "changegate: could not publish the failure either");
      }
    }
    if (!this.#stopped) this.scheduler.set(key, { at: retryAt, kind: "retry", mergeable: false, headSha: pull?.head.sha ?? null });
    return { status: "failed", writes, error: reason };
  }

  #enqueueBoundary(boundary: Boundary): void {
    this.queue.push({
      id: pullId(boundary.pull),
      priority: urgency(boundary),
      run: async () => {
        await this.evaluatePull({ ...boundary.pull, pull: null, trigger: boundary.kind === "retry" ? "retry" : "schedule", boundary });
      },
    });
  }

  /** Queues an evaluation (policy changes, reconciliation). */
  enqueue(request: Omit<EvaluateRequest, "client">, priority: number): void {
    this.queue.push({
      id: pullId(request),
      priority,
      run: async () => {
        await this.evaluatePull(request);
      },
    });
  }

  // ---------------------------------------------------------------- merge groups

  /** The three checks on a merge group's head, from the pull requests in it. */
  async evaluateMergeGroup(client: Client, installationId: number, owner: string, repo: string, group: MergeGroup): Promise<EvaluateOutcome> {
    this.prepare(client, installationId);
    const scope = String(installationId);
    const base = branchName(group.base_ref);
    try {
      return await this.locks.run(`${owner}/${repo}@${group.head_sha}`.toLowerCase(), async () => {
        const loaded: LoadedPolicy = await this.policies.load(client, { owner, repo, ref: base }, { scope });
        if (loaded.status === "not-enrolled") return { status: "not-enrolled" as const, writes: 0 };
        let checks: RenderedCheck[];
        if (loaded.status === "invalid") {
          checks = renderChecks({ kind: "policy-invalid", problems: loaded.problems }, { timezone: "UTC" });
        } else {
          const numbers = await pullsInMergeGroup(client, owner, repo, group);
          const members: GroupMember[] = [];
          for (const number of numbers) {
            const { data } = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner, repo, pull_number: number });
            const pull = data as unknown as PullSnapshot;
            // A pull request is judged by the policy of the branch the group merges into.
            const { decision } = await gatherAndEvaluate(client, { owner, repo, pull, policy: loaded.policy, at: this.now(), scope }, this.gather);
            members.push({ number, title: pull.title, checks: renderChecks(decision, { timezone: loaded.policy.timezone }) });
          }
          checks = combineGroupChecks(members);
        }
        const writes = await this.#publishOn(client, installationId, owner, repo, group.head_sha, checks, null);
        return { status: "published" as const, writes, checks };
      });
    } catch (error) {
      const reason = describeFailure(error);
      this.log.warn({ err: error, group: group.head_sha }, `changegate: could not evaluate merge group ${group.head_sha}: ${reason}`);
      const writes = await this.#publishOn(client, installationId, owner, repo, group.head_sha, renderChecks({ kind: "unavailable", reason }, { timezone: "UTC" }), null).catch(() => 0);
      return { status: "failed", writes, error: reason };
    }
  }

  // ------------------------------------------------------------- policy changes

  /**
   * A push that may have changed a policy: forget what it can change, and evaluate again the
   * open pull requests into that branch (and into branches whose policy layers the pushed
   * repository's files, `_extends`).
   */
  async policyPushed(client: Client, installationId: number, owner: string, repo: string, branch: string, isDefaultBranch: boolean): Promise<number> {
    this.prepare(client, installationId);
    const dependents = this.policies.invalidate(owner, repo, branch, isDefaultBranch);
    const targets = [{ owner, repo, ref: branch }, ...dependents];
    let queued = 0;
    for (const target of targets) {
      const targetClient = target.owner === owner && target.repo === repo ? client : await this.clientFor(installationId);
      const pulls = (await listAll(
        (page) => targetClient.request("GET /repos/{owner}/{repo}/pulls", { owner: target.owner, repo: target.repo, state: "open", base: target.ref, per_page: 100, page }),
        this.#options.maxOpenPulls ?? 1_000,
      )) as unknown as PullSnapshot[];
      for (const pull of pulls) {
        const key = { installationId, owner: target.owner, repo: target.repo, number: pull.number };
        this.enqueue({ ...key, pull: null, trigger: "policy-change" }, this.#wasMergeable(key) ? PRIORITY.policyChange - 1 : PRIORITY.policyChange);
        queued++;
      }
    }
    return queued;
  }

  #wasMergeable(key: PullKey): boolean {
    const known = this.scheduler.get(key);
    return known?.mergeable ?? false;
  }

  // ------------------------------------------------------------ reconciliation

  /**
   * Every open pull request of every installation, compared with what this process knows:
   * what changed since its last evaluation (or was never evaluated by this process) is
   * evaluated again; after a restart, a pull request whose check runs are current only has
   * its next boundary read back from them. Listing uses conditional requests: a repository
   * whose open pull requests did not change costs a 304.
   */
  async reconcile(): Promise<{ repositories: number; pulls: number; queued: number }> {
    const result = { repositories: 0, pulls: 0, queued: 0 };
    try {
      const appClient = await this.#options.appClient();
      const installations = await listAll((page) => appClient.request("GET /app/installations", { per_page: 100, page }));
      for (const installation of installations) {
        if (this.#stopped) break;
        if ((installation as { suspended_at?: string | null }).suspended_at) continue;
        const counts = await this.#reconcileInstallation(Number(installation.id));
        result.repositories += counts.repositories;
        result.pulls += counts.pulls;
        result.queued += counts.queued;
      }
      this.stats.lastReconcileAt = this.now();
      this.stats.lastReconcileError = null;
      this.stats.reconciled++;
    } catch (error) {
      this.stats.lastReconcileError = describeFailure(error);
      this.log.warn({ err: error }, `changegate: reconciliation stopped: ${this.stats.lastReconcileError}`);
    }
    return result;
  }

  /** Reconciles one installation (a new one, or one that gained repositories). */
  async reconcileInstallation(installationId: number): Promise<{ repositories: number; pulls: number; queued: number }> {
    try {
      return await this.#reconcileInstallation(installationId);
    } catch (error) {
      this.log.warn({ err: error, installationId }, `changegate: could not reconcile installation ${installationId}: ${describeFailure(error)}`);
      return { repositories: 0, pulls: 0, queued: 0 };
    }
  }

  async #reconcileInstallation(installationId: number): Promise<{ repositories: number; pulls: number; queued: number }> {
    const result = { repositories: 0, pulls: 0, queued: 0 };
    const client = await this.clientFor(installationId);
    const repositories: { name: string; owner: { login: string }; archived?: boolean }[] = [];
    for (let page = 1; ; page++) {
      const { data } = await client.request("GET /installation/repositories", { per_page: 100, page });
      repositories.push(...(data.repositories as typeof repositories));
      if (data.repositories.length < 100) break;
    }
    for (const repository of repositories) {
      if (repository.archived === true || this.#stopped) continue;
      result.repositories++;
      const counts = await this.#reconcileRepository(client, installationId, repository.owner.login, repository.name);
      result.pulls += counts.pulls;
      result.queued += counts.queued;
    }
    return result;
  }

  async #reconcileRepository(client: Client, installationId: number, owner: string, repo: string): Promise<{ pulls: number; queued: number }> {
    const pulls = (await listAll(
      (page) => client.request("GET /repos/{owner}/{repo}/pulls", { owner, repo, state: "open", sort: "updated", direction: "desc", per_page: 100, page }),
      this.#options.maxOpenPulls ?? 1_000,
    )) as unknown as PullSnapshot[];
    let queued = 0;
    const enrolled = new Map<string, boolean>();
    for (const pull of pulls) {
      const key: PullKey = { installationId, owner, repo, number: pull.number };
      const memory = this.#pulls.get(pullId(key));
      if (memory !== undefined && memory.failures === 0 && listingUnchanged(pull, memory)) continue;
      if (!enrolled.has(pull.base.ref)) {
        const loaded = await this.policies.load(client, { owner, repo, ref: pull.base.ref }, { scope: String(installationId) });
        enrolled.set(pull.base.ref, loaded.status !== "not-enrolled");
      }
      if (enrolled.get(pull.base.ref) !== true) continue;
      queued++;
      if (memory === undefined) {
        // Not seen by this process (a restart): read back what the check runs recorded first.
        this.queue.push({ id: pullId(key), priority: PRIORITY.reconcile, run: () => this.#restore(client, key, pull) });
      } else {
        this.enqueue({ ...key, pull, trigger: "reconcile" }, PRIORITY.reconcile);
      }
    }
    return { pulls: pulls.length, queued };
  }

  /**
   * After a restart: a pull request whose runs are each current (they recorded the inputs
   * GitHub holds now: the PR's fields, its reviews, the policy's blobs; and their next
   * change is ahead) gets its boundary back from them; any other is evaluated.
   */
  async #restore(client: Client, key: PullKey, pull: PullSnapshot): Promise<void> {
    const runs = await changegateCheckRuns(client, { owner: key.owner, repo: key.repo, headSha: pull.head.sha }, { appId: this.appId });
    const now = this.now();
    const recorded = runs.map((run) => recordedNextChange(run));
    let current = false;
    if (runs.length === CHECK_ORDER.length && runs.every((run) => recordedInputs(run) !== null)) {
      const loaded = await this.policies.load(client, { owner: key.owner, repo: key.repo, ref: pull.base.ref }, { scope: String(key.installationId) });
      const reviews = loaded.status === "valid" ? await pullReviews(client, key.owner, key.repo, key.number) : [];
      const inputs = decisionInputs(pull, reviews, loaded.status === "not-enrolled" ? null : loaded.files);
      current = runs.every((run) => runIsCurrent(run, inputs, now));
    }
    if (!current) {
      await this.evaluatePull({ ...key, pull, trigger: "restore" });
      return;
    }
    this.#remember(key, pull, 0, now);
    const next = recorded.find((value): value is number => typeof value === "number");
    if (next !== undefined) {
      const mergeable = runs.every((run) => run.conclusion !== "failure");
      this.scheduler.set(key, { at: next, kind: "unknown", mergeable, headSha: pull.head.sha });
    }
  }

  // ----------------------------------------------------------------- redelivery

  /**
   * GitHub does not redeliver a failed webhook delivery by itself: ask for each delivery of
   * the last hours that failed and never succeeded since (a few attempts at most).
   */
  async redeliverFailed(options: { maxAgeMs?: number; settleMs?: number; maxAttempts?: number; maxPages?: number } = {}): Promise<number> {
    const maxAge = options.maxAgeMs ?? 6 * 3_600_000;
    const settle = options.settleMs ?? 30_000;
    const maxAttempts = options.maxAttempts ?? 3;
    const now = this.now();
    const oldest = Math.max(now - maxAge, this.#redeliveredSince - 10 * 60_000);
    let asked = 0;
    try {
      const appClient = await this.#options.appClient();
      const deliveries: { id: number; guid: string; delivered_at: string; status_code: number; redelivery: boolean }[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < (options.maxPages ?? 10); page++) {
        const response = await appClient.request("GET /app/hook/deliveries", { per_page: 100, ...(cursor === undefined ? {} : { cursor }) });
        deliveries.push(...(response.data as typeof deliveries));
        const last = response.data[response.data.length - 1];
        cursor = nextCursor(response.headers.link);
        if (cursor === undefined || last === undefined || Date.parse(last.delivered_at) < oldest) break;
      }
      const byGuid = new Map<string, typeof deliveries>();
      for (const delivery of deliveries) {
        if (Date.parse(delivery.delivered_at) < oldest) continue;
        const list = byGuid.get(delivery.guid) ?? [];
        list.push(delivery);
        byGuid.set(delivery.guid, list);
      }
      for (const [guid, attempts] of byGuid) {
        if (attempts.some((attempt) => attempt.status_code >= 200 && attempt.status_code < 300)) continue;
        const latest = attempts.reduce((a, b) => (Date.parse(b.delivered_at) > Date.parse(a.delivered_at) ? b : a));
        if (now - Date.parse(latest.delivered_at) < settle || attempts.length >= maxAttempts) continue;
        const marker = `${guid}:${attempts.length}`;
        if (this.#redelivered.has(marker) || !(await this.locks.claim(`redeliver:${marker}`, 10 * 60_000))) continue;
        this.#redelivered.add(marker);
        await appClient.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: latest.id });
        asked++;
      }
      this.#redeliveredSince = now;
      this.stats.redelivered += asked;
    } catch (error) {
      this.log.warn({ err: error }, `changegate: could not ask for failed deliveries again: ${describeFailure(error)}`);
    }
    return asked;
  }

  /** Resolves when no queued work is left (tests and the benchmark). */
  idle(): Promise<void> {
    return this.queue.idle();
  }
}

/** Does going from `before` to `after` let anything through that was blocked? */
function loosens(before: readonly RenderedCheck[], after: readonly RenderedCheck[]): boolean {
  return before.some((check) => check.enforcedConclusion === "failure" && after.find((other) => other.name === check.name)?.enforcedConclusion !== "failure");
}

/** Whether the pull request can merge once the boundary passes (its other checks pass). */
function mergeableAfter(checks: readonly RenderedCheck[], kind: BoundaryKind): boolean {
  const relevant = kind === "opens" ? checks.filter((check) => check.name !== CHECK_NAMES.schedule) : checks;
  return relevant.every((check) => check.conclusion !== "failure");
}

function nextCursor(link: string | undefined): string | undefined {
  if (link === undefined) return undefined;
  for (const part of link.split(",")) {
    if (!/rel="next"/.test(part)) continue;
    const url = /<([^>]+)>/.exec(part)?.[1];
    if (url === undefined) continue;
    return new URL(url).searchParams.get("cursor") ?? undefined;
  }
  return undefined;
}

export type { GitHubClient };
