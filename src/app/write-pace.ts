import { OwnWriteWindow } from "./own-write-window.js";
import type { WriteUrgency } from "./write-urgency.js";
import type { Place, Room, WindowLimits, WriteWindow } from "./write-window.js";

/**
 * Each installation's writes through one queue of its own, most urgent first, paced within
 * GitHub's documented secondary limit instead of Probot's fixed one write a second.
 *
 * What GitHub documents (paraphrased): "Rate limits for the REST API", secondary rate
 * limits (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api):
 * in general at most 80 content-generating requests a minute and 500 an hour, some
 * endpoints lower; "Best practices for using the REST API"
 * (https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api): requests
 * serially rather than concurrently; a second between mutative requests when making many
 * (the spacing that keeps a client which does not count under the 80: this queue counts);
 * after a rate-limit answer, nothing until `retry-after` seconds have passed, or, with
 * `x-ratelimit-remaining: 0`, until `x-ratelimit-reset`.
 *
 * So, per installation: at most `perMinute` writes in any rolling window of `minuteMs` (a
 * burst goes out at once while the window has room), optionally `perHour` in any 60 such
 * windows, `concurrency` in flight at once, and nothing while GitHub has said to wait
 * (`pause`, from a rate-limit answer). One installation never waits for another's: each has
 * its own window and queue. A write waiting for room goes in urgency order
 * (write-urgency.ts), so that a revocation waits at most for one write in flight to end.
 * Writes that notify people are also spaced `notificationIntervalMs` apart (Octokit's
 * throttling plugin's rule, kept here so that a comment waiting for its spacing holds no
 * place in flight): the other writes go past one that waits.
 *
 * Three in flight, not one as the best practice has it: GitHub answers a write in a few
 * hundred ms, so that one at a time, 20 pull requests opened at once (60 writes, within the
 * minute's 80) take 12 s and more to write (bench/opened-at-once.bench.ts: median 10.5 s with
 * 200 ms answers, one at a time; 5.1 s, three); three stay far below GitHub's documented
 * hard limit of 100 concurrent requests, and the count above keeps the content limit.
 *
 * The count is kept by a window the queue consults before each write (write-window.ts): the
 * process's own (own-write-window.ts, synchronous), or, with several replicas on one Redis,
 * one shared by them all (shared-write-window.ts, set by `share`: one round trip a write), so
 * that the replicas together keep the installation's limit and a pause GitHub gave one holds
 * every one. The order stays each replica's own: a revocation waits at most for the writes in
 * flight here and for room in the shared window, which another replica's writes may have
 * taken (one window at worst). When Redis fails, each replica falls back to its own window.
 */
export interface WritePaceOptions {
  /** Writes one installation may send in any rolling window of `minuteMs` (GitHub: 80 a minute). */
  perMinute?: number;
  /** The window's length (60 s; benchmarks scale it down with the rest of their time). */
  minuteMs?: number;
  /** Writes in any 60 windows (GitHub documents 500 an hour); null: not counted here, GitHub's answers pause. */
  perHour?: number | null;
  /** Writes of one installation in flight at once (3; GitHub's best practice: 1). */
  concurrency?: number;
  /** Between two writes that notify people (comments, issues, review requests): 3 s, the throttling plugin's spacing. */
  notificationIntervalMs?: number;
  now?: () => number;
}

export const GITHUB_CONTENT_WRITES_PER_MINUTE = 80;
const DEFAULT_CONCURRENCY = 3;

interface Waiting {
  urgency: WriteUrgency;
  seq: number;
  notifies: boolean;
  start: (place: Place) => void;
}

/** One installation's state: its queue, a pause, and what its window last said. */
interface Lane {
  waiting: Waiting[];
  inFlight: number;
  pausedUntil: number;
  /** The window said there is no room before this. */
  roomAt: number;
  /** A shared window is being asked for room (one question at a time). */
  asking: boolean;
  lastNotification: number;
  timer: NodeJS.Timeout | null;
}

export class WritePace {
  readonly #lanes = new Map<string, Lane>();
  readonly #limits: WindowLimits;
  #window: WriteWindow;
  readonly #concurrency: number;
  readonly #notificationIntervalMs: number;
  readonly #now: () => number;
  #seq = 0;
  #sent = 0;

  constructor(options: WritePaceOptions = {}) {
    this.#limits = { perMinute: Math.max(1, options.perMinute ?? GITHUB_CONTENT_WRITES_PER_MINUTE), minuteMs: Math.max(0, options.minuteMs ?? 60_000), perHour: options.perHour ?? null };
    this.#window = new OwnWriteWindow(this.#limits);
    this.#concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    this.#notificationIntervalMs = options.notificationIntervalMs ?? 3_000;
    this.#now = options.now ?? Date.now;
  }

  /** The time one write takes at the sustained pace, ms (what the scheduler budgets a flip). */
  get intervalMs(): number {
    const { perMinute, minuteMs, perHour } = this.#limits;
    return perHour === null ? minuteMs / perMinute : Math.max(minuteMs / perMinute, (60 * minuteMs) / perHour);
  }

