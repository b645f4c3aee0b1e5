import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { holidayCalendar, holidayCountries, holidayStates } from "../../src/calendar/holiday-calendars.js";
import type * as HolidayFiles from "../../src/calendar/holiday-files.js";

// The bundles read public holidays a country a file (scripts/holiday-data.js writes them,
// src/calendar/holiday-files.ts reads them, with moment-timezone given only each country's
// zones). Here the CLI's built file, as it ships, against date-holidays with all its data.
const root = join(import.meta.dirname, "..", "..");
const vendor = join(root, "dist", "cli-bundle", "vendor", "holidays.cjs");
/** What equinox, Chinese- and Julian-calendar rules need (with moment-timezone), which holidays.cjs requires on first need. */
const astronomy = join(root, "dist", "cli-bundle", "vendor", "holidays-astronomy.cjs");
type Files = typeof HolidayFiles;

const require = createRequire(import.meta.url);
/** A fresh copy of the file, with a moment-timezone of its own that holds no zone yet. */
function fresh(): Files {
  delete require.cache[vendor];
  delete require.cache[astronomy];
  return require(vendor) as Files;
}

describe("public holidays from a file a country", () => {
  const files = fresh();

  it("list the same countries and regions, with the same names (what validation suggests from)", () => {
    expect(existsSync(vendor), "npm test builds dist/ first").toBe(true);
    expect(files.holidayCountries()).toEqual(holidayCountries());
    for (const code of Object.keys(holidayCountries())) expect(files.holidayStates(code), code).toEqual(holidayStates(code));
  });

  it("give every country and region the same public holidays, at the same instants, in two years", () => {
    const seen = (code: string, state: string | undefined, year: number) => JSON.stringify(holidayCalendar(code, state).getHolidays(year, "en"));
    let compared = 0;
    // moment-timezone says so on the console when a rule's zone was not loaded (and answers in UTC).
    const complaints: string[] = [];
    const console_ = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void complaints.push(args.join(" ")));
    const warnings = vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void complaints.push(args.join(" ")));
    try {
      for (const code of Object.keys(holidayCountries())) {
        // Each country alone, as a run that names it: no zone another country's file loaded.
        const own = fresh();
        const split = (state: string | undefined, year: number) => JSON.stringify(own.holidayCalendar(code, state).getHolidays(year, "en"));
        for (const state of [undefined, ...Object.keys(holidayStates(code))]) {
          for (const year of state === undefined ? [2026, 2031] : [2026]) {
            const bySplit = split(state, year);
            expect(complaints, `${code} ${state ?? ""} ${year}`).toEqual([]);
            expect(bySplit, `${code} ${state ?? ""} ${year}`).toBe(seen(code, state, year));
            compared++;
          }
        }
      }
    } finally {
      console_.mockRestore();
      warnings.mockRestore();
    }
    expect(compared).toBeGreaterThan(500);
  }, 120_000);

  it("load the astronomy only for a rule that needs it", () => {
    const files = fresh();
    for (const code of ["DE", "US", "FR", "GB"]) files.holidayCalendar(code, undefined).getHolidays(2026, "en");
    expect(require.cache[astronomy], "DE, US, FR, GB: no equinox, Chinese or Julian rule").toBeUndefined();
    expect((files.holidayCalendar("JP", undefined).getHolidays(2026, "en") || []).some((holiday) => /Equinox/.test(holiday.name))).toBe(true);
    expect(require.cache[astronomy]).toBeDefined();
  });

  it("take each rule's tokens from the country's file, parsed when the bundle was built", () => {
    // A copy of the data whose DE.json says New Year's Day (01-01) falls on 2 January: the calendar follows the file, not a parse of "01-01".
    const folder = mkdtempSync(join(tmpdir(), "changegate-holidays-"));
    try {
      cpSync(join(root, "dist", "cli-bundle", "vendor", "holidays"), folder, { recursive: true });
      const file = join(folder, "DE.json");
      const country = JSON.parse(readFileSync(file, "utf8")) as { parsed: Record<string, { fn?: string; month?: number; day?: number }[]> };
      expect(country.parsed["01-01"]).toEqual([{ fn: "gregorian", month: 1, day: 1 }]);
      country.parsed["01-01"] = [{ fn: "gregorian", month: 1, day: 2 }];
      writeFileSync(file, JSON.stringify(country));
      const dates = (files: ReturnType<Files["holidayFilesIn"]>) => (files.calendar("DE", undefined).getHolidays(2026, "en") || []).map((holiday) => holiday.date.slice(0, 10));
      expect(dates(fresh().holidayFilesIn(pathToFileURL(`${folder}/`)))).toContain("2026-01-02");
      expect(dates(fresh().holidayFilesIn(pathToFileURL(`${folder}/`)))).not.toContain("2026-01-01");
      expect(dates(fresh().holidayFilesIn(pathToFileURL(join(root, "dist", "cli-bundle", "vendor", "holidays/"))))).toContain("2026-01-01");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("read only the countries the index lists", () => {
    expect(() => files.holidayCalendar("../index", undefined)).toThrow(/no holiday data/);
  });
});
