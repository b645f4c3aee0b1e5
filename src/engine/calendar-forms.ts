import * as z from "zod/mini";
import "./zod-setup.js";
import type { Problem } from "./problems.js";
import { addDays, instantOfDateTimeText, instantOfWallTime, parseDateTimeText, type DateTimeText } from "./wall-clock.js";

/**
 * The forms a freeze or blackout may take besides one dated interval (SPEC §10): a
 * recurrence (`start`, `duration`, `rrule`), public holidays, an iCalendar file, the time
 * after a release, and the time an issue is open. The schema keeps each form's fields;
 * `resolveCalendarForm` checks that an entry has exactly one form and resolves what needs
 * no library. Expanding a form into occurrences happens at the edges (src/calendar/),
 * which hand the engine the occurrences.
 */

const MAX_DURATION_MS = 366 * 86_400_000;
const UNIT_MS = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;

export const CALENDAR_DURATION_EXAMPLES = '"9h", "90m", "3d", "1d 12h" or ISO 8601 "PT9H"';

/**
 * A length as RFC 5545 counts one: days and weeks are nominal (a day is one calendar day in
 * the zone, 23 or 25 hours across a daylight-saving change), hours and less exact.
 */
export interface CalendarDuration {
  days: number;
  ms: number;
}

/** `9h`, `1d 12h`, `90m`, or ISO 8601 `PT9H`, `P3D`, `P1W`; null when it is none of these. */
export function parseCalendarDuration(text: string): CalendarDuration | null {
  const trimmed = text.trim();
  const iso = parseIsoDuration(trimmed);
  if (iso !== null) return iso;
  if (!/^(\s*\d{1,6}\s*[wdhms])+\s*$/i.test(trimmed)) return null;
  const length = { days: 0, ms: 0 };
  for (const match of trimmed.matchAll(/(\d{1,6})\s*([wdhms])/gi)) {
    const unit = match[2]!.toLowerCase() as keyof typeof UNIT_MS;
    if (unit === "w" || unit === "d") length.days += Number(match[1]) * (unit === "w" ? 7 : 1);
    else length.ms += Number(match[1]) * UNIT_MS[unit];
  }
  return length;
}

/** ISO 8601's (and RFC 5545's) `P[nW][nD][T[nH][nM][nS]]`, `PT9H`, `P3D`, `P1W`; null when it is not one. */
export function parseIsoDuration(text: string): CalendarDuration | null {
  const iso = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(text);
  if (iso === null || text.length <= 1 || /T$/i.test(text)) return null;
  const [, w, d, h, m, s] = iso.map((part) => Number(part ?? 0));
  return { days: w! * 7 + d!, ms: h! * UNIT_MS.h + m! * UNIT_MS.m + s! * UNIT_MS.s };
}

/** About how long a duration lasts, for limits and look-backs (a day taken as 24 hours). */
export function nominalMs(length: CalendarDuration): number {
  return length.days * UNIT_MS.d + length.ms;
}

const duration = z.string().check(
  z.refine((text) => parseCalendarDuration(text) !== null, { message: `expected a duration such as ${CALENDAR_DURATION_EXAMPLES}` }),
);
const labelList = z.array(z.string().check(z.minLength(1)));

/** The fields every form may use, beside `name`, `environments`, `services` (and a freeze's `exceptions`). */
export const calendarFields = {
  duration: z.optional(duration),
  rrule: z.optional(z.string().check(z.minLength(1))),
  holidays: z.optional(
    z.strictObject({
      country: z.string().check(z.minLength(1)),
      region: z.optional(z.string().check(z.minLength(1))),
    }),
  ),
  ics: z.optional(z.string().check(z.minLength(1))),
  after_release: z.optional(
    z.strictObject({
      tags: z._default(labelList, ["*"]),
      for: duration,
      drafts: z._default(z.boolean(), false),
      prereleases: z._default(z.boolean(), false),
    }),
  ),
  while_issues_open: z.optional(
    z.strictObject({
      labels: labelList.check(z.minLength(1)),
      opened_by: z._default(labelList, []),
    }),
  ),
};

/** Where a field of a form sits in its policy file: what the edges name in their problems. */
export type FieldLocation = Omit<Problem, "message" | "suggestion">;

export type CalendarForm =
  | {
      kind: "recurring";
      /** DTSTART as written: wall-clock time in the policy's zone, or with its own offset. */
      start: DateTimeText;
      duration: CalendarDuration;
      rrule: string;
      at: { rrule: FieldLocation; start: FieldLocation };
    }
  | { kind: "holidays"; country: string; region: string | null; at: { country: FieldLocation; region: FieldLocation } }
  | { kind: "ics"; path: string; at: { ics: FieldLocation } }
  | { kind: "after_release"; tags: string[]; forMs: number; drafts: boolean; prereleases: boolean }
  | { kind: "while_issues_open"; labels: string[]; openedBy: string[] };

/** An entry as the schema leaves it: dated fields optional, each form's fields optional. */
export interface CalendarEntryFields {
  start?: string | undefined;
  end?: string | undefined;
  duration?: string | undefined;
  rrule?: string | undefined;
  holidays?: { country: string; region?: string | undefined } | undefined;
  ics?: string | undefined;
  after_release?: { tags: string[]; for: string; drafts: boolean; prereleases: boolean } | undefined;
  while_issues_open?: { labels: string[]; opened_by: string[] } | undefined;
}

