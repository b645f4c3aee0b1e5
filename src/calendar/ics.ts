import { parseIsoDuration, type CalendarDuration } from "../engine/calendar-forms.js";
import { isKnownZone, knownZones, type WallTime } from "../engine/wall-clock.js";
import { nearestName } from "../engine/problems.js";
import { MAX_ICS_BYTES, MAX_ICS_EVENTS } from "./limits.js";

/**
 * iCalendar files (RFC 5545) as a company calendar app exports them, read here: the
 * content lines, and the values of the few properties a blackout needs (DTSTART, DTEND,
 * DURATION, RRULE, EXDATE, RDATE, RECURRENCE-ID, UID, SUMMARY, STATUS). ical.js
 * (Mozilla's parser, used by Thunderbird) writes `changegate calendar --ics` (feed.ts) and
 * read these files before: its objects for every property and value cost a cold `changegate
 * calendar` ~7 ms over the calendar benchmark's 200-event file (issue 13), and it names no
 * line or column when a file is malformed, so a pass of changegate's own read every line
 * before it anyway. test/calendar/ics.test.ts holds the two readers alike over generated files.
 * A TZID is an IANA zone, or a Windows one as Outlook writes them (mapped by windows-zones.ts,
 * given only to a file that needs it).
 * node-ical was passed over because it brings moment-timezone and its own rrule copy, and
 * ical-expander because it expands with ical.js's zone handling, which needs VTIMEZONE
 * blocks; here each VEVENT becomes plain data (wall-clock start in its TZID, duration,
 * RRULE text, EXDATEs) that changegate expands with its own rules, like a policy's `rrule`.
 *
 * Every problem names its line and column: where a content line stops fitting, or the
 * value or parameter at fault (a TZID, a date, a DTEND before the start, an RRULE).
 */

export interface IcsTime {
  wall: WallTime;
  /** The IANA zone of its TZID, "UTC" for a `Z` time, null for floating time (the policy's zone). */
  zone: string | null;
  allDay: boolean;
}

/** A place in the file, 1-based, as an editor shows it (a folded line's continuation counts as its own line). */
export interface IcsPlace {
  line: number;
  column: number;
}

export interface IcsEvent {
  /** The line of its BEGIN:VEVENT. */
  line: number;
  /** Where its properties' values are ("dtend", "rrule", …) and their parameters ("dtstart;tzid"): the first of each name. */
  places: Record<string, IcsPlace>;
  uid: string | null;
  summary: string;
  start: IcsTime;
  /** DTEND, when the event has one; else `duration` (DURATION, or RFC 5545's default). */
  end: IcsTime | null;
  duration: CalendarDuration;
  rrule: string | null;
  exdates: IcsTime[];
  rdates: IcsTime[];
  /** A changed instance of a series: the original start it replaces. */
  recurrenceId: IcsTime | null;
}

export type IcsResult =
  | { ok: true; events: IcsEvent[] }
  | { ok: false; line: number | null; column: number | null; message: string; suggestion?: string }
  /** A TZID that is no IANA zone, with no Windows zone table given: parse again with it. */
  | { ok: false; library: "windows-zones" };

/** A Windows zone's IANA name (windows-zones.ts). */
export type WindowsZones = (name: string) => string | undefined;

export function parseIcs(text: string, windowsZones: WindowsZones | null): IcsResult {
  if (Buffer.byteLength(text, "utf8") > MAX_ICS_BYTES) {
    return { ok: false, line: null, column: null, message: `the file is over ${MAX_ICS_BYTES / 1024} KiB`, suggestion: "export a shorter range, or split it into several files" };
  }
  const structure = readStructure(text);
  if (!structure.ok) return structure;
  if (structure.events.length > MAX_ICS_EVENTS) return { ok: false, line: null, column: null, message: `more than ${MAX_ICS_EVENTS} events`, suggestion: "export a shorter range" };
  const events: IcsEvent[] = [];
  for (const found of structure.events) {
    if ((found.properties.get("STATUS")?.[0]?.value ?? "").trim().toUpperCase() === "CANCELLED") continue;
    const converted = convertEvent(found, windowsZones);
    if ("library" in converted) return { ok: false, library: converted.library };
    if ("message" in converted) return { ok: false, line: converted.line, column: converted.column, message: converted.message, ...(converted.suggestion ? { suggestion: converted.suggestion } : {}) };
    events.push(converted);
  }
  return { ok: true, events };
}

