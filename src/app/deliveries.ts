import { LruCache } from "./cache.js";
import { DeliveryFailed, describeFailure } from "./errors.js";
import type { Client, Logger } from "./service.js";

/**
 * Durable work: every webhook delivery the App accepts becomes one job, keyed by its
 * delivery id (a redelivery has the same id, so it is never a second job), that is finished
 * or retried with backoff until it is, whatever the webhook's answer said. Probot answers
 * GitHub after 9 s even while a handler still runs, and GitHub never redelivers what it saw
 * succeed; so the handler answers 200 only once the job has finished, and otherwise fails
 * the delivery (500) while the job goes on: the failure shows in the App's settings, and a
 * redelivery of it joins the same job (or, once finished, does nothing).
 *
 * Two implementations: this file's, in process (a job lives as long as the process: one
 * that dies with work in flight loses it, and only the failed delivery, asked for again by
 * the redelivery loop, and the merge catch-up bring it back), and redis-deliveries.ts, with
 * REDIS_URL, in Redis through BullMQ, where another replica (or the restarted App) takes
 * over a job whose worker died.
 */
export interface DeliveryJob {
  /** GitHub's delivery id (X-GitHub-Delivery). */
  id: string;
  /** The event name (`pull_request`). */
  name: string;
  installationId: number | null;
  payload: unknown;
}

/** What a job's work is handed: the delivery as a Probot context has it. */
export interface DeliveryWork {
  id: string;
  name: string;
  payload: unknown;
  octokit: Client;
}

/**
 * Runs a delivery's work. Throwing retries the job; a DeliveryFailed is work done whose
 * failure belongs elsewhere (an evaluation that failed closed and is retried by the
 * Evaluator): the job is finished and the delivery still answered as failed.
 */
export type DeliveryRunner = (work: DeliveryWork) => Promise<void>;

/** How the wait for a job ended, as the webhook's answer needs it. */
export type DeliveryState =
  | { status: "finished"; failure: string | null }
  | { status: "retrying"; attempts: number; reason: string }
  | { status: "running" }
  | { status: "gave-up"; attempts: number; reason: string };

export interface DeliveryQueue {
  /** Takes a delivery (once per id; a known id asks its waiting retry to run now) and waits at most `waitMs` for its current attempt. */
  accept(job: DeliveryJob, live: Client | null, waitMs: number): Promise<DeliveryState>;
  /** Resolves when no job is queued, running or waiting for a retry (tests). */
  idle(): Promise<void>;
  readonly stats: DeliveryStats;
  stop(): Promise<void>;
}

export interface DeliveryStats {
  accepted: number;
  duplicates: number;
  finished: number;
  retried: number;
  gaveUp: number;
  pending: number;
}

export interface RetryPolicy {
  /** Waits before attempt 2, 3, …: the last one repeats. */
  delaysMs: readonly number[];
  /** Attempts in all before the job is given up (logged as an error; the catch-up still records a merge). */
  maxAttempts: number;
}

/** About 25 attempts over some five hours: GitHub incidents rarely last longer, and a job that cannot succeed stops costing requests. */
export const DEFAULT_RETRY: RetryPolicy = { delaysMs: [5_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000], maxAttempts: 25 };

export function retryDelay(policy: RetryPolicy, attemptsMade: number): number {
  return policy.delaysMs[Math.min(attemptsMade, policy.delaysMs.length) - 1] ?? policy.delaysMs[policy.delaysMs.length - 1] ?? 60_000;
}

/**
 * The webhook's answer from a job's state: return (200) only when the work is finished;
 * otherwise throw DeliveryFailed (500), which says what goes on.
 */
export function answerFor(job: Pick<DeliveryJob, "id" | "name" | "payload">, state: DeliveryState): void {
  const action = (job.payload as { action?: unknown } | null)?.action;
  const what = `${job.name}${typeof action === "string" ? `.${action}` : ""} ${job.id}`;
  switch (state.status) {
    case "finished":
      if (state.failure !== null) throw new DeliveryFailed(state.failure);
      return;
    case "retrying":
      throw new DeliveryFailed(`changegate could not handle ${what} (attempt ${state.attempts}): ${state.reason}; it retries on its own`);
    case "running":
      throw new DeliveryFailed(`changegate is still working on ${what}; it finishes on its own`);
    case "gave-up":
      throw new DeliveryFailed(`changegate gave up on ${what} after ${state.attempts} attempts: ${state.reason}`);
  }
}

interface Entry {
  job: DeliveryJob;
  live: Client | null;
  state: "running" | "waiting" | "finished" | "gave-up";
  attempts: number;
  failure: string | null;
  reason: string;
  timer: NodeJS.Timeout | null;
  /** Settles when the current attempt ends. */
  attempt: Promise<void>;
}

