import fc from "fast-check";
import { RRule } from "rrule";
import { describe, expect, it } from "vitest";
import { simpleRule } from "../../src/calendar/simple-rule.js";

// simple-rule.ts expands the common rules itself; rrule (what every other rule still goes
// through) is the reference: the same occurrences for any rule, start and range.
const DAY = 86_400_000;
const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

function byRrule(body: string, dtstart: number) {
  const options = RRule.parseString(body);
  const rule = new RRule({ ...options, dtstart: new Date(dtstart), tzid: null });
  return {
    // Told to stop at `to` (rrule walks on to year 9999 looking for one past it otherwise): the same occurrences up to it.
    between: (from: number, to: number) => {
      const until = Math.min(options.until?.getTime() ?? Infinity, to);
      return new RRule({ ...options, dtstart: new Date(dtstart), tzid: null, until: new Date(until) }).between(new Date(from), new Date(to), true).map((date) => date.getTime());
    },
    first: () => rule.after(new Date(dtstart - 1), true)?.getTime() ?? null,
  };
}

const subset = <T,>(values: readonly T[], max: number) => fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: max });
const yyyymmdd = (ms: number) => new Date(ms).toISOString().slice(0, 10).replace(/-/g, "");

/** Rules within simple-rule.ts's part, in any combination rrule accepts. */
export const rulesForTest = fc
  .record({
    freq: fc.constantFrom("DAILY", "WEEKLY", "MONTHLY", "YEARLY"),
    interval: fc.option(fc.integer({ min: 1, max: 6 })),
    end: fc.option(fc.oneof(fc.record({ count: fc.integer({ min: 1, max: 40 }) }), fc.record({ untilDays: fc.integer({ min: -30, max: 1_200 }), withTime: fc.boolean() }))),
    months: fc.option(subset([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 4), { freq: 2 }),
    monthDays: fc.option(subset([1, 2, 3, 15, 28, 29, 30, 31, -1, -2, -3, -7, -28, -30, -31], 3), { freq: 2 }),
    byDay: fc.option(
      fc.oneof(
        subset(WEEKDAYS, 3).map((days) => days.join(",")),
        fc.uniqueArray(fc.tuple(fc.oneof({ arbitrary: fc.constantFrom(1, 2, 3, 4, -1, -2, -4), weight: 4 }, { arbitrary: fc.constantFrom(5, -5, 20, -53), weight: 1 }), fc.constantFrom(...WEEKDAYS)), { minLength: 1, maxLength: 3 }).map((days) => days.map(([n, day]) => `${n}${day}`).join(",")),
      ),
      { freq: 2 },
    ),
    wkst: fc.option(fc.constantFrom(...WEEKDAYS), { freq: 2 }),
    dtstart: fc.integer({ min: Date.UTC(2019, 0, 1) / 60_000, max: Date.UTC(2031, 0, 1) / 60_000 }).map((minutes) => minutes * 60_000),
    fromDays: fc.integer({ min: -400, max: 1_500 }),
    spanDays: fc.integer({ min: 0, max: 800 }),
  })
  .map((rule) => {
    const parts = [`FREQ=${rule.freq}`];
    if (rule.interval !== null) parts.push(`INTERVAL=${rule.interval}`);
    if (rule.end !== null && "count" in rule.end) parts.push(`COUNT=${rule.end.count}`);
    if (rule.end !== null && "untilDays" in rule.end) {
      const until = rule.dtstart + rule.end.untilDays * DAY;
      parts.push(`UNTIL=${rule.end.withTime ? new Date(until).toISOString().replace(/[-:]/g, "").slice(0, 15) : yyyymmdd(until)}`);
    }
    if (rule.months !== null) parts.push(`BYMONTH=${rule.months.join(",")}`);
    if (rule.monthDays !== null) parts.push(`BYMONTHDAY=${rule.monthDays.join(",")}`);
    if (rule.byDay !== null) parts.push(`BYDAY=${rule.byDay}`);
    if (rule.wkst !== null) parts.push(`WKST=${rule.wkst}`);
    const from = rule.dtstart + rule.fromDays * DAY + 3_600_000;
    return { body: parts.join(";"), dtstart: rule.dtstart, from, to: from + rule.spanDays * DAY };
  });

describe("the common recurrence rules, expanded without rrule", () => {
  it("give rrule's occurrences in any range, for any rule, start and range", () => {
    fc.assert(
      fc.property(rulesForTest, ({ body, dtstart, from, to }) => {
        const simple = simpleRule(body, dtstart);
        expect(simple, body).not.toBeNull();
        if (simple!.first() === null) {
          // rrule looks for a rule that never occurs period by period until year 9999 (seconds for DAILY, 70 ms for YEARLY): asked for YEARLY only.
          if (body.startsWith("FREQ=YEARLY")) expect(byRrule(body, dtstart).between(dtstart, dtstart + 3_000 * DAY), body).toEqual([]);
          return;
        }
        expect(simple!.between(from, to), `${body} from ${new Date(dtstart).toISOString()}`).toEqual(byRrule(body, dtstart).between(from, to));
      }),
      { numRuns: 1_000 },
    );
  }, 120_000);

  it("answer ranges asked one after another (later, earlier, far later) on one rule as a fresh rule answers each", () => {
    // A rule with a short COUNT keeps what it walked (a year past the range asked) for the next ranges.
    const ranges = fc.array(fc.record({ fromDays: fc.integer({ min: -400, max: 4_000 }), spanDays: fc.integer({ min: 0, max: 800 }) }), { minLength: 2, maxLength: 5 });
    fc.assert(
      fc.property(rulesForTest, ranges, ({ body, dtstart }, asked) => {
        const kept = simpleRule(body, dtstart)!;
        for (const { fromDays, spanDays } of asked) {
          const from = dtstart + fromDays * DAY;
          const to = from + spanDays * DAY;
          expect(kept.between(from, to), `${body} ${fromDays}+${spanDays}`).toEqual(simpleRule(body, dtstart)!.between(from, to));
        }
      }),
      { numRuns: 500 },
    );
  }, 120_000);

  it("give rrule's first occurrence", () => {
    fc.assert(
      fc.property(rulesForTest, ({ body, dtstart }) => {
        const simple = simpleRule(body, dtstart)!;
        if (simple.first() === null) return; // checked in the test above
        const reference = byRrule(body, dtstart).between(dtstart, dtstart + 1_500 * DAY)[0] ?? null;
        const first = simple.first()!;
        if (reference === null) expect(first, body).toBeGreaterThan(dtstart + 1_500 * DAY);
        else expect(first, body).toBe(reference);
      }),
      { numRuns: 500 },
    );
  }, 120_000);

  it("know the rules that never occur, and the rare ones that do", () => {
    const start = Date.UTC(2026, 0, 1, 9);
    for (const body of ["FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4,6,9,11", "FREQ=YEARLY;COUNT=0", "FREQ=WEEKLY;UNTIL=20251231"]) {
      expect(simpleRule(body, start)!.first(), body).toBeNull();
    }
    // 29 February on a Monday: 2044 (rrule's answer, looked up once: too slow to ask each run).
    expect(new Date(simpleRule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", start)!.first()!).toISOString()).toBe("2044-02-29T09:00:00.000Z");
    expect(new Date(simpleRule("FREQ=MONTHLY;INTERVAL=7;BYDAY=-1FR", start)!.first()!).toISOString()).toBe(new Date(byRrule("FREQ=MONTHLY;INTERVAL=7;BYDAY=-1FR", start).first()!).toISOString());
  });

  it("leave every other rule to rrule", () => {
    const start = Date.UTC(2026, 0, 1, 9);
    for (const body of ["FREQ=HOURLY", "FREQ=MINUTELY;INTERVAL=5", "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1", "FREQ=YEARLY;BYWEEKNO=20", "FREQ=YEARLY;BYYEARDAY=100", "FREQ=DAILY;BYHOUR=9,17", "FREQ=MONTHLY;BYDAY=MO,-1FR"]) {
      expect(simpleRule(body, start), body).toBeNull();
    }
  });
});
