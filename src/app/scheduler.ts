/**
 * Time: a pull request's decision changes at instants no webhook announces (a window opens,
 * a freeze begins, traffic turns to peak). The Scheduler keeps, per open pull request, the
 * next such instant that its last evaluation found (the engine's `nextChange`), and hands
 * the pull request to the WorkQueue when it is due:
 *
 * - an opening (a window opens, a freeze ends) at the instant itself: never early;
 * - a closing (a window closes, a freeze begins) ahead of it, by `leadMs` plus the time the
 *   writes of every closing at that same instant take at GitHub's write pace, so that the
 *   last of them has flipped before the boundary; the evaluation is then made as of the
 *   boundary (a pull request turns blocked a little early, never late);
 * - an instant whose direction is not known (read back from a check run's external_id
 *   after a restart) as a closing: the evaluation finds out, and a loosening waits for its
 *   instant.
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

export type BoundaryKind = "opens" | "closes" | "unknown" | "retry";

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

const MAX_TIMEOUT = 2_147_483_647;
const BUCKET_MS = 60_000;

interface Entry extends Boundary {
  runAt: number;
  version: number;
}

export class Scheduler {
  readonly #entries = new Map<string, Entry>();
  readonly #heap = new MinHeap<{ runAt: number; id: string; version: number }>((a, b) => a.runAt - b.runAt);
  /** Closing instants (by minute) -> the pull requests that close then. */
  readonly #closings = new Map<number, Set<string>>();
  readonly #leadMs: number;
  readonly #perFlipMs: number;
  readonly #now: () => number;
  readonly #onDue: (boundary: Boundary) => void;
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Infinity;
  #version = 0;
  #stopped = false;

  constructor(options: SchedulerOptions) {
    this.#leadMs = options.leadMs ?? 60_000;
    this.#perFlipMs = options.perFlipMs ?? 1_500;
    this.#now = options.now ?? Date.now;
    this.#onDue = options.onDue;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: PullKey): Boundary | undefined {
    return this.#entries.get(pullId(key));
  }

  /** Replaces the pull request's next boundary (null: it has none). */
  set(key: PullKey, boundary: Omit<Boundary, "pull"> | null): void {
    const id = pullId(key);
    this.#remove(id);
    if (boundary === null || this.#stopped) return;
    const closing = boundary.kind === "closes" || boundary.kind === "unknown";
    let runAt = boundary.at;
    if (closing) {
      const bucket = Math.floor(boundary.at / BUCKET_MS);
      const ids = this.#closings.get(bucket) ?? new Set<string>();
      ids.add(id);
      this.#closings.set(bucket, ids);
      runAt = boundary.at - this.#leadMs - ids.size * this.#perFlipMs;
    }
    const entry: Entry = { ...boundary, pull: key, runAt, version: ++this.#version };
    this.#entries.set(id, entry);
    this.#heap.push({ runAt, id, version: entry.version });
    this.#arm();
  }

  delete(key: PullKey): void {
    this.#remove(pullId(key));
    this.#arm();
  }

  /** Every boundary, soonest first (for /healthz and tests). */
  list(): Boundary[] {
    return [...this.#entries.values()].sort((a, b) => a.runAt - b.runAt).map(({ runAt: _runAt, version: _version, ...boundary }) => boundary);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#entries.clear();
    this.#closings.clear();
  }

  /** Hands over what is due now (the timer calls it; tests may too). */
  fire(): void {
    const now = this.#now();
    const due: Entry[] = [];
    while (this.#heap.size > 0) {
      const top = this.#heap.peek()!;
      const entry = this.#entries.get(top.id);
      if (entry === undefined || entry.version !== top.version) {
        this.#heap.pop();
        continue;
      }
      if (top.runAt > now) break;
      this.#heap.pop();
      due.push(entry);
      // A closing starts its whole batch: every pull request that closes at that instant.
      if (entry.kind === "closes" || entry.kind === "unknown") {
        for (const id of this.#closings.get(Math.floor(entry.at / BUCKET_MS)) ?? []) {
          const other = this.#entries.get(id);
          if (other !== undefined && other !== entry && !due.includes(other)) due.push(other);
        }
      }
    }
    for (const entry of due) this.#remove(pullId(entry.pull));
    this.#arm();
    due.sort((a, b) => urgency(a) - urgency(b) || a.at - b.at || a.version - b.version);
    for (const { runAt: _runAt, version: _version, ...boundary } of due) this.#onDue(boundary);
  }

  #remove(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#entries.delete(id);
    const bucket = Math.floor(entry.at / BUCKET_MS);
    const ids = this.#closings.get(bucket);
    if (ids !== undefined) {
      ids.delete(id);
      if (ids.size === 0) this.#closings.delete(bucket);
    }
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

/** Lower first: what a late flip costs most. */
export function urgency(boundary: Pick<Boundary, "kind" | "mergeable">): number {
  switch (boundary.kind) {
    case "closes":
    case "unknown":
      return boundary.mergeable ? PRIORITY.closingMergeable : PRIORITY.closing;
    case "opens":
      return boundary.mergeable ? PRIORITY.openingReady : PRIORITY.opening;
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
    const target = this.#running.has(job.id) ? this.#again : this.#queued;
    const existing = target.get(job.id);
    const priority = Math.min(job.priority, existing?.priority ?? Infinity);
    target.set(job.id, { ...job, priority, seq: existing?.seq ?? ++this.#seq });
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
  }

  #pump(): void {
    while (this.#running.size < this.#concurrency && this.#queued.size > 0) {
      let next: (Job & { seq: number }) | null = null;
      for (const job of this.#queued.values()) {
        if (next === null || job.priority < next.priority || (job.priority === next.priority && job.seq < next.seq)) next = job;
      }
      this.#queued.delete(next!.id);
      this.#start(next!);
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
          if (!this.#stopped) this.#queued.set(job.id, again);
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
