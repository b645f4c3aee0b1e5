import type { Slot } from "./policy.js";
import { addDays, instantOfWallTime, parseClock, wallTimeAt, weekdayOf, type WallTime } from "./wall-clock.js";

/**
 * Weekly slots (`{ days, from, to }` in wall-clock time of a zone) as concrete half-open
 * intervals of instants. A slot whose `to` is not after `from` crosses midnight and
 * belongs to the day it starts on.
 */
export interface Interval {
  start: number;
  end: number;
}

type CalendarDate = Pick<WallTime, "year" | "month" | "day">;

function occurrence(slot: Slot, date: CalendarDate, zone: string): Interval | null {
  if (!slot.days.includes(weekdayOf(date))) return null;
  const from = parseClock(slot.from)!;
  const to = parseClock(slot.to)!;
  const crossesMidnight = to.hour * 60 + to.minute <= from.hour * 60 + from.minute;
  const endDate = crossesMidnight ? addDays(date, 1) : date;
  const start = instantOfWallTime({ ...date, ...from, second: 0 }, zone);
  const end = instantOfWallTime({ ...endDate, ...to, second: 0 }, zone);
  // A DST gap can squeeze a short slot to nothing; it then does not occur that day.
  return end > start ? { start, end } : null;
}

/** The occurrence of any of `slots` that contains `instant`, if one does. */
export function slotContaining(slots: readonly Slot[], instant: number, zone: string): Interval | null {
  const today = wallTimeAt(instant, zone);
  for (const date of [addDays(today, -1), today]) {
    for (const slot of slots) {
      const interval = occurrence(slot, date, zone);
      if (interval && interval.start <= instant && instant < interval.end) return interval;
    }
  }
  return null;
}

/**
 * Every start and end of an occurrence of `slots` after `instant`, up to `days` local
 * days ahead, ascending. A week and a day covers every weekly pattern.
 */
export function slotBoundariesAfter(slots: readonly Slot[], instant: number, zone: string, days = 8): number[] {
  if (slots.length === 0) return [];
  const today = wallTimeAt(instant, zone);
  const boundaries = new Set<number>();
  for (let offset = -1; offset <= days; offset++) {
    const date = addDays(today, offset);
    for (const slot of slots) {
      const interval = occurrence(slot, date, zone);
      if (!interval) continue;
      if (interval.start > instant) boundaries.add(interval.start);
      if (interval.end > instant) boundaries.add(interval.end);
    }
  }
  return [...boundaries].sort((a, b) => a - b);
}