type Failure = (IcsPlace & { message: string; suggestion?: string }) | { library: "windows-zones" };

/** One content line of a VEVENT: its parameters (names upper-case, values unquoted) and its value, with where each is. */
interface Property {
  name: string;
  parameters: Map<string, { value: string; at: IcsPlace }>;
  value: string;
  at: IcsPlace;
}

interface FoundEvent {
  line: number;
  places: Record<string, IcsPlace>;
  /** By upper-case name, in file order. */
  properties: Map<string, Property[]>;
}

function convertEvent(found: FoundEvent, windowsZones: WindowsZones | null): IcsEvent | Failure {
  const { line, places, properties } = found;
  const first = (name: string): Property | undefined => properties.get(name)?.[0];
  const startProperty = first("DTSTART");
  if (startProperty === undefined) return { line, column: 1, message: "a VEVENT without DTSTART", suggestion: "every event needs a start" };
  const start = timeOf(startProperty, startProperty.value.trim(), windowsZones);
  if (!("wall" in start)) return start;
  let duration: CalendarDuration = { days: 0, ms: 0 };
  let end: IcsTime | null = null;
  const endProperty = first("DTEND");
  const durationProperty = first("DURATION");
  if (endProperty !== undefined) {
    const time = timeOf(endProperty, endProperty.value.trim(), windowsZones);
    if (!("wall" in time)) return time;
    end = time;
  } else if (durationProperty !== undefined) {
    const parsed = durationOf(durationProperty.value.trim());
    if (parsed === null) return { ...durationProperty.at, message: `DURATION ${durationProperty.value.trim()}: expected an RFC 5545 duration such as PT1H30M, P1D or P2W`, suggestion: "or give DTEND instead" };
    duration = parsed;
  } else {
    // RFC 5545: a date's event lasts the day; a date-time's with no end is an instant.
    duration = { days: start.allDay ? 1 : 0, ms: 0 };
  }
  if (duration.days < 0 || duration.ms < 0) return { ...(durationProperty?.at ?? { line, column: 1 }), message: "a negative DURATION", suggestion: "check the event's end" };
  const times = (name: string): IcsTime[] | Failure => {
    const out: IcsTime[] = [];
    for (const property of properties.get(name) ?? []) {
      // A PERIOD (start/end) RDATE names no single start here, as before: skipped.
      if (property.parameters.get("VALUE")?.value.toUpperCase() === "PERIOD") continue;
      for (const value of property.value.split(",")) {
        if (value.includes("/")) continue;
        const time = timeOf(property, value.trim(), windowsZones);
        if (!("wall" in time)) return time;
        out.push(time);
      }
    }
    return out;
  };
  const exdates = times("EXDATE");
  if (!Array.isArray(exdates)) return exdates;
  const rdates = times("RDATE");
  if (!Array.isArray(rdates)) return rdates;
  const recurrence = first("RECURRENCE-ID");
  let recurrenceId: IcsTime | null = null;
  if (recurrence !== undefined) {
    const time = timeOf(recurrence, recurrence.value.trim(), windowsZones);
    if (!("wall" in time)) return time;
    recurrenceId = time;
  }
  const uid = first("UID");
  const summary = first("SUMMARY");
  const rrule = first("RRULE");
  return {
    line,
    places,
    uid: uid === undefined ? null : unescapeText(uid.value),
    summary: summary === undefined ? "(no title)" : unescapeText(summary.value),
    start,
    end,
    duration,
    rrule: rrule === undefined ? null : rrule.value.trim(),
    exdates,
    rdates,
    recurrenceId,
  };
}

const DATE_TIME = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/i;

