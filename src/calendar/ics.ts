import ICAL from "ical.js";
import type { CalendarDuration } from "../engine/calendar-forms.js";
import { isKnownZone, knownZones, type WallTime } from "../engine/wall-clock.js";
import { nearestName } from "../engine/problems.js";
import { MAX_ICS_BYTES, MAX_ICS_EVENTS } from "./limits.js";

/**
 * iCalendar files (RFC 5545) as a company calendar app exports them, parsed by ical.js
 * (Mozilla's parser, used by Thunderbird: maintained, no dependencies, ES modules, and
 * RFC 5545 writing with folding and CRLF too, which `changegate calendar --ics` uses).
 * A TZID is an IANA zone, or a Windows one as Outlook writes them (mapped by windows-zones.ts,
 * given only to a file that needs it).
 * node-ical was passed over because it brings moment-timezone and its own rrule copy, and
 * ical-expander because it expands with ical.js's zone handling, which needs VTIMEZONE
 * blocks; here each VEVENT becomes plain data (wall-clock start in its TZID, duration,
 * RRULE text, EXDATEs) that changegate expands with its own rules, like a policy's `rrule`.
 *
 * ical.js does not say on which line or column a file is malformed, so a structural pass
 * over the unfolded content lines comes first and names both, and notes where each event's
 * properties are, so that a problem with one of them (a TZID, a DTEND before the start, an
 * RRULE) points at its value.
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
  const structure = checkStructure(text);
  if (!structure.ok) return structure;
  let root: ICAL.Component;
  try {
    root = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch (error) {
    const message = (error as Error).message;
    // ical.js names no column (nor line): the line is found from the text it quotes.
    return { ok: false, line: lineOfMessage(text, message), column: null, message: `not a valid iCalendar file: ${message}` };
  }
  if (root.name !== "vcalendar") return { ok: false, line: 1, column: 1, message: "expected BEGIN:VCALENDAR", suggestion: "export the calendar as an .ics file" };
  const vevents = root.getAllSubcomponents("vevent");
  if (vevents.length > MAX_ICS_EVENTS) return { ok: false, line: null, column: null, message: `more than ${MAX_ICS_EVENTS} events`, suggestion: "export a shorter range" };
  const events: IcsEvent[] = [];
  for (const [index, vevent] of vevents.entries()) {
    const found = structure.events[index] ?? { line: 0, places: {} };
    if (String(vevent.getFirstPropertyValue("status") ?? "").toUpperCase() === "CANCELLED") continue;
    const converted = convertEvent(vevent, found.line, found.places, windowsZones);
    if ("library" in converted) return { ok: false, library: converted.library };
    if ("message" in converted) return { ok: false, line: converted.line, column: converted.column, message: converted.message, ...(converted.suggestion ? { suggestion: converted.suggestion } : {}) };
    events.push(converted);
  }
  return { ok: true, events };
}

type Failure = (IcsPlace & { message: string; suggestion?: string }) | { library: "windows-zones" };

function convertEvent(vevent: ICAL.Component, line: number, places: Record<string, IcsPlace>, windowsZones: WindowsZones | null): IcsEvent | Failure {
  const at = (name: string): IcsPlace => places[name] ?? { line, column: 1 };
  const timeOf = (property: ICAL.Property, time: ICAL.Time, at: (name: string) => IcsPlace) => timeIn(property, time, at, windowsZones);
  const startProperty = vevent.getFirstProperty("dtstart");
  if (startProperty === null) return { line, column: 1, message: "a VEVENT without DTSTART", suggestion: "every event needs a start" };
  const start = timeOf(startProperty, startProperty.getFirstValue() as ICAL.Time, at);
  if (!("wall" in start)) return start;
  let duration: CalendarDuration = { days: 0, ms: 0 };
  let end: IcsTime | null = null;
  const endProperty = vevent.getFirstProperty("dtend");
  const durationValue = vevent.getFirstPropertyValue("duration") as ICAL.Duration | null;
  if (endProperty !== null) {
    const time = timeOf(endProperty, endProperty.getFirstValue() as ICAL.Time, at);
    if (!("wall" in time)) return time;
    end = time;
  } else if (durationValue !== null) {
    const sign = durationValue.isNegative ? -1 : 1;
    duration = { days: sign * (durationValue.weeks * 7 + durationValue.days), ms: sign * ((durationValue.hours * 60 + durationValue.minutes) * 60 + durationValue.seconds) * 1000 };
  } else {
    // RFC 5545: a date's event lasts the day; a date-time's with no end is an instant.
    duration = { days: start.allDay ? 1 : 0, ms: 0 };
  }
  if (duration.days < 0 || duration.ms < 0) return { ...at("duration"), message: "a negative DURATION", suggestion: "check the event's end" };
  const rrule = vevent.getFirstPropertyValue("rrule") as ICAL.Recur | null;
  const times = (name: string): IcsTime[] | Failure => {
    const out: IcsTime[] = [];
    for (const property of vevent.getAllProperties(name)) {
      for (const value of property.getValues()) {
        if (!(value instanceof ICAL.Time)) continue;
        const time = timeOf(property, value, at);
        if (!("wall" in time)) return time;
        out.push(time);
      }
    }
    return out;
  };
  const exdates = times("exdate");
  if (!Array.isArray(exdates)) return exdates;
  const rdates = times("rdate");
  if (!Array.isArray(rdates)) return rdates;
  const recurrence = vevent.getFirstProperty("recurrence-id");
  let recurrenceId: IcsTime | null = null;
  if (recurrence !== null) {
    const time = timeOf(recurrence, recurrence.getFirstValue() as ICAL.Time, at);
    if (!("wall" in time)) return time;
    recurrenceId = time;
  }
  return {
    line,
    places,
    uid: (vevent.getFirstPropertyValue("uid") as string | null) ?? null,
    summary: String(vevent.getFirstPropertyValue("summary") ?? "(no title)"),
    start,
    end,
    duration,
    rrule: rrule === null ? null : rrule.toString(),
    exdates,
    rdates,
    recurrenceId,
  };
}

function timeIn(property: ICAL.Property, time: ICAL.Time, at: (name: string) => IcsPlace, windowsZones: WindowsZones | null): IcsTime | Failure {
  const wall = { year: time.year, month: time.month, day: time.day, hour: time.isDate ? 0 : time.hour, minute: time.isDate ? 0 : time.minute, second: time.isDate ? 0 : time.second };
  const tzid = property.getParameter("tzid");
  let zone: string | null = null;
  if (typeof tzid === "string" && tzid !== "") {
    const name = tzid.replace(/^\/+/, "");
    // Outlook and Exchange export Windows zone names ("W. Europe Standard Time"): CLDR's table (windows-iana) names the IANA zone.
    if (!isKnownZone(name) && windowsZones === null) return { library: "windows-zones" };
    const windows = isKnownZone(name) ? undefined : windowsZones!(name);
    if (!isKnownZone(name) && (windows === undefined || !isKnownZone(windows))) {
      const near = nearestName(name, knownZones());
      return { ...at(`${property.name};tzid`), message: `TZID "${tzid}" is neither an IANA nor a Windows time zone`, suggestion: near ? `did you mean "${near}"?` : 'use IANA names such as "Europe/Berlin" in TZID' };
    }
    zone = windows ?? name;
  } else if (time.zone?.tzid === "UTC" || (time as unknown as { timezone?: string }).timezone === "Z") {
    zone = "UTC";
  }
  return { wall, zone, allDay: time.isDate };
}

type Structure = { ok: true; events: { line: number; places: Record<string, IcsPlace> }[] } | ({ ok: false; message: string; suggestion?: string } & IcsPlace);

/**
 * Unfolds content lines (a line starting with a space or tab continues the previous) and
 * checks NAME[;PARAM=VALUE]:VALUE and BEGIN/END nesting, naming the line and column where a
 * line stops fitting; notes where each event's properties are.
 */
