import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { calendarEvents } from "../../src/calendar/events.js";
import { calendarPolicy, scheduleAt } from "./support.js";

/**
 * The schedule search is a sweep over sorted edges; this holds it to its definition: the
 * opening (or closing) it finds is allowed (blocked) there, and at every edge before it
 * the answer was still the other one.
 */
const HOUR = 3_600_000;
const DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const FROM = Date.parse("2026-03-20T00:00:00Z");

const rule = fc.record({
  freq: fc.constantFrom("DAILY", "WEEKLY"),
  day: fc.integer({ min: 0, max: 6 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minutes: fc.integer({ min: 15, max: 60 * 30 }),
  blackout: fc.boolean(),
});

interface Rule {
  freq: string;
  day: number;
  hour: number;
  minutes: number;
  blackout: boolean;
}

function policyText(rules: Rule[], zone: string, window: boolean): string {
  const entry = (r: (typeof rules)[number], i: number) =>
    `  - { name: "r${i}", start: "2026-03-0${1 + (i % 9)}T${String(r.hour).padStart(2, "0")}:00", duration: "${r.minutes}m", rrule: "FREQ=${r.freq}${r.freq === "WEEKLY" ? `;BYDAY=${DAYS[r.day]}` : ""}" }`;
  const freezes = rules.map((r, i) => ({ r, i })).filter(({ r }) => !r.blackout);
  const blackouts = rules.map((r, i) => ({ r, i })).filter(({ r }) => r.blackout);
  return [
    "version: 1",
    `timezone: "${zone}"`,
    ...(window ? ["windows:", "  normal:", '    - { days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" }'] : []),
    ...(freezes.length ? ["freezes:", ...freezes.map(({ r, i }) => entry(r, i))] : []),
    ...(blackouts.length ? ["blackouts:", ...blackouts.map(({ r, i }) => entry(r, i))] : []),
    "",
  ].join("\n");
}

describe("the schedule search", () => {
  it("finds the first flip: allowed there, and the other answer at every edge before it (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rule, { minLength: 1, maxLength: 6 }),
        fc.constantFrom("UTC", "Europe/Berlin", "Australia/Sydney"),
        fc.boolean(),
        fc.integer({ min: 0, max: 14 * 24 * 60 }),
        async (rules, zone, window, minutes) => {
          const policy = await calendarPolicy(policyText(rules, zone, window));
          const at = FROM + minutes * 60_000;
          const now = scheduleAt(policy, at);
          const flip = now.allowed ? now.closesAt : now.opensAt;
          const edges = [...new Set(calendarEvents(policy, at - 2 * 24 * HOUR, at + 10 * 24 * HOUR).flatMap((event) => [event.start, event.end]))]
            .filter((edge) => edge > at && (flip === null || edge < flip))
            .sort((a, b) => a - b);
          for (const edge of edges) expect(scheduleAt(policy, edge).allowed).toBe(now.allowed);
          if (flip !== null) {
            expect(scheduleAt(policy, flip).allowed).toBe(!now.allowed);
            expect(scheduleAt(policy, flip - 1).allowed).toBe(now.allowed);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
