import type { Octokit } from "@octokit/core";
import type { MergedChange } from "../audit/merge.js";
import type { Decision } from "../engine/evaluate.js";
import type { GitHubClient } from "../github/access.js";
import type { CheckRunAction } from "../github/check-runs.js";
import type { MergeGroup } from "../github/merge-group.js";
import { PolicyCache } from "./policy-cache.js";
import type { LoadedPolicy } from "../github/policy-source.js";
import type { RenderedCheck } from "../report/checks.js";
import { GatherCaches, type PullSnapshot } from "./caching-reader.js";
import { AppCheckPublisher } from "./check-publisher.js";
import { InstallationClients } from "./clients.js";
import { Evaluator } from "./evaluator.js";
import { KnownRuns } from "./known-runs.js";
import { Locks, type RedisLike } from "./lock.js";
import { MergeCatchUp, type CatchUpCounts, type CatchUpOptions } from "./catch-up.js";
import { Merges, type MergeOutcome } from "./merges.js";
import { PolicyChanges } from "./policy-changes.js";
import { PullMemory } from "./pull-memory.js";
import { Reconciler, type ReconcileCounts } from "./reconciler.js";
import { Redelivery, type RedeliveryOptions } from "./redelivery.js";
import { Scheduler, WorkQueue, type Boundary, type PullKey } from "./scheduler.js";

/**
 * The App's work, apart from Probot, put together from its parts: the Evaluator (evaluate
 * and publish under a lock, fail closed, leave the next boundary), the Scheduler and the
 * WorkQueue (time), the Reconciler (open pull requests against what this process knows,
 * restore after a restart), Redelivery (failed webhook deliveries), PolicyChanges (a push
 * that changes a policy) and Merges (a merged pull request through the pipeline). Each keeps
 * its own state; webhook handlers (handlers/) and timers call the operations below.
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
  /** The webhook's client; requests go through the installation's own (see Evaluator.evaluatePull). */
  client?: Client | null;
}

export interface EvaluateOutcome {
  status: "published" | "not-enrolled" | "closed" | "failed" | "deferred";
  writes: number;
  decision?: Decision;
  checks?: RenderedCheck[];
  error?: string;
}

export class ChangegateService {
  readonly appId: number;
  readonly now: () => number;
  readonly #caches: GatherCaches;
  readonly #scheduler: Scheduler;
  readonly #queue: WorkQueue;
  readonly #publisher: AppCheckPublisher;
  readonly #evaluator: Evaluator;
  readonly #reconciler: Reconciler;
  readonly #redelivery: Redelivery;
  readonly #policyChanges: PolicyChanges;
  readonly #merges: Merges;
  readonly #catchUp: MergeCatchUp;
  readonly #locks: Locks;
  readonly #clients: InstallationClients;
  readonly #policies: PolicyCache;
  #stopped = false;

