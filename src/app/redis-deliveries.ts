import type { EventEmitter } from "node:events";
import { Job, Queue, QueueEvents, Worker } from "bullmq";
import { DEFAULT_RETRY, retryDelay, type DeliveryJob, type DeliveryQueue, type DeliveryRunner, type DeliveryState, type DeliveryStats, type RetryPolicy } from "./deliveries.js";
import { DeliveryFailed, describeFailure } from "./errors.js";
import type { Client, Logger } from "./service.js";

/**
 * The durable queue in Redis (REDIS_URL), through BullMQ: a delivery is a job whose id is
 * the delivery id (BullMQ adds no second job for a known id), run by a worker on any
 * replica, retried with backoff; a worker that dies leaves its job locked until the lock
 * runs out, when another replica's worker (or the restarted App's) takes it over. Finished
 * jobs are kept three days (a redelivery finds them), given-up ones thirty.
 */
const QUEUE = "deliveries";
/** Jobs one replica runs at once: more than one installation's burst fills (see the worker). */
export const DELIVERIES_AT_ONCE = 256;
const PREFIX = "changegate";

interface Stored {
  name: string;
  installationId: number | null;
  payload: unknown;
}

interface Finished {
  failure: string | null;
}

export interface RedisDeliveriesOptions {
  url: string;
  run: DeliveryRunner;
  client: (installationId: number) => Promise<Client>;
  log: Logger;
  retry?: RetryPolicy;
  /** How long a worker holds a job without renewing (a dead worker's job is taken over after it). */
  lockMs?: number;
  concurrency?: number;
}

export class RedisDeliveries implements DeliveryQueue {
  readonly #counts = { accepted: 0, duplicates: 0, finished: 0, retried: 0, gaveUp: 0 };
  #pending = 0;
  /** Per-job events (`completed:<id>`) are emitted, but not in BullMQ's typed listener map. */
  readonly #perJob: EventEmitter;

  private constructor(
    private readonly queue: Queue<Stored, Finished>,
    private readonly events: QueueEvents,
    private readonly worker: Worker<Stored, Finished>,
    private readonly retry: RetryPolicy,
  ) {
    this.#perJob = events as unknown as EventEmitter;
  }

