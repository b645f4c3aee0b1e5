// The public-holiday data, split a country a file for the bundles (the CLI's and the Action's):
// date-holidays' own data (the package's `date-holidays/data` export, from which its
// `holidays2json --pick` makes the data of a few countries) cut into
//
// - index.json: the countries and their regions with their English names (what validation and
//   its nearest-code suggestions read), computed by date-holidays itself;
// - XX.json: one country's rules, with the countries they refer to (`_days: [US]`, as Guam's
//   federal holidays are those of the US), each rule's tokens as date-holidays-parser's own
//   parser makes them (`parsed`: the bundles' parser looks there first, holiday-rule-table.ts),
//   the shared holiday names its rules refer to (`names`), every name only in the languages
//   a calendar can take it in (languagesOf), and the names of the zones its rules name;
// - zones/Area~City.json: moment-timezone's packed history of one zone. Only a rule's own zone
//   decides a date (`march equinox in Asia/Tokyo`); the country's zone is not needed, as the
//   calendars take holidays' dates without placing them in it (holiday-dates-only.ts).
//
// src/calendar/holiday-files.ts reads them: a policy with holidays loads the index and its
// countries (a few KB) instead of every country's rules and every zone's history (~1.4 MB of
// JavaScript). test/calendar/holiday-files.test.ts holds every country and region equal to
// date-holidays over the full data.
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);

/** Writes the index and a file a country into `folder`. */
export async function writeHolidayData(folder) {
  const { default: Holidays } = await import("date-holidays");
  const { data } = await import("date-holidays/data");
  const packed = require("moment-timezone/data/packed/latest.json");
  // The parser the bundles link (date-holidays-parser's src/), so the tokens are those it would make.
  const parserFile = join(dirname(require.resolve("date-holidays-parser/package.json")), "src", "Parser.js");
  const { default: Parser } = await import(pathToFileURL(parserFile).href);
  mkdirSync(folder, { recursive: true });

  const registry = new Holidays();
  const countries = registry.getCountries("en");
  const states = {};
  for (const code of Object.keys(countries)) {
    const regions = registry.getStates(code, "en");
    if (regions !== undefined && Object.keys(regions).length > 0) states[code] = regions;
  }
  writeFileSync(join(folder, "index.json"), JSON.stringify({ version: data.version, license: data.license, countries, states }));

  const zoneLines = new Map(packed.zones.map((line) => [line.slice(0, line.indexOf("|")), line]));
  const written = new Set();
  mkdirSync(join(folder, "zones"), { recursive: true });
  for (const code of Object.keys(data.holidays)) {
    const included = referencedCountries(data.holidays, code);
    const holidays = Object.fromEntries([...included].sort().map((country) => [country, data.holidays[country]]));
    const names = zoneNames(holidays);
    // A zone may be a link to another (Europe/Vatican to Europe/Rome): both the link and its zone.
    const links = packed.links.filter((line) => line.split("|").some((name) => names.has(name)));
    for (const link of links) for (const name of link.split("|")) names.add(name);
    const zones = [...names].filter((name) => zoneLines.has(name)).sort();
    // Each zone's packed history in a file of its own (zones/Europe~Berlin.json), shared by the countries that name it.
    for (const zone of zones.filter((name) => !written.has(name))) {
      writeFileSync(join(folder, "zones", zoneFile(zone)), JSON.stringify(zoneLines.get(zone)));
      written.add(zone);
    }
    const languages = languagesOf(holidays);
    const cut = withLanguages(holidays, languages);
    writeFileSync(join(folder, `${code}.json`), JSON.stringify({ holidays: cut, names: namesOf(cut, data.names, languages), parsed: parsedRules(holidays, Parser), zones, links, zoneVersion: packed.version }));
  }
}

/**
 * Every rule of the countries' `days` (their regions' too) with the tokens it parses to; a rule
 * the parser refuses is left out, to be refused at run time as before. Tokens hold no value
 * JSON loses but `undefined` fields (`year: undefined`), which the library reads as absent.
 */
function parsedRules(holidays, Parser) {
  const parsed = {};
  const visit = (node) => {
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "days" && value !== null && typeof value === "object") {
        for (const rule of Object.keys(value)) {
          if (Object.prototype.hasOwnProperty.call(parsed, rule)) continue;
          const parser = new Parser();
          const tokens = parser.parse(rule);
          if (!parser.error) parsed[rule] = tokens;
        }
      } else visit(value);
    }
  };
  visit(holidays);
  return parsed;
}

/**
 * The languages a holiday's name can be given in here: English (what the calendars ask for)
 * and, for a holiday without an English name, the languages its country, region or
 * subregion lists (date-holidays-parser takes the first of these a name has), with their
 * major forms (`en` of `en-us`).
 */
function languagesOf(holidays) {
  const languages = new Set(["en"]);
  const visit = (node) => {
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "langs" && Array.isArray(value)) for (const language of value) languages.add(language).add(String(language).split("-")[0]);
      else if (key !== "days") visit(value);
    }
  };
  visit(holidays);
  return languages;
}

/** Each rule's translated `name` cut to `languages` (the full set, ~40 languages, merged into every rule cost a cold run ~2.4 ms). */
function withLanguages(holidays, languages) {
  const cut = (node, inDays) => {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => {
        if (inDays && value !== null && typeof value === "object" && value.name !== null && typeof value.name === "object") {
          return [key, { ...value, name: pick(value.name, languages) }];
        }
        return [key, cut(value, key === "days")];
      }),
    );
  };
  return cut(holidays, false);
}

/** The shared names (`_name: "01-01"`) the rules refer to, and the substitute day's, in `languages`. */
function namesOf(holidays, names, languages) {
  const used = new Set(["substitutes"]);
  const visit = (node) => {
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "_name" && typeof value === "string") used.add(value);
      else visit(value);
    }
  };
  visit(holidays);
  return Object.fromEntries([...used].filter((name) => name in names).map((name) => [name, { ...names[name], ...(typeof names[name].name === "object" ? { name: pick(names[name].name, languages) } : {}) }]));
}

function pick(translations, languages) {
  return Object.fromEntries(Object.entries(translations).filter(([language]) => languages.has(language)));
}

/** A zone's file name: its name with `/` as `~` (no zone name holds a `~`). */
export function zoneFile(zone) {
  return `${zone.replaceAll("/", "~")}.json`;
}

/** The country and, transitively, every country its rules refer to (`_days`' first step). */
function referencedCountries(all, code) {
  const found = new Set([code]);
  const pending = [code];
  while (pending.length > 0) {
    const visit = (node) => {
      if (node === null || typeof node !== "object") return;
      for (const [key, value] of Object.entries(node)) {
        if (key === "_days") {
          const first = String([value].flat()[0]);
          if (first in all && !found.has(first)) {
            found.add(first);
            pending.push(first);
          }
        } else visit(value);
      }
    };
    visit(all[pending.pop()]);
  }
  return found;
}

/** Every IANA zone a rule names (`june solstice in America/Santiago`). */
function zoneNames(holidays) {
  const names = new Set();
  const visit = (node) => {
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      for (const match of key.matchAll(/\b[A-Z][A-Za-z_]+\/[A-Za-z_/+-]+/g)) names.add(match[0]);
      visit(value);
    }
  };
  visit(holidays);
  return names;
}
