// date-holidays-parser declares its types (an ambient module) in types/ without naming them in its exports map, so no import finds them.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../../node_modules/date-holidays-parser/types/index.d.ts" />
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import HolidaysParser from "date-holidays-parser";
import moment from "moment-timezone";
import type { HolidayCalendar } from "./holiday-calendars.js";
import { datesOnly } from "./holiday-dates-only.js";
import { withParsedRules } from "./holiday-rule-table.js";

/**
 * holiday-calendars.ts as the bundles link it: the same data read a country at a time from
 * the files scripts/holiday-data.js writes beside the bundle (`holidays/index.json`, the
 * countries and regions; `holidays/XX.json`, a country's rules with those they refer to, the
 * shared names they use (in the languages a calendar can take them in), their tokens and the
 * zones they name; `holidays/zones/Area~City.json`, a zone's packed history),
 * evaluated by date-holidays' own engine, date-holidays-parser. The bundles give it moment-timezone without its data
 * (every zone's history, ~0.7 MB): a country whose rules name a zone (an equinox's) loads it.
 */
interface HolidayIndex {
  version: string;
  license: string;
  countries: Record<string, string>;
  states: Record<string, Record<string, string>>;
}

/** The data in `folder` (the bundle's own `holidays/`, or a test's). */
export function holidayFilesIn(folderUrl: URL): { countries(): Record<string, string>; states(code: string): Record<string, string>; calendar(code: string, state: string | undefined): HolidayCalendar } {
  const folder = fileURLToPath(folderUrl);
  let index: HolidayIndex | undefined;
  const holidayIndex = (): HolidayIndex => (index ??= JSON.parse(readFileSync(join(folder, "index.json"), "utf8")) as HolidayIndex);
  return {
    countries: () => holidayIndex().countries,
    states: (code) => holidayIndex().states[code] ?? {},
    calendar(code, state) {
      const { version, license, countries } = holidayIndex();
      // Only a listed code names a file (the policy's code is validated before; this keeps any other out of the path).
      if (!Object.prototype.hasOwnProperty.call(countries, code)) throw new Error(`no holiday data for ${code}`);
      const country = JSON.parse(readFileSync(join(folder, `${code}.json`), "utf8")) as { holidays: Record<string, unknown>; names: Record<string, unknown>; parsed?: Record<string, unknown[]>; zones: string[]; links: string[]; zoneVersion: string };
      if (country.zones.length > 0) {
        const zones = country.zones.map((zone) => JSON.parse(readFileSync(join(folder, "zones", `${zone.replaceAll("/", "~")}.json`), "utf8")) as string);
        moment.tz.load({ version: country.zoneVersion, zones, links: country.links });
      }
      const data = { version, license, names: country.names, holidays: country.holidays };
      // The rules' tokens come parsed in the file (holiday-rule-table.ts).
      return datesOnly(withParsedRules(country.parsed, () => (state === undefined ? new HolidaysParser(data, code, { types: ["public"] }) : new HolidaysParser(data, code, state, { types: ["public"] }))));
    },
  };
}

const bundled = holidayFilesIn(new URL("./holidays/", import.meta.url));

export const holidayCountries = (): Record<string, string> => bundled.countries();
export const holidayStates = (code: string): Record<string, string> => bundled.states(code);
export const holidayCalendar = (code: string, state: string | undefined): HolidayCalendar => bundled.calendar(code, state);
