import type { Slot } from "./policy.js";
import { instantOfFloatingTime, parseClock, WEEKDAYS, zoneOffsetMinutes } from "./wall-clock.js";

/**
 * Weekly slots (`{ days, from, to }` in wall-clock time of a zone) as concrete half-open
 * intervals of instants. A slot whose `to` is not after `from` crosses midnight and
 * belongs to the day it starts on.
 */
export interface Interval {
  start: number;
  end: number;
}

const DAY = 86_400_000;
const MINUTE = 60_000;

interface CompiledSlot {
  /** Bit n set: the slot occurs on weekday n (0 = Sunday). */
  days: number;
  from: { hour: number; minute: number };
  to: { hour: number; minute: number };
  crossesMidnight: boolean;
}

// Policies are parsed once and evaluated many times: compile each slot list once, and
// remember each local day's occurrences (a pure function of slots, zone and date).
const compiled = new WeakMap<readonly Slot[], CompiledSlot[]>();
const occurrenceCache = new WeakMap<readonly Slot[], Map<string, Map<number, Interval[]>>>();
const OCCURRENCE_CACHE_LIMIT = 4096;

function compile(slots: readonly Slot[]): CompiledSlot[] {
  let result = compiled.get(slots);
  if (result === undefined) {
    result = slots.map((slot) => {
      const from = parseClock(slot.from)!;
      const to = parseClock(slot.to)!;
      return {
        days: slot.days.reduce((mask, day) => mask | (1 << WEEKDAYS.indexOf(day)), 0),
        from,
        to,
        crossesMidnight: to.hour * 60 + to.minute <= from.hour * 60 + from.minute,
      };
    });
    compiled.set(slots, result);
  }
  return result;
}

/** Days since 1970-01-01 of the local calendar date an instant shows in `zone`. */
function localDayNumber(instant: number, zone: string): number {
  return Math.floor((instant + zoneOffsetMinutes(zone, instant) * MINUTE) / DAY);
}

/** The occurrences of `slots` that start on local day `dayNumber`, ascending by start. */
function occurrencesOn(slots: readonly Slot[], dayNumber: number, zone: string): Interval[] {
  let perZone = occurrenceCache.get(slots);
  if (perZone === undefined) {
    perZone = new Map();
    occurrenceCache.set(slots, perZone);
  }
  // Keyed by zone, then by day number: no key string is built on this hot path.
  let perList = perZone.get(zone);
  if (perList === undefined) {
    perList = new Map();
    perZone.set(zone, perList);
  }
  const key = dayNumber;
  let intervals = perList.get(key);
  if (intervals === undefined) {
    intervals = [];
    // Wall-clock times as floating ms (the day's midnight read in UTC, plus the clock time): no Date per day.
    const weekday = (((dayNumber + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
    for (const slot of compile(slots)) {
      if ((slot.days & (1 << weekday)) === 0) continue;
      const start = instantOfFloatingTime(dayNumber * DAY + (slot.from.hour * 60 + slot.from.minute) * MINUTE, zone);
      const end = instantOfFloatingTime((slot.crossesMidnight ? dayNumber + 1 : dayNumber) * DAY + (slot.to.hour * 60 + slot.to.minute) * MINUTE, zone);
      // A DST gap can squeeze a short slot to nothing; it then does not occur that day.
      if (end > start) intervals.push({ start, end });
    }
    intervals.sort((a, b) => a.start - b.start);
    if (perList.size >= OCCURRENCE_CACHE_LIMIT) perList.clear();
    perList.set(key, intervals);
  }
  return intervals;
}

/** The occurrence of any of `slots` that contains `instant`, if one does. */
export function slotContaining(slots: readonly Slot[], instant: number, zone: string): Interval | null {
  if (slots.length === 0) return null;
  const today = localDayNumber(instant, zone);
  for (const dayNumber of [today - 1, today]) {
    for (const interval of occurrencesOn(slots, dayNumber, zone)) {
      if (interval.start <= instant && instant < interval.end) return interval;
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
  const today = localDayNumber(instant, zone);
  const boundaries: number[] = [];
  for (let dayNumber = today - 1; dayNumber <= today + days; dayNumber++) {
    for (const interval of occurrencesOn(slots, dayNumber, zone)) {
      if (interval.start > instant) boundaries.push(interval.start);
      if (interval.end > instant) boundaries.push(interval.end);
    }
  }
  boundaries.sort((a, b) => a - b);
  return boundaries.filter((boundary, index) => index === 0 || boundary !== boundaries[index - 1]);
}

/** The occurrences of `slots` that overlap [from, to] (both ends included), ascending by start. */
export function slotOccurrencesBetween(slots: readonly Slot[], from: number, to: number, zone: string): Interval[] {
  if (slots.length === 0) return [];
  const occurrences: Interval[] = [];
  const last = localDayNumber(to, zone);
  for (let dayNumber = localDayNumber(from, zone) - 1; dayNumber <= last; dayNumber++) {
    for (const interval of occurrencesOn(slots, dayNumber, zone)) {
      if (interval.end >= from && interval.start <= to) occurrences.push(interval);
    }
  }
  return occurrences;
}
