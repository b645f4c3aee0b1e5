// esbuild plugins the Action's bundle (build-action.js) and the CLI's (build-cli.js) share.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** zod's `locales` namespace with English only (the engine's messages are English). */
export const zodEnglishOnly = {
  name: "zod-english-only",
  setup(plugin) {
    const english = require.resolve("zod/v4/locales/en.js");
    plugin.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: "zod-locales", namespace: "changegate-stub" } : undefined,
    );
    plugin.onLoad({ filter: /^zod-locales$/, namespace: "changegate-stub" }, () => ({
      contents: `export { default as en } from ${JSON.stringify(english)};\n`,
      loader: "js",
      resolveDir: dirname(english),
    }));
  },
};

/**
 * `yaml` as its ES module build (the package's `default` export condition; Node is given the
 * CommonJS one): the same code, but esbuild can hoist it into one scope and drop what
 * changegate never calls, where CommonJS keeps every file whole behind a require wrapper.
 * The one difference, warnings through console.warn instead of process.emitWarning, does
 * not arise: changegate parses with logLevel "error" (src/engine/yaml-document.ts).
 */
export const yamlAsModule = {
  name: "yaml-as-module",
  setup(plugin) {
    const entry = join(dirname(require.resolve("yaml/package.json")), "browser", "index.js");
    plugin.onResolve({ filter: /^yaml$/ }, () => ({ path: entry }));
  },
};


/**
 * Public holidays from files a country each (scripts/holiday-data.js writes them beside the
 * bundle, in `holidays/`): src/calendar/holiday-files.ts linked in place of
 * holiday-calendars.ts (date-holidays with every country's data), and moment-timezone without
 * its data (each country's file loads the zones it names). `holidayFiles(resolveSeam)`: how
 * the seam resolves, by default to holiday-files.ts in the same bundle.
 */
export function holidayFiles(seam = (files) => ({ path: files })) {
  return {
    name: "holiday-files",
    setup(plugin) {
      const files = join(dirname(require.resolve("../package.json")), "src", "calendar", "holiday-files.ts");
      plugin.onResolve({ filter: /[\\/]holiday-calendars\.js$/ }, (args) => (/[\\/]calendar[\\/]holidays\.ts$/.test(args.importer) ? seam(files) : undefined));
      plugin.onResolve({ filter: /^moment-timezone$/ }, () => ({ path: require.resolve("moment-timezone/moment-timezone.js") }));
      // date-holidays-parser's rule parser, looking first among the tokens the country's file holds (holiday-rule-table.ts).
      const parser = join(dirname(require.resolve("date-holidays-parser/package.json")), "src", "Parser.js");
      const table = join(dirname(files), "holiday-rule-table.ts");
      plugin.onResolve({ filter: /^\.\/Parser\.js$/ }, (args) => (/[\\/]date-holidays-parser[\\/]src[\\/]DateFn\.js$/.test(args.importer) ? { path: "parser", namespace: "holiday-rule-table" } : undefined));
      plugin.onLoad({ filter: /^parser$/, namespace: "holiday-rule-table" }, () => ({
        loader: "js",
        resolveDir: dirname(parser),
        // The parser itself (its grammar built when loaded) only for a rule the file does not hold.
        contents: `import { parsedRule } from ${JSON.stringify(table)};
let Parser = null;
export default class ParserOrTable {
  parse(rule) {
    const known = parsedRule(rule);
    if (known !== undefined) {
      this.error = 0;
      return known;
    }
    Parser ??= require(${JSON.stringify(parser)}).default;
    const parser = new Parser();
    const tokens = parser.parse(rule);
    this.error = parser.error;
    return tokens;
  }
}`,
      }));
    },
  };
}

/**
 * The CLI's vendor/holidays.cjs without what most countries never use: the astronomy behind
 * equinox, Chinese-calendar and Julian-calendar rules (astronomia with its VSOP87 tables,
 * date-chinese) and moment-timezone (which only equinox rules need, with the calendars taking
 * holidays' dates, holiday-dates-only.ts), ~225 of its ~300 KB. They are bundled apart, in
 * `astronomyFile` (see holidayAstronomyEntry), and required the first time a rule needs them:
 * date-holidays-parser's CalEventFactory is given classes that construct the real ones from
 * that file, and moment-timezone is a stand-in that loads it on first call, holding the zone
 * data loaded before then (holiday-files.ts loads a country's rule zones as it reads it).
 */