function checkStructure(text: string): Structure {
  const physical = text.split(/\r?\n/);
  const stack: { name: string; line: number }[] = [];
  const events: { line: number; places: Record<string, IcsPlace> }[] = [];
  let sawCalendar = false;
  for (let index = 0; index < physical.length; index++) {
    const raw = physical[index]!;
    if (raw === "" || /^[ \t]/.test(raw)) {
      if (raw !== "" && index === 0) return { ok: false, line: 1, column: 1, message: "the file starts with a continuation line", suggestion: "it should start with BEGIN:VCALENDAR" };
      continue;
    }
    // The logical line, and where each of its characters stands in the file.
    let logical = raw;
    const segments = [{ line: index + 1, from: 0, column: 1 }];
    for (let next = index + 1; next < physical.length && /^[ \t]/.test(physical[next]!); next++) {
      segments.push({ line: next + 1, from: logical.length, column: 2 });
      logical += physical[next]!.slice(1);
    }
    const place = (offset: number): IcsPlace => {
      const segment = [...segments].reverse().find((candidate) => candidate.from <= offset)!;
      return { line: segment.line, column: segment.column + offset - segment.from };
    };
    const line = index + 1;
    const parsed = contentLine(logical);
    if ("broken" in parsed) {
      return { ok: false, ...place(parsed.broken), message: `expected a content line NAME[;PARAM=VALUE]:VALUE, got "${logical.slice(0, 60)}"`, suggestion: "a long line continues on the next line only when that one starts with a space" };
    }
    const name = parsed.name.toUpperCase();
    const value = logical.slice(parsed.colon + 1).trim().toUpperCase();
    const valuePlace = place(parsed.colon + 1);
    if (name === "BEGIN") {
      if (stack.length === 0 && value !== "VCALENDAR") return { ok: false, ...valuePlace, message: `BEGIN:${value} outside a VCALENDAR`, suggestion: "the file should start with BEGIN:VCALENDAR" };
      if (stack.length === 0) sawCalendar = true;
      stack.push({ name: value, line });
      if (value === "VEVENT") events.push({ line, places: {} });
    } else if (name === "END") {
      const open = stack.pop();
      if (open === undefined) return { ok: false, ...valuePlace, message: `END:${value} without a BEGIN` };
      if (open.name !== value) return { ok: false, ...valuePlace, message: `END:${value} closes BEGIN:${open.name} of line ${open.line}`, suggestion: `expected END:${open.name}` };
    } else if (stack.length === 0) {
      return { ok: false, line, column: 1, message: `${name} outside BEGIN:VCALENDAR ... END:VCALENDAR` };
    } else if (stack[stack.length - 1]!.name === "VEVENT") {
      const places = events[events.length - 1]!.places;
      const key = name.toLowerCase();
      places[key] ??= valuePlace;
      for (const parameter of parsed.parameters) places[`${key};${parameter.name.toLowerCase()}`] ??= place(parameter.at);
    }
  }
  if (!sawCalendar) return { ok: false, line: 1, column: 1, message: "no BEGIN:VCALENDAR", suggestion: "export the calendar as an .ics file" };
  if (stack.length > 0) return { ok: false, line: stack[stack.length - 1]!.line, column: 1, message: `BEGIN:${stack[stack.length - 1]!.name} is never closed`, suggestion: `add END:${stack[stack.length - 1]!.name}` };
  return { ok: true, events };
}