  /** Counts every installation's writes in `window(limits)` from now on (a shared window, across replicas), before any write is sent. */
  share(window: (limits: WindowLimits) => WriteWindow): void {
    this.#window = window(this.#limits);
  }

  /** Writes sent so far, every installation. */
  get sent(): number {
    return this.#sent;
  }

  /** Writes waiting for room, for one installation. */
  waiting(key: string): number {
    return this.#lanes.get(key)?.waiting.length ?? 0;
  }

  /** Sends `send` for installation `key` when its pace allows, most urgent first; settles as `send` does. `notifies`: it notifies people (spaced). */
  schedule<T>(key: string, urgency: WriteUrgency, send: () => Promise<T>, notifies = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const lane = this.#lane(key);
      lane.waiting.push({
        urgency,
        seq: ++this.#seq,
        notifies,
        start: (place) => {
          lane.inFlight++;
          this.#sent++;
          let sending: Promise<T>;
          try {
            sending = send();
          } catch (error) {
            sending = Promise.reject(error);
          }
          void sending.then(resolve, reject).finally(() => {
            place.answered(this.#now());
            lane.inFlight--;
            this.#pump(key, lane);
          });
        },
      });
      this.#pump(key, lane);
    });
  }

  /** GitHub said to wait: no write of installation `key` starts before `untilMs`. */
  pause(key: string, untilMs: number): void {
    const lane = this.#lane(key);
    if (untilMs <= lane.pausedUntil) return;
    lane.pausedUntil = untilMs;
    this.#window.pause(key, untilMs - this.#now());
    this.#pump(key, lane);
  }

  #lane(key: string): Lane {
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = { waiting: [], inFlight: 0, pausedUntil: 0, roomAt: 0, asking: false, lastNotification: -Infinity, timer: null };
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  #pump(key: string, lane: Lane): void {
    if (lane.timer !== null) clearTimeout(lane.timer);
    lane.timer = null;
    while (lane.waiting.length > 0 && lane.inFlight < this.#concurrency && !lane.asking) {
      const now = this.#now();
      const wait = Math.max(lane.pausedUntil, lane.roomAt) - now;
      if (wait > 0) {
        lane.timer = setTimeout(() => this.#pump(key, lane), wait);
        return;
      }
      // A notifying write waits for its spacing; the others go past it.
      const notifyWait = lane.lastNotification + this.#notificationIntervalMs - now;
      if (!lane.waiting.some((candidate) => !candidate.notifies || notifyWait <= 0)) {
        lane.timer = setTimeout(() => this.#pump(key, lane), notifyWait);
        return;
      }
      const room = this.#window.take(key, now);
      if (!(room instanceof Promise)) {
        this.#taken(lane, room, now);
        continue;
      }
      // A shared window answers later: the write that goes is the most urgent then.
      lane.asking = true;
      void room
        // Never rejects (a shared window falls back to its own); should it, writing goes on.
        .catch((): Room => ({ place: { answered: () => undefined } }))
        .then((answer) => {
          lane.asking = false;
          this.#taken(lane, answer, this.#now());
          this.#pump(key, lane);
        });
      return;
    }
    const now = this.#now();
    const quiet = lane.lastNotification + this.#notificationIntervalMs <= now && lane.pausedUntil <= now && lane.roomAt <= now;
    if (lane.waiting.length === 0 && lane.inFlight === 0 && !lane.asking && quiet) this.#lanes.delete(key);
  }

  /** The window's answer: a place, and the most urgent write that may go now starts in it; or no room for `waitMs`. */
  #taken(lane: Lane, room: Room, now: number): void {
    if ("waitMs" in room) {
      lane.roomAt = now + room.waitMs;
      return;
    }
    const next = this.#takeMostUrgent(lane, lane.lastNotification + this.#notificationIntervalMs <= now);
    // Always one: the queue only grows while the window is asked, and spacing only runs out.
    if (next === null) return room.place.answered(now);
    if (next.notifies) lane.lastNotification = now;
    next.start(room.place);
  }

  /** The most urgent write that may go now (a notifying one only when `notifyingMayGo`), taken off the queue; null: none may. */
  #takeMostUrgent(lane: Lane, notifyingMayGo: boolean): Waiting | null {
    let best = -1;
    for (let index = 0; index < lane.waiting.length; index++) {
      const candidate = lane.waiting[index]!;
      if (candidate.notifies && !notifyingMayGo) continue;
      const current = best < 0 ? null : lane.waiting[best]!;
      if (
        current === null ||
        candidate.urgency.level < current.urgency.level ||
        (candidate.urgency.level === current.urgency.level && (candidate.urgency.since < current.urgency.since || (candidate.urgency.since === current.urgency.since && candidate.seq < current.seq)))
      ) {
        best = index;
      }
    }
    return best < 0 ? null : lane.waiting.splice(best, 1)[0]!;
  }
}
