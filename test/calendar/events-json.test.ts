import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { calendarEventsJsonText, type CalendarEvent } from "../../src/calendar/events.js";

/** What `calendar --json` printed before it wrote its text directly: the object form, stringified. */
function stringified(events: readonly CalendarEvent[]): string {
  const objects = events.map((event) => ({
    kind: event.kind,
    name: event.name,
    start: new Date(event.start).toISOString(),
    end: new Date(event.end).toISOString(),
    ...(event.issue === undefined ? {} : { issue: event.issue.url }),
    ...(event.untilClosed ? { until_closed: true } : {}),
  }));
  return `${JSON.stringify(objects, null, 2)}\n`;
}

// Before 1970 too: a negative day number and a time of day counted from its start.
const instant = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2200, 0, 1) });
const event: fc.Arbitrary<CalendarEvent> = fc
  .record({
    kind: fc.constantFrom("freeze" as const, "blackout" as const, "window" as const),
    // Quotes, backslashes, control characters, astral and lone surrogates: all escaped as JSON escapes them.
    name: fc.oneof(fc.string({ unit: "binary" }), fc.constantFrom('say "hi"\\', "tab\there\nline", "\u2028\u2029", "\ud800", "🎄 Weihnachten")),
    start: instant,
    length: fc.integer({ min: 0, max: 40 * 86_400_000 }),
    issue: fc.option(fc.record({ number: fc.nat(), title: fc.string(), url: fc.webUrl(), author: fc.string() }), { nil: undefined }),
    untilClosed: fc.option(fc.constant(true), { nil: undefined }),
  })
  .map(({ length, issue, untilClosed, ...rest }) => ({ ...rest, end: rest.start + length, ...(issue === undefined ? {} : { issue }), ...(untilClosed === undefined ? {} : { untilClosed }) }));

describe("calendar --json's text", () => {
  it("is what JSON.stringify(list, null, 2) writes for the object form, for any events", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), (events) => {
        expect(calendarEventsJsonText(events)).toBe(stringified(events));
      }),
      { numRuns: 300 },
    );
  });

  it("is an empty list for no events, and parses back to the events", () => {
    expect(calendarEventsJsonText([])).toBe("[]\n");
    const events: CalendarEvent[] = [{ kind: "freeze", name: 'a "b"', start: Date.UTC(2026, 0, 1), end: Date.UTC(2026, 0, 2), issue: { number: 7, title: "t", url: "https://github.com/o/r/issues/7", author: "x" }, untilClosed: true }];
    expect(JSON.parse(calendarEventsJsonText(events))).toEqual([{ kind: "freeze", name: 'a "b"', start: "2026-01-01T00:00:00.000Z", end: "2026-01-02T00:00:00.000Z", issue: "https://github.com/o/r/issues/7", until_closed: true }]);
  });
});
