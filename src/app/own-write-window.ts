import { longestWindowMs, type WindowLimits, type WriteWindow } from "./write-window.js";

/**
 * The window of one process's own writes, per installation: the times of the writes it sent
 * within the longest window, answered synchronously (the single-replica path does no I/O for
 * its pace). With Redis it is the shared window's fallback, kept up to date with every write
 * this replica sends, so that a replica cut off from Redis still keeps its own count.
 */
export class OwnWriteWindow implements WriteWindow {
  readonly #sent = new Map<string, number[]>();

  constructor(private readonly limits: WindowLimits) {}

  take(key: string, now: number): number {
    const wait = this.waitMs(key, now);
    if (wait === 0) this.record(key, now);
    return wait;
  }

  /** The queue holds GitHub's pauses itself; one process has nobody to tell. */
  pause(): void {}

  /** A write of `key` sent at `now` (counted elsewhere first: the shared window admitted it). */
  record(key: string, now: number): void {
    const sent = this.#sent.get(key);
    if (sent === undefined) this.#sent.set(key, [now]);
    else sent.push(now);
  }

  /** How long until `key` may send one more write (0: now). Forgets writes older than the longest window. */
  waitMs(key: string, now: number): number {
    const sent = this.#sent.get(key);
    if (sent === undefined) return 0;
    const longest = longestWindowMs(this.limits);
    while (sent.length > 0 && sent[0]! <= now - longest) sent.shift();
    if (sent.length === 0) {
      this.#sent.delete(key);
      return 0;
    }
    let wait = 0;
    const within = (windowMs: number, limit: number) => {
      // The limit-th newest write must have left the window.
      const index = sent.length - limit;
      if (index >= 0) wait = Math.max(wait, sent[index]! + windowMs - now);
    };
    within(this.limits.minuteMs, this.limits.perMinute);
    if (this.limits.perHour !== null) within(60 * this.limits.minuteMs, this.limits.perHour);
    return Math.max(0, wait);
  }
}