/** The in-process queue: jobs in a map, retries on timers; finished ids kept (for three days, 20,000 at most) so that a redelivery does nothing. */
export class InProcessDeliveries implements DeliveryQueue {
  readonly #active = new Map<string, Entry>();
  readonly #finished = new LruCache<string, { failure: string | null }>(20_000, 3 * 86_400_000);
  readonly #idle: (() => void)[] = [];
  readonly #stats = { accepted: 0, duplicates: 0, finished: 0, retried: 0, gaveUp: 0 };
  #stopped = false;

  constructor(
    private readonly parts: {
      run: DeliveryRunner;
      /** A client for a job whose webhook client is gone. */
      client: (installationId: number) => Promise<Client>;
      log: Logger;
      retry?: RetryPolicy;
    },
  ) {}

  get stats(): DeliveryStats {
    return { ...this.#stats, pending: this.#active.size };
  }

  async accept(job: DeliveryJob, live: Client | null, waitMs: number): Promise<DeliveryState> {
    const done = this.#finished.get(job.id);
    if (done !== undefined) {
      this.#stats.duplicates++;
      return { status: "finished", failure: done.failure };
    }
    let entry = this.#active.get(job.id);
    if (entry === undefined) {
      this.#stats.accepted++;
      entry = { job, live, state: "waiting", attempts: 0, failure: null, reason: "", timer: null, attempt: Promise.resolve() };
      this.#active.set(job.id, entry);
      this.#start(entry);
    } else {
      this.#stats.duplicates++;
      // Asked again: a waiting retry (or a job given up) runs now.
      if (entry.state === "waiting" || entry.state === "gave-up") {
        if (entry.state === "gave-up") entry.attempts = 0;
        this.#start(entry);
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), waitMs)));
    const ended = await Promise.race([entry.attempt.then(() => "ended" as const), timeout]);
    clearTimeout(timer);
    if (ended === "timeout") return { status: "running" };
    return this.#stateOf(entry);
  }

  idle(): Promise<void> {
    if (this.#active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const entry of this.#active.values()) if (entry.timer !== null) clearTimeout(entry.timer);
  }

  #stateOf(entry: Entry): DeliveryState {
    switch (entry.state) {
      case "finished":
        return { status: "finished", failure: entry.failure };
      case "gave-up":
        return { status: "gave-up", attempts: entry.attempts, reason: entry.reason };
      case "waiting":
        return { status: "retrying", attempts: entry.attempts, reason: entry.reason };
      case "running":
        return { status: "running" };
    }
  }

  #start(entry: Entry): void {
    if (entry.timer !== null) clearTimeout(entry.timer);
    entry.timer = null;
    entry.state = "running";
    entry.attempts++;
    entry.attempt = this.#attempt(entry);
  }

  async #attempt(entry: Entry): Promise<void> {
    const { job } = entry;
    try {
      const octokit = entry.live ?? (await this.#clientFor(job));
      try {
        await this.parts.run({ id: job.id, name: job.name, payload: job.payload, octokit });
      } catch (error) {
        if (!(error instanceof DeliveryFailed)) throw error;
        entry.failure = error.message;
      }
      entry.state = "finished";
      this.#stats.finished++;
      this.#finished.set(job.id, { failure: entry.failure });
      this.#active.delete(job.id);
      this.#settle();
    } catch (error) {
      entry.reason = describeFailure(error);
      // A retry makes a new client: the webhook's may be what failed (an expired token).
      entry.live = null;
      const policy = this.parts.retry ?? DEFAULT_RETRY;
      if (this.#stopped) {
        this.parts.log.warn({ err: error, delivery: job.id, event: job.name }, `changegate: stopped with delivery ${job.id} (${job.name}) unfinished`);
        return;
      }
      if (entry.attempts >= policy.maxAttempts) {
        entry.state = "gave-up";
        this.#stats.gaveUp++;
        this.parts.log.error({ err: error, delivery: job.id, event: job.name, attempts: entry.attempts }, `changegate: gave up on delivery ${job.id} (${job.name}) after ${entry.attempts} attempts`);
        this.#settle();
        return;
      }
      entry.state = "waiting";
      this.#stats.retried++;
      const delay = retryDelay(policy, entry.attempts);
      this.parts.log.warn({ err: error, delivery: job.id, event: job.name, attempts: entry.attempts, retryInMs: delay }, `changegate: delivery ${job.id} (${job.name}) failed; retrying in ${Math.round(delay / 1000)}s`);
      entry.timer = setTimeout(() => this.#start(entry), delay);
      entry.timer.unref();
    }
  }

  async #clientFor(job: DeliveryJob): Promise<Client> {
    if (job.installationId === null) throw new Error(`delivery ${job.id} (${job.name}) has no installation to act as`);
    return this.parts.client(job.installationId);
  }

  #settle(): void {
    const busy = [...this.#active.values()].some((entry) => entry.state !== "gave-up");
    if (!busy) for (const resolve of this.#idle.splice(0)) resolve();
  }
}
