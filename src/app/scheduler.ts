/**
 * Time: a pull request's decision changes at instants no webhook announces (a window opens,
 * a freeze begins, traffic turns to peak). The Scheduler keeps, per open pull request, the
 * next such instant that its last evaluation found (the engine's `nextChange`), and hands
 * the pull request to the WorkQueue when it is due:
 *
 * - an opening (a window opens, a freeze ends) at the instant itself: never early;
 * - a change of what the checks say but not of what they block (the risk score moves within
 *   what the gates require) at the instant, too;
 * - a closing ahead of it, so that it is blocked by the instant: a revocation (a pull
 *   request that could merge now and will be blocked then) by `closingLeadMs` of every
 *   revocation at that same instant, so that the last of them has flipped before the
 *   boundary; any other closing (the pull request is blocked anyway) by the lead alone. The
 *   evaluation is then made as of the boundary (blocked a little early, never late);
 * - an instant whose direction is not known (read back from a check run's external_id
 *   after a restart) as a closing: the evaluation finds out, and a loosening waits for its
 *   instant.
 *
 * Only revocations count towards a lead, so the lead grows with what changes at the
 * boundary, not with the open pull requests: one more pull request that is blocked anyway,
 * or whose boundary only rewrites a summary, moves nobody's turn. The work is a heap of
 * timers: a boundary far away costs nothing until it is near.
 *
 * Nothing here outlives the process, and nothing needs to: on start the App reads each open
 * pull request's recorded next change back from its check runs.
 */
export interface PullKey {
  installationId: number;
  owner: string;
  repo: string;
  number: number;
}

export function pullId(key: PullKey): string {
  return `${key.installationId}/${key.owner}/${key.repo}#${key.number}`.toLowerCase();
}

/**
 * "closes": something passing now is blocked at the instant; "opens": something blocked now
 * passes then; "changes": only what the checks say changes; "unknown": not known (a closing
 * until evaluated); "retry": a failed evaluation is tried again.
 */
export type BoundaryKind = "opens" | "closes" | "changes" | "unknown" | "retry";

export interface Boundary {
  pull: PullKey;
  /** The instant the decision changes (for "retry": when to try again). */
  at: number;
  kind: BoundaryKind;
  /** Every check passes now: a closing of this pull request is the one that prevents a merge in breach. */
  mergeable: boolean;
  headSha: string | null;
}

export interface SchedulerOptions {
  /** How long before a closing to start flipping. */
  leadMs?: number;
  /** Time one flip takes at GitHub's write pace (the App: the write pace's sustained interval, server.ts). */
  perFlipMs?: number;
  now?: () => number;
  /** Called with each due boundary, most urgent first. */
  onDue: (boundary: Boundary) => void;
}

/**
 * How long before a closing instant its flips start: the lead, plus the write time of every
 * revocation at that instant (pull requests that pass now and are blocked then), one after
 * another at GitHub's write pace, so that the last has flipped by the instant.
 */
export function closingLeadMs(revocations: number, pace: { leadMs: number; perFlipMs: number }): number {
  return pace.leadMs + revocations * pace.perFlipMs;
}

/** A closing that revokes a pass: what the lead is budgeted for. */
export function revokes(boundary: Pick<Boundary, "kind" | "mergeable">): boolean {
  return isClosing(boundary.kind) && boundary.mergeable;
}

/** Flipped ahead of its instant, decided as of it. */
export function isClosing(kind: BoundaryKind): boolean {
  return kind === "closes" || kind === "unknown";
}

const MAX_TIMEOUT = 2_147_483_647;
const BUCKET_MS = 60_000;

interface Entry extends Boundary {
  runAt: number;
  version: number;
}

interface Timer {
  runAt: number;
  id: string;
  version: number;
}

export class Scheduler {
  readonly #entries = new Map<string, Entry>();
  /** Timers, soonest first; a replaced entry's timer stays until it surfaces or the heap is compacted. */
  #heap = new MinHeap<Timer>(byRunAt);
  /** Closing instants (by minute) -> the pull requests whose pass is revoked then. */
  readonly #revocations = new Map<number, Set<string>>();
  readonly #pace: { leadMs: number; perFlipMs: number };
  readonly #now: () => number;
  readonly #onDue: (boundary: Boundary) => void;
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Infinity;
  #version = 0;
  #stopped = false;

  constructor(options: SchedulerOptions) {
    this.#pace = { leadMs: options.leadMs ?? 60_000, perFlipMs: options.perFlipMs ?? 1_500 };
    this.#now = options.now ?? Date.now;
    this.#onDue = options.onDue;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: PullKey): Boundary | undefined {
    const entry = this.#entries.get(pullId(key));
    return entry === undefined ? undefined : boundaryOf(entry);
  }