  constructor(options: ServiceOptions) {
    this.appId = options.appId;
    const log = options.log;
    const now = (this.now = options.now ?? Date.now);
    const clients = (this.#clients = new InstallationClients(options.installationClient, options.appClient));
    const policies = (this.#policies = new PolicyCache({ freshMs: options.policyFreshMs ?? 60_000, now }));
    this.#caches = new GatherCaches({
      now,
      ...(options.permissionsTtlMs === undefined ? {} : { permissionsTtlMs: options.permissionsTtlMs }),
      ...(options.teamsTtlMs === undefined ? {} : { teamsTtlMs: options.teamsTtlMs }),
    });
    const locks = (this.#locks = new Locks(options.redis ?? null));
    const memory = new PullMemory();
    this.#queue = new WorkQueue({
      concurrency: options.concurrency ?? 4,
      onError: (error, job) => log.error({ err: error, job: job.id }, "changegate: background job failed"),
    });
    this.#scheduler = new Scheduler({
      now,
      ...(options.leadMs === undefined ? {} : { leadMs: options.leadMs }),
      ...(options.perFlipMs === undefined ? {} : { perFlipMs: options.perFlipMs }),
      onDue: (boundary) => this.#evaluator.enqueueBoundary(boundary),
    });
    this.#publisher = new AppCheckPublisher(options.appId, new KnownRuns(options.redis ?? null), { createRetryDelayMs: options.createRetryDelayMs ?? 1_000, now });
    const evaluator = (this.#evaluator = new Evaluator({
      appId: options.appId,
      log,
      now,
      clients,
      policies,
      caches: this.#caches,
      locks,
      memory,
      publisher: this.#publisher,
      scheduler: this.#scheduler,
      queue: this.#queue,
      options,
    }));
    const maxOpenPulls = options.maxOpenPulls ?? 1_000;
    this.#reconciler = new Reconciler({ appId: options.appId, log, now, clients, policies, memory, evaluator, scheduler: this.#scheduler, queue: this.#queue, maxOpenPulls });
    this.#redelivery = new Redelivery({ log, now, clients, locks });
    this.#policyChanges = new PolicyChanges({ clients, policies, evaluator, scheduler: this.#scheduler, maxOpenPulls });
    this.#merges = new Merges({ log, now, clients, policies, evaluator, locks, hooks: options.mergeHooks ?? null });
    this.#catchUp = new MergeCatchUp({ log, now, clients, policies, merges: this.#merges, locks });
  }

  stop(): void {
    this.#stopped = true;
    this.#evaluator.stop();
    this.#reconciler.stop();
    this.#scheduler.stop();
    this.#queue.stop();
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Evaluates one pull request and publishes its checks (see Evaluator). */
  evaluatePull(request: EvaluateRequest): Promise<EvaluateOutcome> {
    return this.#evaluator.evaluatePull(request);
  }

  evaluateMergeGroup(client: Client, installationId: number, owner: string, repo: string, group: MergeGroup): Promise<EvaluateOutcome> {
    return this.#evaluator.evaluateMergeGroup(client, installationId, owner, repo, group);
  }

  /** Forgets a closed pull request. */
  forget(key: PullKey): void {
    this.#evaluator.forget(key);
  }

  /** Who pushed a head commit (a `synchronize` webhook's sender): their approval does not count. */
  rememberPusher(headRepo: string, sha: string, login: string): void {
    this.#caches.rememberPusher(headRepo, sha, login);
  }

  /** Whether a push touching `paths` can change a policy. */
  pushTouchesPolicy(owner: string, repo: string, paths: ReadonlySet<string>): boolean {
    return this.#policyChanges.touchesPolicy(owner, repo, paths);
  }

  /** A push that may have changed a policy: the open pull requests it can change are evaluated again; returns how many. */
  policyPushed(client: Client, installationId: number, owner: string, repo: string, branch: string, isDefaultBranch: boolean): Promise<number> {
    return this.#policyChanges.pushed(client, installationId, owner, repo, branch, isDefaultBranch);
  }

  /** A merged pull request: the merge hooks, with its decision as it merged. */
  recordMerge(client: Client, where: { installationId: number; owner: string; repo: string }, pull: MergedPullRequest["pull"], deliveryId: string | null): Promise<MergeOutcome> {
    return this.#merges.merged(client, where, pull, deliveryId);
  }

  /** Merged pull requests of the last days that the trail lacks are recorded (see MergeCatchUp). */
  catchUp(options: CatchUpOptions = {}): Promise<CatchUpCounts> {
    return this.#catchUp.run(options);
  }

  reconcile(): Promise<ReconcileCounts> {
    return this.#reconciler.reconcile();
  }

  reconcileInstallation(installationId: number): Promise<ReconcileCounts> {
    return this.#reconciler.reconcileInstallation(installationId);
  }

  redeliverFailed(options: RedeliveryOptions = {}): Promise<number> {
    return this.#redelivery.redeliverFailed(options);
  }

  /** Queues an evaluation (policy changes, issue events, reconciliation). */
  enqueue(request: Omit<EvaluateRequest, "client">, priority: number): void {
    this.#evaluator.enqueue(request, priority);
  }

  /** Installs conditional requests on a webhook's client once. */
  prepare(client: Client, installationId: number): Client {
    return this.#clients.prepare(client, installationId);
  }

  clientFor(installationId: number): Promise<Client> {
    return this.#clients.forInstallation(installationId);
  }

  /** The policy of a repository at a ref, through this process's policy cache. */
  policyAt(client: Client, target: { owner: string; repo: string; ref: string }, installationId: number): Promise<LoadedPolicy> {
    return this.#policies.load(client, target, { scope: String(installationId) });
  }

  /** The policies cached for a repository (its branches'). */
  cachedPolicies(owner: string, repo: string): LoadedPolicy[] {
    return this.#policies.cachedFor(owner, repo);
  }

  /** Forgets a repository's cached policies (their calendars read again). */
  forgetPolicies(owner: string, repo: string): void {
    this.#policies.forgetRepository(owner, repo);
  }

  /** Forgets every cached policy (they are read again). */
  forgetAllPolicies(): void {
    this.#policies.clear();
  }

  /** Runs `section` alone for `key` across replicas (the audit trail's one writer per trail). */
  exclusive<T>(key: string, section: () => Promise<T>): Promise<T> {
    return this.#locks.run(key, section);
  }

  /** The next boundary kept for a pull request, if any. */
  boundaryOf(key: PullKey): Boundary | undefined {
    return this.#scheduler.get(key);
  }

  /** What /healthz shows. */
  health(): ServiceHealth {
    const evaluator = this.#evaluator.stats;
    const reconciler = this.#reconciler.stats;
    return {
      scheduled: this.#scheduler.size,
      queued: this.#queue.pending,
      running: this.#queue.running,
      evaluations: evaluator.evaluations,
      writes: this.#publisher.writes,
      failures: evaluator.failures,
      reconciled: reconciler.reconciled,
      redelivered: this.#redelivery.stats.redelivered,
      lastReconcileAt: reconciler.lastReconcileAt,
      lastReconcileError: reconciler.lastReconcileError,
    };
  }

  /** Resolves when no queued work is left (tests and the benchmark). */
  idle(): Promise<void> {
    return this.#queue.idle();
  }
}

export interface ServiceHealth {
  scheduled: number;
  queued: number;
  running: number;
  evaluations: number;
  writes: number;
  failures: number;
  reconciled: number;
  redelivered: number;
  lastReconcileAt: number;
  lastReconcileError: string | null;
}

export type { GitHubClient };
