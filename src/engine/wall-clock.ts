import { canonicalZones, zoneOffsets } from "./zone-offsets.js";

export { canonicalZones, intlZoneOffsets, type ZoneOffsets } from "./zone-offsets.js";

/**
 * Wall-clock time in an IANA zone, and the conversions between wall-clock times and
 * instants (epoch milliseconds). Every conversion goes through the zone's UTC offset, asked
 * of the `ZoneOffsets` source linked in (Intl, but for the Action's bundle: zone-offsets.ts),
 * never through whatever zone the host happens to be in, so decisions are the same on every
 * machine.
 */
export interface WallTime {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const MINUTE = 60_000;
const DAY = 86_400_000;

// A memo of a pure function (the linked source never changes), so no state a caller can see.
const offsetCache = new Map<string, Map<number, number>>();
const OFFSET_CACHE_LIMIT = 50_000;

/** Zones that are UTC by definition: no lookup at all. */
export const UTC_ZONES: ReadonlySet<string> = new Set(["UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Etc/Zulu", "Universal", "Zulu"]);

/** The zone's UTC offset in minutes at an instant, memoised per zone and minute. */
export function zoneOffsetMinutes(zone: string, instant: number): number {
  if (UTC_ZONES.has(zone)) return 0;
  let perZone = offsetCache.get(zone);
  if (perZone === undefined) {
    perZone = new Map();
    offsetCache.set(zone, perZone);
  }
  const minute = Math.floor(instant / MINUTE);
  let offset = perZone.get(minute);
  if (offset === undefined) {
    offset = zoneOffsets(zone, minute * MINUTE);
    if (perZone.size >= OFFSET_CACHE_LIMIT) perZone.clear();
    perZone.set(minute, offset);
  }
  return offset;
}

export function isKnownZone(zone: string): boolean {
  if (UTC_ZONES.has(zone) || canonicalZones().has(zone)) return true;
  try {
    // Links are not listed but are zones all the same: US/Eastern, or Asia/Kolkata where ICU
    // lists Asia/Calcutta.
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function knownZones(): string[] {
  return [...canonicalZones()];
}

/** The wall-clock time and weekday that an instant shows in `zone`. */
export function wallTimeAt(instant: number, zone: string): WallTime & { weekday: Weekday } {
  const shifted = new Date(instant + zoneOffsetMinutes(zone, instant) * MINUTE);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    weekday: WEEKDAYS[shifted.getUTCDay()]!,
  };
}

/**
 * The instant a wall-clock time in `zone` denotes, as RFC 5545 resolves it: a time that
 * occurs twice (clocks go back) is its first occurrence; a time that does not exist
 * (clocks go forward) is taken with the offset from before the gap, which moves it
 * forward by the gap's length.
 */
export function instantOfWallTime(wall: WallTime, zone: string): number {
  return instantOfFloatingTime(floatingTimeOf(wall), zone);
}

/** A wall-clock time as "floating" ms: the instant whose UTC fields are that time. */
export function floatingTimeOf(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/**
 * instantOfWallTime for a wall-clock time given as "floating" ms (a Date's UTC fields are the
 * wall-clock time, as recurrence rules are expanded): no fields to take apart and put back.
 */
export function instantOfFloatingTime(asUtc: number, zone: string): number {
  const offsetBefore = zoneOffsetMinutes(zone, asUtc - DAY);
  const offsetAfter = zoneOffsetMinutes(zone, asUtc + DAY);
  const withBefore = asUtc - offsetBefore * MINUTE;
  if (offsetBefore === offsetAfter) return withBefore;
  const withAfter = asUtc - offsetAfter * MINUTE;
  const beforeHolds = zoneOffsetMinutes(zone, withBefore) === offsetBefore;
  const afterHolds = zoneOffsetMinutes(zone, withAfter) === offsetAfter;
  if (beforeHolds && afterHolds) return Math.min(withBefore, withAfter);
  if (afterHolds) return withAfter;
  return withBefore; // holds alone, or a gap: the offset from before the gap
}

/** The wall-clock time an instant shows in `zone` as floating ms (whole seconds, as wallTimeAt gives it). */
export function floatingTimeAt(instant: number, zone: string): number {
  const shifted = instant + zoneOffsetMinutes(zone, instant) * MINUTE;
  return shifted - (((shifted % 1000) + 1000) % 1000);
}

/** The calendar date `days` after the given one (proleptic Gregorian, zone-free). */
export function addDays(date: Pick<WallTime, "year" | "month" | "day">, days: number): { year: number; month: number; day: number } {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

export function weekdayOf(date: Pick<WallTime, "year" | "month" | "day">): Weekday {
  return WEEKDAYS[new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay()]!;
}

/** `HH:MM`, 00:00..23:59. */
export function parseClock(text: string): { hour: number; minute: number } | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!match) return null;
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

export interface DateTimeText {
  wall: WallTime;
  /** Minutes east of UTC when the text carries an offset (`Z`, `+02:00`), else null. */
  offset: number | null;
}

/** `2026-12-24`, `2026-12-24T00:00`, `2026-03-28T00:00:00Z`, `2026-03-28 09:30+02:00`. */
export function parseDateTimeText(text: string): DateTimeText | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(text.trim());
  if (!match) return null;
  const wall: WallTime = {
    year: Number(match[1]),
    month: Number(match[2]),
    day: Number(match[3]),
    hour: Number(match[4] ?? 0),
    minute: Number(match[5] ?? 0),
    second: Number(match[6] ?? 0),
  };
  const probe = new Date(floatingTimeOf(wall));
  if (
    probe.getUTCMonth() !== wall.month - 1 || probe.getUTCDate() !== wall.day ||
    wall.hour > 23 || wall.minute > 59 || wall.second > 59
  ) {
    return null;
  }
  const zone = match[7];
  let offset: number | null = null;
  if (zone !== undefined) {
    if (zone.toUpperCase() === "Z") offset = 0;
    else {
      const sign = zone.startsWith("-") ? -1 : 1;
      const digits = zone.slice(1).replace(":", "");
      offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0));
    }
  }
  return { wall, offset };
}

/** The instant a date-time text denotes: its own offset if it has one, else `zone`'s. */
export function instantOfDateTimeText(text: DateTimeText, zone: string): number {
  if (text.offset === null) return instantOfWallTime(text.wall, zone);
  return floatingTimeOf(text.wall) - text.offset * MINUTE;
}