const FORM_KEYS = ["rrule", "holidays", "ics", "after_release", "while_issues_open"] as const;
const FORMS_TEXT = '`start` with `end` or `duration` (and optionally `rrule`), `holidays`, `ics`, `after_release` or `while_issues_open`';

export type ResolvedEntry = { kind: "dated"; start: number; end: number } | CalendarForm;

/**
 * One entry's form, or problems. `locate` places a field path (relative to the entry)
 * in the policy file; `fail` records a problem there.
 */
export function resolveCalendarForm(
  entry: CalendarEntryFields,
  zone: string,
  locate: (field: PropertyKey[]) => FieldLocation,
  fail: (field: PropertyKey[], message: string, suggestion?: string) => void,
): ResolvedEntry | null {
  const present = FORM_KEYS.filter((key) => entry[key] !== undefined);
  const special = present.filter((key) => key !== "rrule");
  if (special.length > 1 || (special.length === 1 && (entry.start !== undefined || entry.rrule !== undefined))) {
    const extra = special.length > 1 ? special[1]! : entry.rrule !== undefined ? "rrule" : "start";
    fail([extra], `an entry takes one form; this one has ${[...(entry.start === undefined ? [] : ["start"]), ...present].join(" and ")}`, "split it into two entries");
    return null;
  }
  if (special.length === 1) {
    const key = special[0]!;
    if (entry.end !== undefined || entry.duration !== undefined) {
      fail([entry.end !== undefined ? "end" : "duration"], `\`${entry.end !== undefined ? "end" : "duration"}\` belongs with \`start\`, not with \`${key}\``);
      return null;
    }
    if (key === "holidays") {
      const holidays = entry.holidays!;
      return {
        kind: "holidays",
        country: holidays.country,
        region: holidays.region ?? null,
        at: { country: locate(["holidays", "country"]), region: locate(["holidays", holidays.region === undefined ? "country" : "region"]) },
      };
    }
    if (key === "ics") {
      const path = entry.ics!.trim().replace(/^\.\//, "");
      if (path.startsWith("/") || path.split("/").includes("..")) {
        fail(["ics"], `"${entry.ics}" leaves the repository`, 'give a path from the repository root, e.g. ".github/changegate-holidays.ics"');
        return null;
      }
      return { kind: "ics", path, at: { ics: locate(["ics"]) } };
    }
    if (key === "after_release") {
      const release = entry.after_release!;
      const forMs = nominalMs(parseCalendarDuration(release.for)!);
      if (!checkDuration(forMs, ["after_release", "for"], fail)) return null;
      return { kind: "after_release", tags: release.tags, forMs, drafts: release.drafts, prereleases: release.prereleases };
    }
    const issues = entry.while_issues_open!;
    return { kind: "while_issues_open", labels: issues.labels, openedBy: issues.opened_by };
  }

  if (entry.start === undefined) {
    fail([], `missing a form: expected ${FORMS_TEXT}`, entry.rrule !== undefined ? 'add `start` (the first occurrence) and `duration`, e.g. start: "2026-01-02T15:00", duration: "9h"' : undefined);
    return null;
  }
  const start = parseDateTimeText(entry.start) as DateTimeText;
  if (entry.end !== undefined && entry.duration !== undefined) {
    fail(["duration"], "give `end` or `duration`, not both");
    return null;
  }
  if (entry.end === undefined && entry.duration === undefined) {
    fail(["start"], entry.rrule === undefined ? "missing `end` (or `duration`)" : "a recurring entry needs `duration`: how long each occurrence lasts", 'e.g. duration: "9h"');
    return null;
  }
  const startInstant = instantOfDateTimeText(start, zone);
  let duration: CalendarDuration;
  if (entry.end !== undefined) {
    const end = instantOfDateTimeText(parseDateTimeText(entry.end) as DateTimeText, zone);
    if (end <= startInstant) {
      fail(["end"], `end (${entry.end}) must be after start (${entry.start})`);
      return null;
    }
    if (entry.rrule === undefined) return { kind: "dated", start: startInstant, end };
    duration = { days: 0, ms: end - startInstant };
  } else {
    duration = parseCalendarDuration(entry.duration!)!;
    if (!checkDuration(nominalMs(duration), ["duration"], fail)) return null;
    if (entry.rrule === undefined) {
      // Whole days are calendar days in the zone; a start with its own offset has no zone to count them in.
      const end = start.offset === null ? instantOfWallTime({ ...start.wall, ...addDays(start.wall, duration.days) }, zone) + duration.ms : startInstant + nominalMs(duration);
      return { kind: "dated", start: startInstant, end };
    }
  }
  if (!checkDuration(nominalMs(duration), [entry.end !== undefined ? "end" : "duration"], fail)) return null;
  return { kind: "recurring", start, duration, rrule: entry.rrule, at: { rrule: locate(["rrule"]), start: locate(["start"]) } };
}

function checkDuration(ms: number, path: PropertyKey[], fail: (field: PropertyKey[], message: string, suggestion?: string) => void): boolean {
  if (ms <= 0) {
    fail(path, "a duration of zero: the entry would never be in effect", `give a length such as ${CALENDAR_DURATION_EXAMPLES}`);
    return false;
  }
  if (ms > MAX_DURATION_MS) {
    fail(path, "a duration over a year", "split it, or use a dated entry with `start` and `end`");
    return false;
  }
  return true;
}
