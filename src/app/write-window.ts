/**
 * The window of one installation's writes that the write queue (write-pace.ts) consults
 * before it sends one: has the installation room for one more write now, and if not, for how
 * long should it wait. The queue decides what goes and in which order; the window only counts.
 * In one process the window is the process's own (own-write-window.ts: synchronous, no I/O);
 * with several replicas on one Redis it is shared (shared-write-window.ts), so that the
 * replicas together stay within GitHub's limit for the installation.
 *
 * A write holds its place from when it is let go until its answer has come, and one window
 * after: GitHub counts a write when it arrives, somewhere between the two, and a write let go
 * first may arrive after later ones (a busy process, a new connection). Counted from the
 * start alone, 80 let go within a minute arrived within less than one (83–86 of them in the
 * busiest minute of bench/opened-at-once.bench.ts with 40 pull requests).
 */
export interface WindowLimits {
  /** Writes one installation may send in any rolling window of `minuteMs`. */
  perMinute: number;
  minuteMs: number;
  /** Writes in any 60 such windows; null: not counted. */
  perHour: number | null;
}

/** A write's place in the window. */
export interface Place {
  /** The write's answer came (or it failed) at `now`: the place is held one window from then. */
  answered(now: number): void;
}

/** The window's answer: a place for the write, or how long to wait before asking again (nothing taken). */
export type Room = { place: Place } | { waitMs: number };

export interface WriteWindow {
  /** One write of installation `key` would go now (`now`: the queue's clock). A shared window answers later (a promise that never rejects). */
  take(key: string, now: number): Room | Promise<Room>;
  /** GitHub said to wait `forMs`: a shared window holds the installation's writes on every replica as long (the queue holds its own). */
  pause(key: string, forMs: number): void;
}

/** The longest window a write is remembered for (the hour's when it is counted). */
export function longestWindowMs(limits: WindowLimits): number {
  return limits.perHour === null ? limits.minuteMs : 60 * limits.minuteMs;
}
