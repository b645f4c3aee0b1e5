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
    },
  };
}