/** A DATE (20261113) or DATE-TIME (20261113T090000, Z: UTC) value, in its property's TZID. */
function timeOf(property: Property, value: string, windowsZones: WindowsZones | null): IcsTime | Failure {
  const match = DATE_TIME.exec(value);
  // Made only when it is the answer: a file's every date goes through here (issue 13).
  const expected = (): Failure => ({ ...property.at, message: `${property.name} ${value}: expected a date YYYYMMDD or a date-time YYYYMMDDTHHMMSS (Z for UTC)`, suggestion: "e.g. DTSTART;VALUE=DATE:20261224 or DTSTART;TZID=Europe/Berlin:20261224T090000" });
  if (match === null) return expected();
  const allDay = match[4] === undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = allDay ? 0 : Number(match[4]);
  const minute = allDay ? 0 : Number(match[5]);
  const second = allDay ? 0 : Number(match[6]);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate() || hour > 23 || minute > 59 || second > 60) return expected();
  const wall = { year, month, day, hour, minute, second: Math.min(second, 59) };
  const tzid = property.parameters.get("TZID");
  let zone: string | null = null;
  if (tzid !== undefined && tzid.value !== "") {
    const name = tzid.value.replace(/^\/+/, "");
    if (!isKnownZone(name) && windowsZones === null) return { library: "windows-zones" };
    // Outlook and Exchange export Windows zone names ("W. Europe Standard Time"): CLDR's table (windows-zones.ts) names the IANA zone.
    const windows = isKnownZone(name) ? undefined : windowsZones!(name);
    if (!isKnownZone(name) && (windows === undefined || !isKnownZone(windows))) {
      const near = nearestName(name, knownZones());
      return { ...tzid.at, message: `TZID "${tzid.value}" is neither an IANA nor a Windows time zone`, suggestion: near ? `did you mean "${near}"?` : 'use IANA names such as "Europe/Berlin" in TZID' };
    }
    zone = windows ?? name;
  } else if (match[7] !== undefined && match[7] !== "") {
    zone = "UTC";
  }
  return { wall, zone, allDay };
}

/** RFC 5545 3.3.6: ISO 8601's duration with a sign ([+-]PT1H30M, P1D, P2W); null when it is none of these. */
function durationOf(value: string): CalendarDuration | null {
  const sign = value.startsWith("-") ? -1 : 1;
  const duration = parseIsoDuration(value.replace(/^[+-]/, ""));
  return duration === null ? null : { days: sign * duration.days, ms: sign * duration.ms };
}

/** TEXT values' escapes (RFC 5545 3.3.11): \\ \; \, and \n. */
function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_, character: string) => (character === "n" || character === "N" ? "\n" : character));
}

/** Where a folded line's part begins: its physical line, its offset in the logical line, the column there. */
interface Segment {
  line: number;
  from: number;
  column: number;
}

/** Where a logical line's character `offset` stands in the file. */
function placeIn(segments: readonly Segment[] | null, line: number, offset: number): IcsPlace {
  if (segments === null) return { line, column: 1 + offset };
  let segment = segments[0]!;
  for (const candidate of segments) if (candidate.from <= offset) segment = candidate;
  return { line: segment.line, column: segment.column + offset - segment.from };
}

type Structure = { ok: true; events: FoundEvent[] } | ({ ok: false; message: string; suggestion?: string } & IcsPlace);

/**
 * Unfolds content lines (a line starting with a space or tab continues the previous) and
 * reads each as NAME[;PARAM=VALUE]:VALUE with BEGIN/END nesting, naming the line and column
 * where a line stops fitting; keeps each event's properties (not those of a component inside
 * it, such as a VALARM) with where they are.
 */
