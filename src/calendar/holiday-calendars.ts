import Holidays from "date-holidays";
import { datesOnly } from "./holiday-dates-only.js";

/**
 * The holiday data set behind `holidays:` forms: date-holidays with every country's rules.
 * A link-time seam: the bundles (the CLI's, the Action's) link holiday-files.ts in its place,
 * the same data cut a country a file at build time (scripts/holiday-data.js), so that a run
 * loads the countries its policy names, not all ~200 with every zone's history. Both answer
 * alike for every country and region (test/calendar/holiday-files.test.ts).
 */
export interface HolidayCalendar {
  getHolidays(year: number, lang: string): { date: string; name: string; type: string }[] | false;
}

let registry: Holidays | undefined;

/** Country code -> English name. */
export function holidayCountries(): Record<string, string> {
  registry ??= new Holidays();
  return registry.getCountries("en") as Record<string, string>;
}

/** A country's region code -> English name (none: empty). */
export function holidayStates(code: string): Record<string, string> {
  registry ??= new Holidays();
  return (registry.getStates(code, "en") ?? {}) as Record<string, string>;
}

/** The public holidays of a country (a code holidayCountries lists), or of one of its regions. */
export function holidayCalendar(code: string, state: string | undefined): HolidayCalendar {
  return datesOnly(state === undefined ? new Holidays(code, { types: ["public"] }) : new Holidays(code, state, { types: ["public"] }));
}

