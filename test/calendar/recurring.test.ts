import { describe, expect, it } from "vitest";
import { calendarPolicy, calendarProblems, iso, scheduleAt } from "./support.js";
import { parsePolicy } from "../../src/engine/policy.js";

const weekly = (zone: string, extra = "") => `
version: 1
timezone: "${zone}"
freezes:
  - name: "Friday afternoons"
    start: "2026-01-02T15:00"
    duration: "9h"
    rrule: "FREQ=WEEKLY;BYDAY=FR${extra}"
`;

describe("recurring freezes (start, duration, rrule)", () => {
  it("blocks inside an occurrence, not at its end (half-open), and names it with its end and the next start", async () => {
    const policy = await calendarPolicy(weekly("UTC"));
    expect(scheduleAt(policy, "2026-01-09T14:59:59Z").allowed).toBe(true);
    const inside = scheduleAt(policy, "2026-01-09T15:00:00Z");
    expect(inside.allowed).toBe(false);
    expect(inside.blockers[0]).toMatchObject({ kind: "freeze", name: "Friday afternoons", end: Date.parse("2026-01-10T00:00:00Z"), next: Date.parse("2026-01-16T15:00:00Z") });
    expect(iso(inside.opensAt)).toBe("2026-01-10T00:00:00.000Z");
    expect(scheduleAt(policy, "2026-01-09T23:59:59.999Z").allowed).toBe(false);
    expect(scheduleAt(policy, "2026-01-10T00:00:00Z").allowed).toBe(true);
    expect(iso(scheduleAt(policy, "2026-01-10T00:00:00Z").closesAt)).toBe("2026-01-16T15:00:00.000Z");
  });

  it("keeps wall-clock time across daylight saving, northern hemisphere (Berlin: +1 in March, +2 in April)", async () => {
    const policy = await calendarPolicy(weekly("Europe/Berlin"));
    expect(iso(scheduleAt(policy, "2026-03-27T13:00:00Z").closesAt)).toBe("2026-03-27T14:00:00.000Z"); // 15:00 CET
    expect(iso(scheduleAt(policy, "2026-04-03T12:00:00Z").closesAt)).toBe("2026-04-03T13:00:00.000Z"); // 15:00 CEST
    expect(iso(scheduleAt(policy, "2026-04-03T13:00:00Z").opensAt)).toBe("2026-04-03T22:00:00.000Z"); // midnight CEST
  });

  it("keeps wall-clock time across daylight saving, southern hemisphere (Sydney: +11 until 5 April, then +10)", async () => {
    const policy = await calendarPolicy(weekly("Australia/Sydney"));
    expect(iso(scheduleAt(policy, "2026-03-27T00:00:00Z").closesAt)).toBe("2026-03-27T04:00:00.000Z"); // 15:00 AEDT
    expect(iso(scheduleAt(policy, "2026-04-10T00:00:00Z").closesAt)).toBe("2026-04-10T05:00:00.000Z"); // 15:00 AEST
    // Spring forward on 4 October: 15:00 AEST on the 2nd, 15:00 AEDT on the 9th.
    expect(iso(scheduleAt(policy, "2026-10-02T00:00:00Z").closesAt)).toBe("2026-10-02T05:00:00.000Z");
    expect(iso(scheduleAt(policy, "2026-10-09T00:00:00Z").closesAt)).toBe("2026-10-09T04:00:00.000Z");
  });

  it("a wall-clock start inside the spring-forward gap moves forward by the gap (RFC 5545)", async () => {
    const policy = await calendarPolicy(`
version: 1
timezone: "Europe/Berlin"
freezes:
  - { name: "nightly", start: "2026-03-27T02:30", duration: "1h", rrule: "FREQ=DAILY" }
`);
    // 29 March: 02:30 does not exist; it is 03:30 CEST = 01:30Z.
    expect(iso(scheduleAt(policy, "2026-03-29T00:00:00Z").closesAt)).toBe("2026-03-29T01:30:00.000Z");
    expect(iso(scheduleAt(policy, "2026-03-30T00:00:00Z").closesAt)).toBe("2026-03-30T00:30:00.000Z");
  });

  it("whole days of a duration are calendar days in the zone (23 hours across spring forward)", async () => {
    const policy = await calendarPolicy(`
version: 1
timezone: "Europe/Berlin"
freezes:
  - { name: "weekend", start: "2026-03-28T00:00", duration: "2d", rrule: "FREQ=WEEKLY;BYDAY=SA" }
`);
    expect(iso(scheduleAt(policy, "2026-03-28T12:00:00Z").opensAt)).toBe("2026-03-29T22:00:00.000Z"); // Monday 00:00 CEST
  });

  it("honours COUNT and UNTIL (in UTC and in wall-clock time)", async () => {
    const counted = await calendarPolicy(weekly("UTC", ";COUNT=2"));
    expect(scheduleAt(counted, "2026-01-09T16:00:00Z").allowed).toBe(false);
    expect(scheduleAt(counted, "2026-01-16T16:00:00Z").allowed).toBe(true);
    expect(scheduleAt(counted, "2026-01-10T00:00:00Z").closesAt).toBeNull();
    const until = await calendarPolicy(weekly("Europe/Berlin", ";UNTIL=20260116T140000Z"));
    expect(scheduleAt(until, "2026-01-16T14:30:00Z").allowed).toBe(false); // 15:00 CET = 14:00Z is the last one
    expect(scheduleAt(until, "2026-01-23T14:30:00Z").allowed).toBe(true);
    const floating = await calendarPolicy(weekly("Europe/Berlin", ";UNTIL=20260116T150000"));
    expect(scheduleAt(floating, "2026-01-16T14:30:00Z").allowed).toBe(false);
    expect(scheduleAt(floating, "2026-01-23T14:30:00Z").allowed).toBe(true);
  });

  it("the last three days of every quarter", async () => {
    const policy = await calendarPolicy(`
version: 1
timezone: "UTC"
freezes:
  - { name: "quarter end", start: "2026-01-01T00:00", duration: "1d", rrule: "FREQ=MONTHLY;BYMONTH=3,6,9,12;BYMONTHDAY=-3,-2,-1" }
`);
    expect(scheduleAt(policy, "2026-03-28T23:59:00Z").allowed).toBe(true);
    expect(scheduleAt(policy, "2026-03-29T00:00:00Z").allowed).toBe(false);
    expect(iso(scheduleAt(policy, "2026-03-29T00:00:00Z").opensAt)).toBe("2026-04-01T00:00:00.000Z");
    expect(iso(scheduleAt(policy, "2026-04-01T00:00:00Z").closesAt)).toBe("2026-06-28T00:00:00.000Z");
  });

  it("a rule only rrule expands (BYSETPOS: the last weekday of the month), in a policy and in a calendar file", async () => {
    const policy = await calendarPolicy(`
version: 1
timezone: "Europe/Berlin"
freezes:
  - { name: "month end", start: "2026-01-01T18:00", duration: "6h", rrule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1" }
blackouts:
  - { name: "company", ics: "company.ics" }
`, { files: new Map([["company.ics", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:a@t\r\nSUMMARY:first Monday\r\nDTSTART;TZID=Europe/Berlin:20260105T090000\r\nDURATION:PT1H\r\nRRULE:freq=monthly;byday=mo;bysetpos=1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"]]) });
    // January 2026 ends on a Saturday: its last weekday is Friday the 30th; May's is Friday the 29th.
    expect(iso(scheduleAt(policy, "2026-01-06T12:00:00Z").closesAt)).toBe("2026-01-30T17:00:00.000Z");
    expect(scheduleAt(policy, "2026-01-30T17:00:00Z").blockers.map((blocker) => ("name" in blocker ? blocker.name : blocker.kind))).toEqual(["month end"]);
    expect(iso(scheduleAt(policy, "2026-05-04T12:00:00Z").closesAt)).toBe("2026-05-29T16:00:00.000Z");
    // The calendar file's rule, in lower case as RFC 5545 allows: the first Monday of each month, 09:00 Berlin.
    expect(scheduleAt(policy, "2026-02-02T08:30:00Z").blockers.map((blocker) => ("name" in blocker ? blocker.name : blocker.kind))).toEqual(["company: first Monday"]);
  });

  it("bad input: each problem names the field, line and column, what was expected and a suggestion", async () => {
    const text = (rule: string, duration = "9h") => `version: 1
freezes:
  - name: "x"
    start: "2026-01-02T15:00"
    duration: "${duration}"
    rrule: "${rule}"
`;
    const [typo] = await calendarProblems(text("FREQ=WEKLY;BYDAY=FR"));
    expect(typo).toMatchObject({ path: "freezes[0].rrule", line: 6, column: 12, suggestion: "did you mean FREQ=WEEKLY?" });
    expect(typo!.message).toContain("expected SECONDLY");
    const [never] = await calendarProblems(text("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"));
    expect(never).toMatchObject({ path: "freezes[0].rrule", line: 6 });
    expect(never!.message).toContain("never occurs");
    const [part] = await calendarProblems(text("FREQ=WEEKLY;BYDAYS=FR"));
    expect(part).toMatchObject({ message: 'unknown rule part "BYDAYS"', suggestion: "did you mean BYDAY?" });
    for (const [duration, message] of [["0h", "a duration of zero"], ["400d", "a duration over a year"], ["soon", "expected a duration"]] as const) {
      const parsed = parsePolicy({ file: ".github/changegate.yml", text: text("FREQ=DAILY", duration) });
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.problems[0]).toMatchObject({ path: "freezes[0].duration", line: 5 });
      if (!parsed.ok) expect(parsed.problems[0]!.message).toContain(message);
    }
    const missing = parsePolicy({ file: "p.yml", text: `version: 1\nfreezes:\n  - { name: "x", rrule: "FREQ=DAILY" }\n` });
    expect(!missing.ok && missing.problems[0]).toMatchObject({ path: "freezes[0]", line: 3 });
    const both = parsePolicy({ file: "p.yml", text: `version: 1\nfreezes:\n  - { name: "x", ics: "a.ics", holidays: { country: DE } }\n` });
    expect(!both.ok && both.problems[0]!.message).toContain("one form");
  });
});
