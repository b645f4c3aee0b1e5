import fc from "fast-check";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { parseIcs, type IcsEvent, type IcsTime } from "../../src/calendar/ics.js";

// ics.ts reads calendar files itself (ical.js read them before; it still writes the feed).
// ical.js is the reference here: the same events from any file a calendar app might export.

/** What ical.js makes of a file, in ics.ts's terms. */
function byIcalJs(text: string): Omit<IcsEvent, "line" | "places">[] {
  const root = new ICAL.Component(ICAL.parse(text) as unknown[]);
  const timeOf = (property: ICAL.Property, time: ICAL.Time): IcsTime => {
    const tzid = property.getParameter("tzid");
    const zone = typeof tzid === "string" && tzid !== "" ? tzid : time.zone?.tzid === "UTC" || (time as unknown as { timezone?: string }).timezone === "Z" ? "UTC" : null;
    return { wall: { year: time.year, month: time.month, day: time.day, hour: time.isDate ? 0 : time.hour, minute: time.isDate ? 0 : time.minute, second: time.isDate ? 0 : time.second }, zone, allDay: time.isDate };
  };
  const times = (vevent: ICAL.Component, name: string) =>
    vevent.getAllProperties(name).flatMap((property) => property.getValues().flatMap((value) => (value instanceof ICAL.Time ? [timeOf(property, value)] : [])));
  return root
    .getAllSubcomponents("vevent")
    .filter((vevent) => String(vevent.getFirstPropertyValue("status") ?? "").toUpperCase() !== "CANCELLED")
    .map((vevent) => {
      const start = vevent.getFirstProperty("dtstart")!;
      const end = vevent.getFirstProperty("dtend");
      const duration = vevent.getFirstPropertyValue("duration") as ICAL.Duration | null;
      const startTime = timeOf(start, start.getFirstValue() as ICAL.Time);
      const sign = duration?.isNegative ? -1 : 1;
      const recurrence = vevent.getFirstProperty("recurrence-id");
      const rrule = vevent.getFirstPropertyValue("rrule") as ICAL.Recur | null;
      return {
        uid: (vevent.getFirstPropertyValue("uid") as string | null) ?? null,
        summary: String(vevent.getFirstPropertyValue("summary") ?? "(no title)"),
        start: startTime,
        end: end === null ? null : timeOf(end, end.getFirstValue() as ICAL.Time),
        duration: end !== null ? { days: 0, ms: 0 } : duration !== null ? { days: sign * (duration.weeks * 7 + duration.days), ms: sign * ((duration.hours * 60 + duration.minutes) * 60 + duration.seconds) * 1000 } : { days: startTime.allDay ? 1 : 0, ms: 0 },
        rrule: rrule === null ? null : rrule.toString(),
        exdates: times(vevent, "exdate"),
        rdates: times(vevent, "rdate"),
        recurrenceId: recurrence === null ? null : timeOf(recurrence, recurrence.getFirstValue() as ICAL.Time),
      };
    });
}

/** Folds a content line at 75 octets as RFC 5545 (and calendar apps) do. */
function fold(line: string): string {
  const parts: string[] = [];
  for (let at = 0; at < line.length; at += parts.length === 0 ? 75 : 74) parts.push(line.slice(at, at + (parts.length === 0 ? 75 : 74)));
  return parts.join("\r\n ");
}

const escapeText = (text: string) => text.replace(/[\\;,]/g, (character) => `\\${character}`).replace(/\n/g, "\\n");
const two = (n: number) => String(n).padStart(2, "0");
const date = fc.record({ year: fc.integer({ min: 2024, max: 2030 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 28 }) }).map(({ year, month, day }) => `${year}${two(month)}${two(day)}`);
const dateTime = fc.tuple(date, fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 })).map(([day, h, m, s]) => `${day}T${two(h)}${two(m)}${two(s)}`);
/** A time property: an all-day date, a UTC time, a floating time or one in a TZID (quoted or not). */
const timeProperty = (name: string) =>
  fc.oneof(
    date.map((value) => `${name};VALUE=DATE:${value}`),
    dateTime.map((value) => `${name}:${value}Z`),
    dateTime.map((value) => `${name}:${value}`),
    fc.tuple(dateTime, fc.constantFrom("Europe/Berlin", "America/New_York", "Asia/Tokyo"), fc.boolean()).map(([value, zone, quoted]) => `${name};TZID=${quoted ? `"${zone}"` : zone}:${value}`),
  );
const text = fc.string({ unit: fc.constantFrom("a", "B", " ", ",", ";", "\\", "\n", ":", "é", "\"", "x"), maxLength: 120 });

