import type { AuditRecord } from "../audit/record.js";
import { CHANGE_TYPES, type Policy, type Slot } from "../engine/policy.js";
import { instantOfWallTime, parseClock, WEEKDAYS } from "../engine/wall-clock.js";
import type { CalendarEvent } from "./model.js";

const DAY = 86_400_000;

/**
 * The policy's windows, blackouts and freezes in [from, to), one event each, as SPEC §10's
 * `changegate calendar --json` lists them. This is the site's own small adapter for the
 * first release's dated entries and weekly slots; recurring forms come from the calendar
 * module once it is there.
 */
export function policyEvents(policy: Policy, from: number, to: number): CalendarEvent[] {
  const events: CalendarEvent[] = [];
  for (const type of CHANGE_TYPES) {
    const spec = policy.windows[type];
    if (!Array.isArray(spec)) continue;
    for (const occurrence of slotOccurrences(spec, policy.timezone, from, to)) events.push({ kind: "window", name: `${type} window`, ...occurrence });
  }
  for (const blackout of policy.blackouts) if (overlaps(blackout.interval, from, to)) events.push({ kind: "blackout", name: blackout.interval.name, start: blackout.interval.start, end: blackout.interval.end });
  for (const freeze of policy.freezes) if (overlaps(freeze.interval, from, to)) events.push({ kind: "freeze", name: freeze.interval.name, start: freeze.interval.start, end: freeze.interval.end });
  return events.sort((a, b) => a.start - b.start || a.kind.localeCompare(b.kind));
}

/** What the calendar cannot show as events, said beside it. */
export function policyNotes(policy: Policy): string[] {
  return CHANGE_TYPES.filter((type) => !Array.isArray(policy.windows[type])).map((type) => `${type} changes: ${policy.windows[type] === "never" ? "no window (never)" : "always open"}`);
}

/**
 * The freezes and blackouts that were in effect at recorded merges: what the trail itself
 * knows of the calendar, shown when no policy is given (and merged with the policy's).
 */
export function recordedEvents(records: Iterable<AuditRecord>): CalendarEvent[] {
  const seen = new Map<string, CalendarEvent>();
  for (const record of records) {
    for (const entry of record.schedule?.in_effect ?? []) {
      const key = `${entry.kind}|${entry.name}|${entry.start}|${entry.end}`;
      if (!seen.has(key)) seen.set(key, { kind: entry.kind, name: entry.name, start: entry.start, end: entry.end });
    }
  }
  return [...seen.values()];
}

/** Events of both lists, each once (the same kind, name and interval is the same event). */
export function mergeEvents(...lists: CalendarEvent[][]): CalendarEvent[] {
  const seen = new Map<string, CalendarEvent>();
  for (const event of lists.flat()) seen.set(`${event.kind}|${event.name}|${event.start}|${event.end}`, event);
  return [...seen.values()].sort((a, b) => a.start - b.start || a.kind.localeCompare(b.kind));
}

function overlaps(interval: { start: number; end: number }, from: number, to: number): boolean {
  return interval.start < to && interval.end > from;
}

/** Each occurrence of weekly slots that overlaps [from, to), in wall-clock time of `zone`. */
function slotOccurrences(slots: readonly Slot[], zone: string, from: number, to: number): { start: number; end: number }[] {
  const occurrences: { start: number; end: number }[] = [];
  // A day either side: an occurrence that starts the local day before `from` may reach into it.
  for (let day = Math.floor(from / DAY) - 1; day * DAY < to + DAY; day++) {
    const date = new Date(day * DAY);
    const weekday = WEEKDAYS[date.getUTCDay()]!;
    const today = { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
    const next = new Date((day + 1) * DAY);
    const tomorrow = { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
    for (const slot of slots) {
      if (!slot.days.includes(weekday)) continue;
      const start = parseClock(slot.from)!;
      const end = parseClock(slot.to)!;
      const crosses = end.hour * 60 + end.minute <= start.hour * 60 + start.minute;
      const occurrence = { start: instantOfWallTime({ ...today, ...start, second: 0 }, zone), end: instantOfWallTime({ ...(crosses ? tomorrow : today), ...end, second: 0 }, zone) };
      if (occurrence.end > occurrence.start && overlaps(occurrence, from, to)) occurrences.push(occurrence);
    }
  }
  return occurrences;
}
