/**
 * The window of one installation's writes that the write queue (write-pace.ts) consults
 * before it sends one: has the installation room for one more write now, and if not, for how
 * long should it wait. The queue decides what goes and in which order; the window only counts.
 * In one process the window is the process's own (own-write-window.ts: synchronous, no I/O);
 * with several replicas on one Redis it is shared (shared-write-window.ts), so that the
 * replicas together stay within GitHub's limit for the installation.
 */
export interface WindowLimits {
  /** Writes one installation may send in any rolling window of `minuteMs`. */
  perMinute: number;
  minuteMs: number;
  /** Writes in any 60 such windows; null: not counted. */
  perHour: number | null;
}

export interface WriteWindow {
  /**
   * One write of installation `key` would go now (`now`: the queue's clock): takes its place
   * in the window and answers 0, or answers the ms to wait before asking again (nothing
   * taken). A shared window answers later (a promise that never rejects).
   */
  take(key: string, now: number): number | Promise<number>;
  /** GitHub said to wait `forMs`: a shared window holds the installation's writes on every replica as long (the queue holds its own). */
  pause(key: string, forMs: number): void;
}

/** The longest window a write is remembered for (the hour's when it is counted). */
export function longestWindowMs(limits: WindowLimits): number {
  return limits.perHour === null ? limits.minuteMs : 60 * limits.minuteMs;
}
