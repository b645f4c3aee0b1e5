import Holidays from "date-holidays";
import { describe, expect, it } from "vitest";
import { datesOnly } from "../../src/calendar/holiday-dates-only.js";

// holidays.ts uses each public holiday's local date only, so the calendars skip placing
// holidays in the country's zone (holiday-dates-only.ts). That must change no date and drop
// no holiday, in any country or region.
describe("public holidays' dates without the country's zone", () => {
  it("are the dates date-holidays gives in the country's zone, for every country and region", () => {
    const registry = new Holidays();
    const dates = (calendar: Holidays, year: number) =>
      calendar
        .getHolidays(year, "en")
        .map((holiday) => `${holiday.date.slice(0, 10)} ${holiday.name} ${holiday.type}`)
        .sort();
    let compared = 0;
    for (const code of Object.keys(registry.getCountries("en"))) {
      for (const state of [undefined, ...Object.keys(registry.getStates(code, "en") ?? {})]) {
        const make = () => (state === undefined ? new Holidays(code, { types: ["public"] }) : new Holidays(code, state, { types: ["public"] }));
        for (const year of state === undefined ? [2026, 2031] : [2027]) {
          const zoned = dates(make(), year);
          expect(dates(datesOnly(make()), year), `${code} ${state ?? ""} ${year}`).toEqual(zoned);
          if (zoned.length > 0) compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
  }, 120_000);
});