export function holidayAstronomyApart(astronomyFile = "holidays-astronomy.cjs") {
  const parser = dirname(require.resolve("date-holidays-parser/package.json"));
  return {
    name: "holiday-astronomy-apart",
    setup(plugin) {
      plugin.onResolve({ filter: /^moment-timezone$/ }, () => ({ path: "lazy-moment", namespace: "holiday-astronomy" }));
      plugin.onResolve({ filter: /^holiday-astronomy-loader$/ }, () => ({ path: "loader", namespace: "holiday-astronomy" }));
      plugin.onResolve({ filter: new RegExp(`^\\./${astronomyFile.replace(/[.]/g, "\\.")}$`) }, (args) => ({ path: args.path, external: true }));
      plugin.onResolve({ filter: /[\\/]CalEventFactory\.js$/ }, () => ({ path: "calendar-event-factory", namespace: "holiday-astronomy" }));
      // One loader for both stand-ins: whichever needs the file first loads it, with the zones given before.
      plugin.onLoad({ filter: /^loader$/, namespace: "holiday-astronomy" }, () => ({
        loader: "js",
        contents: `let astronomy = null;
const pending = [];
export function astronomyOf() {
  if (astronomy === null) {
    astronomy = require(${JSON.stringify(`./${astronomyFile}`)});
    for (const data of pending.splice(0)) astronomy.moment.tz.load(data);
  }
  return astronomy;
}
export function loadZones(data) {
  if (astronomy === null) pending.push(data);
  else astronomy.moment.tz.load(data);
}`,
      }));
      plugin.onLoad({ filter: /^lazy-moment$/, namespace: "holiday-astronomy" }, () => ({
        loader: "js",
        contents: `import { astronomyOf, loadZones } from "holiday-astronomy-loader";
function moment(...args) { return astronomyOf().moment(...args); }
moment.tz = Object.assign((...args) => astronomyOf().moment.tz(...args), { load: loadZones });
export default moment;`,
      }));
      // The factory as date-holidays-parser writes it (src/CalEventFactory.js), with three of its classes taken from the astronomy file.
      plugin.onLoad({ filter: /^calendar-event-factory$/, namespace: "holiday-astronomy" }, () => ({
        loader: "js",
        resolveDir: join(parser, "src"),
        // The Hebrew, Hijri, Jalaali and Bengali calendars (the first two with their tables of
        // years) required on first use, in this file still: most countries use none of them.
        contents: `import { astronomyOf } from "holiday-astronomy-loader";
import CalEvent from "./CalEvent.js";
import Easter from "./Easter.js";
const onFirstUse = (load) => { let loaded = null; return () => (loaded ??= load().default); };
const Hebrew = onFirstUse(() => require("./Hebrew.js"));
const Hijri = onFirstUse(() => require("./Hijri.js"));
const Jalaali = onFirstUse(() => require("./Jalaali.js"));
const BengaliRevised = onFirstUse(() => require("./BengaliRevised.js"));
export default class CalEventFactory {
  constructor(opts) {
    switch (opts.fn) {
      case "easter": return new Easter(opts);
      case "julian": return new (astronomyOf().Julian)(opts);
      case "hebrew": return new (Hebrew())(opts);
      case "islamic": return new (Hijri())(opts);
      case "jalaali": return new (Jalaali())(opts);
      case "equinox": return new (astronomyOf().Equinox)(opts);
      case "chinese": case "korean": case "vietnamese": return new (astronomyOf().Chinese)(opts);
      case "bengali-revised": return new (BengaliRevised())(opts);
      default: return new CalEvent(opts);
    }
  }
}`,
      }));
    },
  };
}

/** The astronomy file's entry: moment-timezone (without data) and the three classes, one copy of moment for all. */
export function holidayAstronomyEntry() {
  const parser = dirname(require.resolve("date-holidays-parser/package.json"));
  return {
    resolveDir: join(parser, "src"),
    loader: "js",
    contents: `export { default as moment } from "moment-timezone";
export { default as Julian } from "./Julian.js";
export { default as Equinox } from "./Equinox.js";
export { default as Chinese } from "./Chinese.js";`,
  };
}

