// `npm run build:action`: bundles the GitHub Action (action/main.ts) into one file,
// action/dist/index.js, which action.yml runs and the repository commits (a runner does no
// `npm install`). Deterministic: CI rebuilds it and `git diff --exit-code action/dist` fails
// on a stale bundle.
//
// - index.js is CommonJS (action/dist/package.json says so): an ES module entry starts Node's
//   ES module loader, which costs a start ~5 ms that mode: gate has no other use for.
//   calendar.mjs and site.mjs are ES modules, each with a `require` made by createRequire:
//   bundled CommonJS (picomatch) requires Node built-ins at run time.
// - One file; each mode's code is loaded by a dynamic import(), which esbuild turns into a
//   lazily initialised module, so a mode pays only for the modules it evaluates.
// - Some modules are replaced, for cold start (see docs/action.md, "Cold start and bundle"):
//   `undici`, which @actions/http-client imports only for a fetch ProxyAgent that changegate
//   never uses (its requests go through http-client's own proxy-aware agents), and which
//   costs ~28 ms to evaluate at every start; `tunnel` (http-client's proxy agents), loaded
//   on first use instead of at start; zod's table of ~40 message locales, of which only
//   English is used; `json-with-bigint`, by JSON itself; and the engine's zone offsets, by
//   offsets from the process's own zone (scripts/zone-offsets-plugin.js).
// - For profiling: CHANGEGATE_NO_MINIFY=1 keeps names readable (do not commit that build);
//   CHANGEGATE_METAFILE=FILE writes esbuild's metafile (what each package adds to the bundle).
import { build } from "esbuild";
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { holidayFiles, yamlAsModule, zodEnglishOnly } from "./esbuild-plugins.js";
import { writeHolidayData } from "./holiday-data.js";
import { zoneOffsetsPlugin } from "./zone-offsets-plugin.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "action", "dist");
const outfile = join(outdir, "index.js");
const require = createRequire(import.meta.url);

/** `import { ProxyAgent } from "undici"` in @actions/http-client, answered without undici. */
const withoutUndici = {
  name: "without-undici",
  setup(plugin) {
    plugin.onResolve({ filter: /^undici$/ }, () => ({ path: "undici", namespace: "changegate-stub" }));
    plugin.onLoad({ filter: /^undici$/, namespace: "changegate-stub" }, () => ({
      contents:
        'export class ProxyAgent { constructor() { throw new Error("changegate\'s Action bundle has no undici: its requests use @actions/http-client\'s own agents"); } }\n',
      loader: "js",
    }));
  },
};

/** `tunnel` (proxy agents for @actions/http-client), evaluated on first use instead of at start. */
const lazyTunnel = {
  name: "lazy-tunnel",
  setup(plugin) {
    const tunnel = require.resolve("tunnel");
    plugin.onResolve({ filter: /^tunnel$/ }, (args) =>
      /[\\/]@actions[\\/]http-client[\\/]/.test(args.importer) ? { path: "tunnel", namespace: "changegate-stub" } : undefined,
    );
    plugin.onLoad({ filter: /^tunnel$/, namespace: "changegate-stub" }, () => ({
      contents: [
        `const load = () => require(${JSON.stringify(tunnel)});`,
        ...["httpOverHttp", "httpsOverHttp", "httpOverHttps", "httpsOverHttps"].map((name) => `export const ${name} = (...args) => load().${name}(...args);`),
      ].join("\n"),
      loader: "js",
      resolveDir: dirname(tunnel),
    }));
  },
};

/**
 * `json-with-bigint` (which @octokit/request parses every response with, to turn integers
 * beyond 2^53 into BigInts) answered with JSON itself: GitHub's ids are far below 2^53, and
 * changegate reads them as numbers anyway.
 */
const plainJson = {
  name: "plain-json",
  setup(plugin) {
    plugin.onResolve({ filter: /^json-with-bigint$/ }, () => ({ path: "json-with-bigint", namespace: "changegate-stub" }));
    plugin.onLoad({ filter: /^json-with-bigint$/, namespace: "changegate-stub" }, () => ({
      contents: "export const JSONParse = (text, reviver) => JSON.parse(text, reviver);\nexport const JSONStringify = (value, replacer, space) => JSON.stringify(value, replacer, space);\n",
      loader: "js",
    }));
  },
};

/**
 * The calendar layer (rrule, ical.js, date-holidays' engine) as a file of its own,
 * `calendar.mjs`, which the policy loader imports only for a policy with calendar forms
 * (src/github/policy-source.ts): every other run neither loads nor parses it. Its public
 * holidays are files a country each in `holidays/` (holidayFiles), not date-holidays' ~1.4 MB.
 */
const calendarApart = {
  name: "calendar-apart",
  setup(plugin) {
    plugin.onResolve({ filter: /[\\/]?calendar-inputs\.js$/ }, (args) =>
      /policy-source\.ts$/.test(args.importer) ? { path: "./calendar.mjs", external: true } : undefined,
    );
  },
};