  /** When the pull request is handed over (for tests and /healthz). */
  dueAt(key: PullKey): number | undefined {
    return this.#entries.get(pullId(key))?.runAt;
  }

  /** Replaces the pull request's next boundary (null: it has none). */
  set(key: PullKey, boundary: Omit<Boundary, "pull"> | null): void {
    const id = pullId(key);
    this.#remove(id);
    if (boundary === null || this.#stopped) {
      this.#arm();
      return;
    }
    let runAt = boundary.at;
    if (revokes(boundary)) {
      const bucket = Math.floor(boundary.at / BUCKET_MS);
      const ids = this.#revocations.get(bucket) ?? new Set<string>();
      ids.add(id);
      this.#revocations.set(bucket, ids);
      runAt = boundary.at - closingLeadMs(ids.size, this.#pace);
    } else if (isClosing(boundary.kind)) {
      runAt = boundary.at - closingLeadMs(0, this.#pace);
    }
    const entry: Entry = { pull: key, at: boundary.at, kind: boundary.kind, mergeable: boundary.mergeable, headSha: boundary.headSha, runAt, version: ++this.#version };
    this.#entries.set(id, entry);
    this.#heap.push({ runAt, id, version: entry.version });
    this.#compact();
    this.#arm();
  }

  delete(key: PullKey): void {
    this.#remove(pullId(key));
    this.#arm();
  }

  /** Every boundary, soonest first (for /healthz and tests). */
  list(): Boundary[] {
    return [...this.#entries.values()].sort((a, b) => a.runAt - b.runAt).map(boundaryOf);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#entries.clear();
    this.#revocations.clear();
    this.#heap = new MinHeap<Timer>(byRunAt);
  }

  /** Hands over what is due now (the timer calls it; tests may too). */
  fire(): void {
    const now = this.#now();
    const due = new Set<Entry>();
    while (this.#heap.size > 0) {
      const top = this.#heap.peek()!;
      const entry = this.#entries.get(top.id);
      if (entry === undefined || entry.version !== top.version) {
        this.#heap.pop();
        continue;
      }
      if (top.runAt > now) break;
      this.#heap.pop();
      due.add(entry);
      // A revocation starts its whole batch: every pass revoked at that instant.
      if (revokes(entry)) {
        for (const id of this.#revocations.get(Math.floor(entry.at / BUCKET_MS)) ?? []) {
          const other = this.#entries.get(id);
          if (other !== undefined) due.add(other);
        }
      }
    }
    for (const entry of due) this.#remove(pullId(entry.pull));
    this.#arm();
    const ordered = [...due].sort((a, b) => urgency(a) - urgency(b) || a.at - b.at || a.version - b.version);
    for (const entry of ordered) this.#onDue(boundaryOf(entry));
  }

  #remove(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#entries.delete(id);
    const bucket = Math.floor(entry.at / BUCKET_MS);
    const ids = this.#revocations.get(bucket);
    if (ids !== undefined) {
      ids.delete(id);
      if (ids.size === 0) this.#revocations.delete(bucket);
    }
  }

  /** Replaced entries leave their timers behind: rebuilt when they outnumber the live ones, so memory follows the open pull requests, not the events. */
  #compact(): void {
    if (this.#heap.size <= 2 * this.#entries.size + 1_024) return;
    const heap = new MinHeap<Timer>(byRunAt);
    for (const [id, entry] of this.#entries) heap.push({ runAt: entry.runAt, id, version: entry.version });
    this.#heap = heap;
  }

  #arm(): void {
    if (this.#stopped) return;
    while (this.#heap.size > 0) {
      const top = this.#heap.peek()!;
      const entry = this.#entries.get(top.id);
      if (entry !== undefined && entry.version === top.version) break;
      this.#heap.pop();
    }
    const next = this.#heap.peek()?.runAt ?? Infinity;
    if (next === this.#timerAt && this.#timer !== null) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = next;
    if (next === Infinity) return;
    const delay = Math.min(MAX_TIMEOUT, Math.max(0, next - this.#now()));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Infinity;
      this.fire();
    }, delay);
    this.#timer.unref();
  }
}

function byRunAt(a: Timer, b: Timer): number {
  return a.runAt - b.runAt;
}

function boundaryOf(entry: Entry): Boundary {
  return { pull: entry.pull, at: entry.at, kind: entry.kind, mergeable: entry.mergeable, headSha: entry.headSha };
}

/** Lower first: what a late flip costs most. */
export function urgency(boundary: Pick<Boundary, "kind" | "mergeable">): number {
  switch (boundary.kind) {
    case "closes":
    case "unknown":
      return boundary.mergeable ? PRIORITY.closingMergeable : PRIORITY.closing;
    case "opens":
      return boundary.mergeable ? PRIORITY.openingReady : PRIORITY.opening;
    case "changes":
      return PRIORITY.opening;
    case "retry":
      return PRIORITY.retry;
  }
}

/**
 * The order work is done in when GitHub's write limit is the bottleneck. A pull request
 * that could merge now and is about to enter a freeze comes first (a late flip lets a
 * merge through in breach); then work a person is waiting for.
 */
export const PRIORITY = {
  closingMergeable: 0,
  webhook: 1,
  openingReady: 2,
  policyChange: 3,
  closing: 4,
  opening: 5,
  retry: 6,
  reconcile: 7,
} as const;

export interface Job {
  /** Jobs with one id are one job: pushing it again keeps the more urgent priority and the newest work. */
  id: string;
  priority: number;
  run: () => Promise<void>;
}

/** A priority queue of jobs run `concurrency` at a time, most urgent first, first come first within a priority. */
export class WorkQueue {
  readonly #queued = new Map<string, Job & { seq: number }>();
  /** The queued jobs in order (priority, then arrival): a job pushed again leaves its old place behind, skipped when it surfaces. */
  readonly #order = new MinHeap<{ priority: number; seq: number; id: string; job: Job & { seq: number } }>((a, b) => a.priority - b.priority || a.seq - b.seq);
  readonly #running = new Set<string>();
  /** A job pushed while one of its id runs waits for it. */
  readonly #again = new Map<string, Job & { seq: number }>();
  readonly #concurrency: number;
  readonly #onError: (error: unknown, job: Job) => void;
  readonly #idle: (() => void)[] = [];
  #seq = 0;
  #stopped = false;
  completed = 0;

  constructor(options: { concurrency?: number; onError?: (error: unknown, job: Job) => void } = {}) {
    this.#concurrency = options.concurrency ?? 4;
    this.#onError = options.onError ?? (() => undefined);
  }

  get pending(): number {
    return this.#queued.size + this.#again.size;
  }

  get running(): number {
    return this.#running.size;
  }

  push(job: Job): void {
    if (this.#stopped) return;
    if (this.#running.has(job.id)) {
      const existing = this.#again.get(job.id);
      this.#again.set(job.id, { ...job, priority: Math.min(job.priority, existing?.priority ?? Infinity), seq: existing?.seq ?? ++this.#seq });
    } else {
      this.#enqueue(job, this.#queued.get(job.id));
    }
    this.#pump();
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.pending === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  stop(): void {
    this.#stopped = true;
    this.#queued.clear();
    this.#again.clear();
    while (this.#order.size > 0) this.#order.pop();
  }

  #enqueue(job: Job & { seq?: number }, existing: (Job & { seq: number }) | undefined): void {
    const queued = { ...job, priority: Math.min(job.priority, existing?.priority ?? Infinity), seq: existing?.seq ?? job.seq ?? ++this.#seq };
    this.#queued.set(job.id, queued);
    this.#order.push({ priority: queued.priority, seq: queued.seq, id: job.id, job: queued });
  }

  #pump(): void {
    while (this.#running.size < this.#concurrency && this.#order.size > 0) {
      const { id, job } = this.#order.pop()!;
      if (this.#queued.get(id) !== job) continue;
      this.#queued.delete(id);
      this.#start(job);
    }
    if (this.pending === 0 && this.running === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  #start(job: Job): void {
    this.#running.add(job.id);
    void job
      .run()
      .catch((error: unknown) => this.#onError(error, job))
      .finally(() => {
        this.#running.delete(job.id);
        this.completed++;
        const again = this.#again.get(job.id);
        if (again !== undefined) {
          this.#again.delete(job.id);
          if (!this.#stopped) this.#enqueue(again, undefined);
        }
        this.#pump();
      });
  }
}

class MinHeap<T> {
  readonly #items: T[] = [];
  constructor(readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.compare(items[index]!, items[parent]!) >= 0) break;
      [items[index], items[parent]] = [items[parent]!, items[index]!];
      index = parent;
    }
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < items.length && this.compare(items[left]!, items[smallest]!) < 0) smallest = left;
        if (right < items.length && this.compare(items[right]!, items[smallest]!) < 0) smallest = right;
        if (smallest === index) break;
        [items[index], items[smallest]] = [items[smallest]!, items[index]!];
        index = smallest;
      }
    }
    return top;
  }
}