/**
 * A logical content line read as NAME *(";" PARAM "=" VALUE *("," VALUE)) ":" VALUE (RFC
 * 5545 3.1): its name, its parameters (each with the offset of its value) and the offset of
 * the colon; or the offset of the first character that does not fit.
 */
function contentLine(logical: string): { name: string; parameters: { name: string; at: number }[]; colon: number } | { broken: number } {
  const token = (from: number) => /^[A-Za-z0-9-]*/.exec(logical.slice(from))![0];
  const name = token(0);
  if (name === "") return { broken: 0 };
  const parameters: { name: string; at: number }[] = [];
  let at = name.length;
  while (logical[at] === ";") {
    const parameter = token(at + 1);
    if (parameter === "") return { broken: at + 1 };
    at += 1 + parameter.length;
    if (logical[at] !== "=") return { broken: at };
    parameters.push({ name: parameter, at: at + 1 });
    for (at++; ; at++) {
      if (logical[at] === '"') {
        const close = logical.indexOf('"', at + 1);
        if (close === -1) return { broken: at };
        at = close + 1;
      } else {
        at += /^[^";:,]*/.exec(logical.slice(at))![0].length;
      }
      if (logical[at] !== ",") break;
    }
  }
  return logical[at] === ":" ? { name, parameters, colon: at } : { broken: at };
}

/** ical.js quotes the offending line in its messages: find it. */
function lineOfMessage(text: string, message: string): number | null {
  const quoted = /'([^']{3,})'|"([^"]{3,})"/.exec(message);
  const needle = quoted?.[1] ?? quoted?.[2];
  if (needle === undefined) return null;
  const index = text.split(/\r?\n/).findIndex((line) => line.includes(needle.slice(0, 40)));
  return index === -1 ? null : index + 1;
}