function readStructure(text: string): Structure {
  const physical = text.split(/\r?\n/);
  const stack: { name: string; line: number }[] = [];
  const events: FoundEvent[] = [];
  let sawCalendar = false;
  for (let index = 0; index < physical.length; index++) {
    const raw = physical[index]!;
    if (raw === "" || raw[0] === " " || raw[0] === "\t") {
      if (raw !== "" && index === 0) return { ok: false, line: 1, column: 1, message: "the file starts with a continuation line", suggestion: "it should start with BEGIN:VCALENDAR" };
      continue;
    }
    // The logical line, and where each of its characters stands in the file (segments: only for a folded line).
    let logical = raw;
    let segments: Segment[] | null = null;
    for (let next = index + 1; next < physical.length && (physical[next]![0] === " " || physical[next]![0] === "\t"); next++) {
      segments ??= [{ line: index + 1, from: 0, column: 1 }];
      segments.push({ line: next + 1, from: logical.length, column: 2 });
      logical += physical[next]!.slice(1);
    }
    const line = index + 1;
    const place = (offset: number): IcsPlace => placeIn(segments, line, offset);
    const parsed = contentLine(logical);
    if ("broken" in parsed) {
      return { ok: false, ...place(parsed.broken), message: `expected a content line NAME[;PARAM=VALUE]:VALUE, got "${logical.slice(0, 60)}"`, suggestion: "a long line continues on the next line only when that one starts with a space" };
    }
    const name = parsed.name.toUpperCase();
    const rawValue = logical.slice(parsed.colon + 1);
    const value = name === "BEGIN" || name === "END" ? rawValue.trim().toUpperCase() : "";
    const valuePlace = place(parsed.colon + 1);
    if (name === "BEGIN") {
      if (stack.length === 0 && value !== "VCALENDAR") return { ok: false, ...valuePlace, message: `BEGIN:${value} outside a VCALENDAR`, suggestion: "the file should start with BEGIN:VCALENDAR" };
      if (stack.length === 0) sawCalendar = true;
      stack.push({ name: value, line });
      if (value === "VEVENT") events.push({ line, places: {}, properties: new Map() });
    } else if (name === "END") {
      const open = stack.pop();
      if (open === undefined) return { ok: false, ...valuePlace, message: `END:${value} without a BEGIN` };
      if (open.name !== value) return { ok: false, ...valuePlace, message: `END:${value} closes BEGIN:${open.name} of line ${open.line}`, suggestion: `expected END:${open.name}` };
    } else if (stack.length === 0) {
      return { ok: false, line, column: 1, message: `${name} outside BEGIN:VCALENDAR ... END:VCALENDAR` };
    } else if (stack[stack.length - 1]!.name === "VEVENT") {
      const event = events[events.length - 1]!;
      const key = name.toLowerCase();
      event.places[key] ??= valuePlace;
      const parameters = new Map<string, { value: string; at: IcsPlace }>();
      for (const parameter of parsed.parameters) {
        const at = place(parameter.at);
        event.places[`${key};${parameter.name.toLowerCase()}`] ??= at;
        parameters.set(parameter.name.toUpperCase(), { value: parameter.value, at });
      }
      const list = event.properties.get(name) ?? [];
      list.push({ name, parameters, value: rawValue, at: valuePlace });
      event.properties.set(name, list);
    }
  }
  if (!sawCalendar) return { ok: false, line: 1, column: 1, message: "no BEGIN:VCALENDAR", suggestion: "export the calendar as an .ics file" };
  if (stack.length > 0) return { ok: false, line: stack[stack.length - 1]!.line, column: 1, message: `BEGIN:${stack[stack.length - 1]!.name} is never closed`, suggestion: `add END:${stack[stack.length - 1]!.name}` };
  return { ok: true, events };
}

// Sticky patterns, their lastIndex set before each use (one per module, not one per line).
const NAME = /[A-Za-z0-9-]*/y;
const PLAIN = /[^";:,]*/y;

/**
 * A logical content line read as NAME *(";" PARAM "=" VALUE *("," VALUE)) ":" VALUE (RFC
 * 5545 3.1): its name, its parameters (each with its value, quotes taken off, and the offset
 * of that value) and the offset of the colon; or the offset of the first character that does
 * not fit.
 */
function contentLine(logical: string): { name: string; parameters: { name: string; value: string; at: number }[]; colon: number } | { broken: number } {
  const token = (pattern: RegExp, from: number) => {
    pattern.lastIndex = from;
    return pattern.exec(logical)![0];
  };
  const name = token(NAME, 0);
  if (name === "") return { broken: 0 };
  const parameters: { name: string; value: string; at: number }[] = [];
  let at = name.length;
  while (logical[at] === ";") {
    const parameter = token(NAME, at + 1);
    if (parameter === "") return { broken: at + 1 };
    at += 1 + parameter.length;
    if (logical[at] !== "=") return { broken: at };
    const valueAt = at + 1;
    const values: string[] = [];
    for (at++; ; at++) {
      if (logical[at] === '"') {
        const close = logical.indexOf('"', at + 1);
        if (close === -1) return { broken: at };
        values.push(logical.slice(at + 1, close));
        at = close + 1;
      } else {
        const plain = token(PLAIN, at);
        values.push(plain);
        at += plain.length;
      }
      if (logical[at] !== ",") break;
    }
    parameters.push({ name: parameter, value: values.join(","), at: valueAt });
  }
  return logical[at] === ":" ? { name, parameters, colon: at } : { broken: at };
}

