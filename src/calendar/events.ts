import { CHANGE_TYPES, type Policy } from "../engine/policy.js";
import { OPEN_ENDED } from "../engine/occurrences.js";
import { slotOccurrencesBetween } from "../engine/slots.js";

/**
 * A policy's calendar as a list of events in a range (SPEC §10): each window slot, blackout
 * and freeze occurrence that overlaps [from, to), what `changegate calendar --json` prints
 * and what the site's calendar page shows. The policy needs its calendar attached
 * (src/calendar/build.ts) for any form but dated ones; without it those list nothing.
 */
export interface CalendarEvent {
  kind: "freeze" | "blackout" | "window";
  name: string;
  /** Epoch milliseconds. */
  start: number;
  /** Epoch milliseconds; an open issue's freeze ends at `to` here, and `until_closed` says so. */
  end: number;
  /** The issue that holds a `while_issues_open` freeze. */
  issue?: { number: number; title: string; url: string; author: string };
  untilClosed?: boolean;
}

export function calendarEvents(policy: Policy, from: number, to: number): CalendarEvent[] {
  const events: CalendarEvent[] = [];
  for (const type of CHANGE_TYPES) {
    const window = policy.windows[type];
    if (!Array.isArray(window)) continue;
    for (const slot of slotOccurrencesBetween(window, from, to, policy.timezone)) {
      if (slot.end > from && slot.start < to) events.push({ kind: "window", name: `${type} change window`, start: slot.start, end: slot.end });
    }
  }
  for (const list of ["blackouts", "freezes"] as const) {
    policy[list].forEach((entry, index) => {
      const kind = list === "freezes" ? "freeze" : "blackout";
      const form = entry.form;
      if (form.kind === "dated") {
        if (form.end > from && form.start < to) events.push({ kind, name: entry.name, start: form.start, end: form.end });
        return;
      }
      for (const occurrence of policy.calendar?.between(list, index, from, to) ?? []) {
        const open = occurrence.end >= OPEN_ENDED;
        // Properties set, not spread: a listing runs once, cold, where a spread costs (issue 13).
        const event: CalendarEvent = { kind, name: occurrence.label === null ? entry.name : `${entry.name}: ${occurrence.label}`, start: occurrence.start, end: open ? Math.max(to, occurrence.start) : occurrence.end };
        if (occurrence.issue !== undefined) event.issue = occurrence.issue;
        if (open) event.untilClosed = true;
        events.push(event);
      }
    });
  }
  const order = { freeze: 0, blackout: 1, window: 2 } as const;
  return events.sort((a, b) => a.start - b.start || a.end - b.end || order[a.kind] - order[b.kind] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The JSON form, as `JSON.stringify(list, null, 2)` writes it, with a newline: instants in UTC
 * with `Z`, `issue` (its URL) and `until_closed` when set. Written directly: a year of events
 * is thousands of objects made only to be stringified, on a cold process (issue 13).
 */
export function calendarEventsJsonText(events: readonly CalendarEvent[]): string {
  if (events.length === 0) return "[]\n";
  const iso = isoText();
  let text = "[";
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    text += `${index === 0 ? "" : ","}\n  {\n    "kind": "${event.kind}",\n    "name": ${JSON.stringify(event.name)},\n    "start": "${iso(event.start)}",\n    "end": "${iso(event.end)}"`;
    if (event.issue !== undefined) text += `,\n    "issue": ${JSON.stringify(event.issue.url)}`;
    if (event.untilClosed === true) text += ',\n    "until_closed": true';
    text += "\n  }";
  }
  return `${text}\n]\n`;
}

const DAY = 86_400_000;

/**
 * An instant as `Date#toISOString` writes it, from its day's text and its time of day's,
 * each made once: a year's events share a few hundred days and a few dozen times, and
 * toISOString, a call into the runtime, cost a cold listing ~3 ms for 5,000 instants.
 */
function isoText(): (instant: number) => string {
  const days = new Map<number, string>();
  const times = new Map<number, string>();
  return (instant) => {
    const day = Math.floor(instant / DAY);
    let date = days.get(day);
    if (date === undefined) {
      const text = new Date(day * DAY).toISOString();
      date = text.slice(0, text.indexOf("T") + 1);
      days.set(day, date);
    }
    const ofDay = instant - day * DAY;
    let time = times.get(ofDay);
    if (time === undefined) {
      const text = new Date(ofDay).toISOString();
      time = text.slice(text.indexOf("T") + 1);
      times.set(ofDay, time);
    }
    return date + time;
  };
}