/**
 * `mode: site` (the pages' data, and through the calendar events the whole calendar layer) as
 * a file of its own, `site.mjs`, imported by the entry only when that mode runs: bundled into
 * index.js it doubled the file every other mode parses at start (~2 MiB, ~20 ms of gate cold start).
 */
const siteApart = {
  name: "site-apart",
  setup(plugin) {
    plugin.onResolve({ filter: /[\\/]site-mode\.js$/ }, (args) =>
      /action[\\/]main\.ts$/.test(args.importer) ? { path: "./site.mjs", external: true } : undefined,
    );
  },
};

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const common = {
  absWorkingDir: root,
  metafile: true,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minify: !process.env.CHANGEGATE_NO_MINIFY,
  legalComments: "none",
  charset: "utf8",
  banner: { js: 'import { createRequire as __cgRequire } from "node:module"; const require = __cgRequire(import.meta.url);' },
  logLevel: "warning",
};
const result = await build({ ...common, format: "cjs", banner: {}, entryPoints: ["action/main.ts"], outfile, plugins: [siteApart, calendarApart, withoutUndici, lazyTunnel, zodEnglishOnly, plainJson, yamlAsModule, zoneOffsetsPlugin(root)] });
const calendar = await build({
  ...common,
  entryPoints: ["src/github/calendar-inputs.ts"],
  outfile: join(outdir, "calendar.mjs"),
  plugins: [withoutUndici, lazyTunnel, zodEnglishOnly, plainJson, yamlAsModule, holidayFiles()],
});
const site = await build({
  ...common,
  entryPoints: ["src/action/site-mode.ts"],
  outfile: join(outdir, "site.mjs"),
  plugins: [calendarApart, withoutUndici, lazyTunnel, zodEnglishOnly, plainJson, yamlAsModule, zoneOffsetsPlugin(root), holidayFiles()],
});
// Public holidays a country a file (scripts/holiday-data.js), read by calendar.mjs and site.mjs for the countries a policy names.
await writeHolidayData(join(outdir, "holidays"));
// index.js is CommonJS whatever package.json surrounds it (calendar.mjs and site.mjs say what they are).
writeFileSync(join(outdir, "package.json"), '{ "type": "commonjs" }\n');
writeFileSync(join(outdir, "LICENSES.md"), licenses([...Object.keys(result.metafile.inputs), ...Object.keys(calendar.metafile.inputs), ...Object.keys(site.metafile.inputs)]));

// mode: site writes the pages' script and styles beside the pages: they travel with the bundle.
await import("./build-site.js");
mkdirSync(join(outdir, "site-assets"), { recursive: true });
for (const asset of ["site.js", "site.css"]) copyFileSync(join(root, "dist", "site-assets", asset), join(outdir, "site-assets", asset));
const holidays = JSON.parse(readFileSync(join(root, "node_modules", "date-holidays", "package.json"), "utf8"));
appendFileSync(join(outdir, "LICENSES.md"), `\n\`holidays/\` (public holidays, read by calendar.mjs and site.mjs) is date-holidays ${holidays.version}'s data (${holidays.license}) with moment-timezone's zone data, cut a country a file.\n`);
const uplot = JSON.parse(readFileSync(join(root, "node_modules", "uplot", "package.json"), "utf8"));
appendFileSync(join(outdir, "LICENSES.md"), `\n\`site-assets/site.js\` (the site's pages, mode: site) bundles uplot ${uplot.version} (${uplot.license}).\n`);

if (process.env.CHANGEGATE_METAFILE) writeFileSync(process.env.CHANGEGATE_METAFILE, JSON.stringify(result.metafile));
if (!process.argv.includes("--quiet")) {
  console.log(`action/dist/index.js  ${(statSync(outfile).size / 1024).toFixed(0)} KiB`);
  console.log(`action/dist/calendar.mjs  ${(statSync(join(outdir, "calendar.mjs")).size / 1024).toFixed(0)} KiB (loaded only for calendar forms; holidays/ a country a file)`);
  console.log(`action/dist/site.mjs  ${(statSync(join(outdir, "site.mjs")).size / 1024).toFixed(0)} KiB (loaded only for mode: site)`);
}

/** The packages bundled, with their licenses, for redistribution. */
function licenses(inputs) {
  const packages = new Map();
  for (const input of inputs) {
    // The innermost package: a nested copy (node_modules/a/node_modules/b) is b's own version.
    const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
    if (!match || packages.has(match[2])) continue;
    const manifest = JSON.parse(readFileSync(join(root, match[1], "package.json"), "utf8"));
    packages.set(match[2], `${manifest.version} (${manifest.license ?? "see the package"})`);
  }
  const lines = ["# Bundled packages", "", "`index.js` bundles changegate's own code and these npm packages:", ""];
  for (const name of [...packages.keys()].sort()) lines.push(`- ${name} ${packages.get(name)}`);
  return `${lines.join("\n")}\n`;
}