const event = fc
  .record({
    uid: fc.option(fc.stringMatching(/^[a-z0-9]{1,12}@example\.com$/)),
    summary: fc.option(text),
    start: timeProperty("DTSTART"),
    end: fc.oneof(fc.constant(null), timeProperty("DTEND"), fc.constantFrom("DURATION:PT1H", "DURATION:P1D", "DURATION:P2W", "DURATION:PT90M", "DURATION:P1DT2H30M", "DURATION:PT45S", "DURATION:+PT2H")),
    rrule: fc.option(fc.constantFrom("FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=DAILY;COUNT=5", "FREQ=MONTHLY;BYMONTHDAY=-1;UNTIL=20281231T000000Z", "FREQ=YEARLY;INTERVAL=2")),
    exdates: fc.array(fc.oneof(fc.array(date, { minLength: 1, maxLength: 3 }).map((dates) => `EXDATE;VALUE=DATE:${dates.join(",")}`), dateTime.map((value) => `EXDATE;TZID=Europe/Berlin:${value}`)), { maxLength: 2 }),
    rdates: fc.array(fc.oneof(dateTime.map((value) => `RDATE:${value}Z`), fc.tuple(dateTime, dateTime).map(([a, b]) => `RDATE;VALUE=PERIOD:${a}Z/${b}Z`)), { maxLength: 2 }),
    recurrenceId: fc.option(timeProperty("RECURRENCE-ID")),
    status: fc.constantFrom(null, "CONFIRMED", "CANCELLED"),
    alarm: fc.boolean(),
    lowerCase: fc.boolean(),
  })
  .map((e) => {
    const lines = ["BEGIN:VEVENT"];
    if (e.uid !== null) lines.push(`UID:${e.uid}`);
    if (e.summary !== null) lines.push(`SUMMARY:${escapeText(e.summary)}`);
    lines.push(e.start);
    if (e.end !== null) lines.push(e.end);
    if (e.rrule !== null) lines.push(`RRULE:${e.rrule}`);
    lines.push(...e.exdates, ...e.rdates);
    if (e.recurrenceId !== null) lines.push(e.recurrenceId);
    if (e.status !== null) lines.push(`STATUS:${e.status}`);
    // A component inside the event: its properties are the alarm's, not the event's.
    if (e.alarm) lines.push("BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:soon", "TRIGGER:-PT15M", "DURATION:PT5M", "END:VALARM");
    lines.push("END:VEVENT");
    return e.lowerCase ? lines.map((line) => line.replace(/^[A-Z-]+/, (name) => name.toLowerCase())) : lines;
  });

const calendar = fc.array(event, { minLength: 1, maxLength: 6 }).map((events) => ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", ...events.flat(), "END:VCALENDAR", ""].map(fold).join("\r\n"));

describe("calendar files, read without ical.js", () => {
  it("give ical.js's events for any file: dates, zones, durations, rules, exceptions, escaped text, folded lines", () => {
    fc.assert(
      fc.property(calendar, (file) => {
        const parsed = parseIcs(file, null);
        expect(parsed.ok, file).toBe(true);
        if (!parsed.ok) return;
        const ours = parsed.events.map(({ line: _line, places: _places, ...event }) => ({ ...event, rrule: event.rrule === null ? null : ICAL.Recur.fromString(event.rrule).toString() }));
        expect(ours, file).toEqual(byIcalJs(file));
      }),
      { numRuns: 400 },
    );
  });

  it("name the line and column of a value that is no date, no duration", () => {
    const file = (line: string) => ["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", "UID:a@b", line, "END:VEVENT", "END:VCALENDAR", ""].join("\r\n");
    expect(parseIcs(file("DTSTART:20261340T090000"), null)).toMatchObject({ ok: false, line: 5, column: 9, message: "DTSTART 20261340T090000: expected a date YYYYMMDD or a date-time YYYYMMDDTHHMMSS (Z for UTC)" });
    expect(parseIcs(file("DTSTART;VALUE=DATE:2026-12-24"), null)).toMatchObject({ ok: false, line: 5, column: 20 });
    expect(parseIcs(file("DTSTART:20261224T090000\r\nDURATION:1 hour"), null)).toMatchObject({ ok: false, line: 6, column: 10, message: expect.stringContaining("DURATION 1 hour: expected an RFC 5545 duration") });
    expect(parseIcs(file("DTSTART:20261224T090000\r\nDURATION:PT"), null)).toMatchObject({ ok: false, line: 6 });
    expect(parseIcs(file("DTSTART:20261224T090000\r\nDURATION:-PT1H"), null)).toMatchObject({ ok: false, line: 6, column: 10, message: "a negative DURATION" });
    expect(parseIcs(file("SUMMARY:no start"), null)).toMatchObject({ ok: false, line: 3, message: "a VEVENT without DTSTART" });
  });

  it("ask for the Windows zone table only when a TZID is no IANA zone", () => {
    const file = (zone: string) => ["BEGIN:VCALENDAR", "BEGIN:VEVENT", `DTSTART;TZID=${zone}:20261224T090000`, "END:VEVENT", "END:VCALENDAR", ""].join("\r\n");
    expect(parseIcs(file("Europe/Berlin"), null)).toMatchObject({ ok: true });
    expect(parseIcs(file("W. Europe Standard Time"), null)).toEqual({ ok: false, library: "windows-zones" });
    const mapped = parseIcs(file("W. Europe Standard Time"), (name) => (name === "W. Europe Standard Time" ? "Europe/Berlin" : undefined));
    expect(mapped.ok && mapped.events[0]!.start.zone).toBe("Europe/Berlin");
    expect(parseIcs(file("Mars/Olympus"), () => undefined)).toMatchObject({ ok: false, line: 3, column: 14, message: 'TZID "Mars/Olympus" is neither an IANA nor a Windows time zone' });
  });
});
