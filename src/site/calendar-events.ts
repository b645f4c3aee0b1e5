import type { AuditRecord } from "../audit/record.js";
import { calendarEvents } from "../calendar/events.js";
import { CHANGE_TYPES, type Policy } from "../engine/policy.js";
import type { CalendarEvent } from "./model.js";

/**
 * The policy's windows, blackouts and freeze occurrences in [from, to), one event each: the
 * calendar module's list (what `changegate calendar --json` prints), recurring, holiday, ICS,
 * release and issue forms included when the policy has its calendar attached.
 */
export function policyEvents(policy: Policy, from: number, to: number): CalendarEvent[] {
  return calendarEvents(policy, from, to).map((event) => ({ kind: event.kind, name: event.name, start: event.start, end: event.end }));
}

/** What the calendar cannot show as events, said beside it. */
export function policyNotes(policy: Policy): string[] {
  const windows = CHANGE_TYPES.filter((type) => !Array.isArray(policy.windows[type])).map((type) => `${type} changes: ${policy.windows[type] === "never" ? "no window (never)" : "always open"}`);
  const missing = (policy.calendar?.missing ?? []).map((input) => `Entries that follow ${input} are not shown: no ${input} were given${input === "releases" ? " (--releases FILE)" : " (--issues FILE)"}.`);
  return [...windows, ...missing];
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
