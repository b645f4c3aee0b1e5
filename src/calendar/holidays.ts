import { holidayCalendar, holidayCountries, holidayStates, type HolidayCalendar } from "./holiday-calendars.js";
import { nearestName } from "../engine/problems.js";
import { addDays, instantOfWallTime } from "../engine/wall-clock.js";
import type { Occurrence } from "../engine/occurrences.js";

/**
 * Public holidays from `date-holidays` (a maintained data set of ~200 countries and their
 * regions). Only each holiday's local date is used, never the library's own instants (they
 * are in the country's zone): each holiday is a whole local day in the policy's zone.
 */
export type HolidayCheck = { ok: true } | { ok: false; field: "country" | "region"; message: string; suggestion?: string };

/** Whether a country (ISO 3166-1 alpha-2) and region (its subdivision code) are in the data set. */
export function checkHolidayRegion(country: string, region: string | null): HolidayCheck {
  const countries = holidayCountries();
  const code = country.trim().toUpperCase();
  if (!(code in countries)) {
    return { ok: false, field: "country", message: `unknown country "${country}" for public holidays`, ...suggest(country, countries, "an ISO 3166-1 country code such as \"DE\" or \"US\"") };
  }
  if (region === null) return { ok: true };
  const regions = holidayStates(code);
  const local = region.trim().toUpperCase().replace(new RegExp(`^${code}-`), "");
  if (!(local in regions)) {
    const known = Object.keys(regions);
    if (known.length === 0) return { ok: false, field: "region", message: `${code} has no regions in the holiday data`, suggestion: "leave `region` out" };
    return { ok: false, field: "region", message: `unknown region "${region}" of ${code} (${countries[code]})`, ...suggest(region, regions, `one of ${known.slice(0, 20).join(", ")}${known.length > 20 ? ", ..." : ""}`) };
  }
  return { ok: true };
}

/** The nearest code, by code or by name ("Germany" suggests DE). */
function suggest(word: string, names: Record<string, string>, otherwise: string): { suggestion: string } {
  const byName = Object.entries(names).find(([, name]) => name.toLowerCase() === word.trim().toLowerCase())?.[0]
    ?? nearestByName(word, names);
  const near = byName ?? (word.trim().length <= 3 ? nearestName(word.trim().toUpperCase(), Object.keys(names)) : undefined);
  return { suggestion: near !== undefined ? `did you mean "${near}" (${names[near]})?` : `expected ${otherwise}` };
}

function nearestByName(word: string, names: Record<string, string>): string | undefined {
  if (word.trim().length <= 3) return undefined;
  const name = nearestName(word.trim(), Object.values(names));
  return name === undefined ? undefined : Object.entries(names).find(([, candidate]) => candidate === name)?.[0];
}

/** One year's public holidays of a region as whole local days in `zone`, ascending; days with two holidays are one occurrence. */
export function holidaysOfYear(country: string, region: string | null, year: number, zone: string): Occurrence[] {
  const code = country.trim().toUpperCase();
  const state = region === null ? undefined : region.trim().toUpperCase().replace(new RegExp(`^${code}-`), "");
  const calendar = calendarOf(code, state);
  const byDate = new Map<string, string[]>();
  for (const holiday of calendar.getHolidays(year, "en") || []) {
    if (holiday.type !== "public") continue;
    const date = holiday.date.slice(0, 10);
    byDate.set(date, [...(byDate.get(date) ?? []), holiday.name]);
  }
  return [...byDate.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([date, names]) => {
      const [y, m, d] = date.split("-").map(Number) as [number, number, number];
      const day = { year: y, month: m, day: d, hour: 0, minute: 0, second: 0 };
      return {
        start: instantOfWallTime(day, zone),
        end: instantOfWallTime({ ...day, ...addDays(day, 1) }, zone),
        label: [...new Set(names)].join(" / "),
      };
    });
}

const calendars = new Map<string, HolidayCalendar>();

/** One calendar per region: building one reads the country's rules. */
function calendarOf(code: string, state: string | undefined): HolidayCalendar {
  const key = `${code}|${state ?? ""}`;
  let calendar = calendars.get(key);
  if (calendar === undefined) {
    calendar = holidayCalendar(code, state);
    calendars.set(key, calendar);
  }
  return calendar;
}
