import { longestWindowMs, type Place, type Room, type WindowLimits, type WriteWindow } from "./write-window.js";

/**
 * The window of one process's own writes, per installation: when each write it sent within
 * the longest window was let go or, once answered, answered; answered synchronously (the
 * single-replica path does no I/O for its pace). With Redis it is the shared window's
 * fallback, kept up to date with every write this replica sends, so that a replica cut off
 * from Redis still keeps its own count.
 */
interface Entry {
  at: number;
}

export class OwnWriteWindow implements WriteWindow {
  /** Per installation, oldest first. */
  readonly #sent = new Map<string, Entry[]>();

  constructor(private readonly limits: WindowLimits) {}

  take(key: string, now: number): Room {
    const waitMs = this.waitMs(key, now);
    return waitMs > 0 ? { waitMs } : { place: this.record(key, now) };
  }

  /** The queue holds GitHub's pauses itself; one process has nobody to tell. */
  pause(): void {}

  /** A write of `key` let go at `now` (admitted elsewhere first: the shared window). */
  record(key: string, now: number): Place {
    const entry: Entry = { at: now };
    this.#entries(key).push(entry);
    return {
      answered: (at) => {
        // Moved to the end: answered now, it is the newest.
        const entries = this.#entries(key);
        const index = entries.indexOf(entry);
        if (index >= 0) entries.splice(index, 1);
        entry.at = Math.max(entry.at, at);
        entries.push(entry);
      },
    };
  }

  /** How long until `key` may send one more write (0: now). Forgets writes older than the longest window. */
  waitMs(key: string, now: number): number {
    const sent = this.#sent.get(key);
    if (sent === undefined) return 0;
    const longest = longestWindowMs(this.limits);
    while (sent.length > 0 && sent[0]!.at <= now - longest) sent.shift();
    if (sent.length === 0) {
      this.#sent.delete(key);
      return 0;
    }
    let wait = 0;
    const within = (windowMs: number, limit: number) => {
      // The limit-th newest write must have left the window.
      const index = sent.length - limit;
      if (index >= 0) wait = Math.max(wait, sent[index]!.at + windowMs - now);
    };
    within(this.limits.minuteMs, this.limits.perMinute);
    if (this.limits.perHour !== null) within(60 * this.limits.minuteMs, this.limits.perHour);
    return Math.max(0, wait);
  }

  #entries(key: string): Entry[] {
    let entries = this.#sent.get(key);
    if (entries === undefined) this.#sent.set(key, (entries = []));
    return entries;
  }
}