  static async start(options: RedisDeliveriesOptions): Promise<RedisDeliveries> {
    // BullMQ's blocking connections must retry without limit.
    const connection = { url: options.url, maxRetriesPerRequest: null };
    const retry = options.retry ?? DEFAULT_RETRY;
    const queue = new Queue<Stored, Finished>(QUEUE, { connection, prefix: PREFIX });
    const events = new QueueEvents(QUEUE, { connection, prefix: PREFIX });
    const lockMs = options.lockMs ?? 30_000;
    const worker = new Worker<Stored, Finished>(
      QUEUE,
      async (job) => {
        const { name, installationId, payload } = job.data;
        if (installationId === null) throw new Error(`delivery ${job.id} (${name}) has no installation to act as`);
        const octokit = await options.client(installationId);
        try {
          await options.run({ id: job.id!, name, payload, octokit });
          return { failure: null };
        } catch (error) {
          if (error instanceof DeliveryFailed) return { failure: error.message };
          // What BullMQ keeps of a failure is its message: the one line that says why.
          throw new Error(describeFailure(error), { cause: error });
        }
      },
      {
        connection,
        prefix: PREFIX,
        // A job spends most of its run waiting: for GitHub, and in a burst for its installation's
        // write window (up to a minute). With 8 slots, one installation's 40 openings held them
        // all, and another installation's deliveries waited behind (median 7.2 s against 1.3 s).
        // A waiting job costs a promise and a lock renewal, as the in-process queue's do (no limit).
        concurrency: options.concurrency ?? DELIVERIES_AT_ONCE,
        lockDuration: lockMs,
        stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
        // A job whose worker died is taken over, however often that happens.
        maxStalledCount: 100,
        settings: { backoffStrategy: (attemptsMade: number) => retryDelay(retry, attemptsMade) },
      },
    );
    const started = new RedisDeliveries(queue, events, worker, retry);
    worker.on("failed", (job, error) => {
      if (job === undefined) return;
      const last = job.attemptsMade >= retry.maxAttempts;
      if (last) started.#counts.gaveUp++;
      else started.#counts.retried++;
      const where = { err: error, delivery: job.id, event: job.data.name, attempts: job.attemptsMade };
      if (last) options.log.error(where, `changegate: gave up on delivery ${job.id} (${job.data.name}) after ${job.attemptsMade} attempts`);
      else options.log.warn(where, `changegate: delivery ${job.id} (${job.data.name}) failed; retrying`);
    });
    worker.on("completed", () => started.#counts.finished++);
    worker.on("error", (error) => options.log.warn({ err: error }, "changegate: delivery queue error"));
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), worker.waitUntilReady()]);
    return started;
  }

  get stats(): DeliveryStats {
    return { ...this.#counts, pending: this.#pending };
  }

  async accept(delivery: DeliveryJob, _live: Client | null, waitMs: number): Promise<DeliveryState> {
    this.#pending++;
    try {
      return await this.#accept(delivery, waitMs);
    } finally {
      this.#pending--;
    }
  }

  async #accept(delivery: DeliveryJob, waitMs: number): Promise<DeliveryState> {
    const id = delivery.id;
    // Listen first, then look: an attempt that ends in between is not missed.
    let settle: (state: DeliveryState) => void = () => undefined;
    const ended = new Promise<DeliveryState>((resolve) => (settle = resolve));
    const onCompleted = ({ returnvalue }: { returnvalue: unknown }) => settle({ status: "finished", failure: (returnvalue as Finished | null)?.failure ?? null });
    const onFailed = ({ failedReason }: { failedReason: string }) => settle({ status: "gave-up", attempts: this.retry.maxAttempts, reason: failedReason });
    const onDelayed = () => void this.#retrying(id).then(settle);
    this.#perJob.on(`completed:${id}`, onCompleted);
    this.#perJob.on(`failed:${id}`, onFailed);
    this.#perJob.on(`delayed:${id}`, onDelayed);
    const timer = setTimeout(() => settle({ status: "running" }), waitMs);
    try {
      const known = await this.queue.getJob(id);
      if (known === undefined) {
        // Counted here even when another replica added it a moment before (BullMQ then adds nothing).
        this.#counts.accepted++;
        await this.queue.add(delivery.name, { name: delivery.name, installationId: delivery.installationId, payload: delivery.payload }, {
          jobId: id,
          attempts: this.retry.maxAttempts,
          backoff: { type: "custom" },
          removeOnComplete: { age: 3 * 86_400 },
          removeOnFail: { age: 30 * 86_400 },
        });
      } else {
        this.#counts.duplicates++;
        const state = await known.getState();
        if (state === "completed") settle({ status: "finished", failure: (known.returnvalue as Finished | null)?.failure ?? null });
        // Asked again: a waiting retry runs now, a job given up starts over.
        else if (state === "delayed") await known.promote().catch(() => undefined);
        else if (state === "failed") await known.retry("failed").catch(() => undefined);
      }
      return await ended;
    } finally {
      clearTimeout(timer);
      this.#perJob.off(`completed:${id}`, onCompleted);
      this.#perJob.off(`failed:${id}`, onFailed);
      this.#perJob.off(`delayed:${id}`, onDelayed);
    }
  }

  async #retrying(id: string): Promise<DeliveryState> {
    const job = await Job.fromId<Stored, Finished>(this.queue, id);
    return { status: "retrying", attempts: job?.attemptsMade ?? 1, reason: job?.failedReason ?? "failed" };
  }

  /** Resolves when no webhook waits and no job is waiting, running or delayed. */
  async idle(): Promise<void> {
    for (;;) {
      const counts = await this.queue.getJobCounts("waiting", "active", "delayed", "prioritized");
      const busy = Object.values(counts).reduce((sum, count) => sum + count, 0);
      if (busy === 0 && this.#pending === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    // Running jobs get a while to finish; past it they are left locked, and taken over when the lock runs out.
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), 10_000)));
    const closed = await Promise.race([this.worker.close().then(() => "closed" as const), patience]).catch(() => "closed" as const);
    clearTimeout(timer);
    if (closed === "late") await this.worker.close(true).catch(() => undefined);
    await Promise.all([this.events.close().catch(() => undefined), this.queue.close().catch(() => undefined)]);
  }
}
