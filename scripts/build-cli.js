// `npm run build` (after tsc): bundles the command line (src/cli/main.ts) into one CommonJS
// file, dist/cli-bundle/main.cjs, which bin/changegate.js compiles through a V8 code cache
// (see README, "Performance"), and the calendar's libraries into files of their own beside it
// (dist/cli-bundle/vendor/), required only by a policy with calendar forms. Not committed:
// npm's `prepare` builds it on install, as it builds dist/.
//
// Why CommonJS: Node 20 can cache compiled code only for a script (vm.Script's
// `cachedData`), not for an ES module, and an ES module entry alone starts Node's module
// loader (~6 ms). Every command is in main.cjs, each evaluated only when it runs (esbuild
// turns each command's import() into a lazily initialised module); with the code cache a
// command's start pays for what it runs, not for what the file holds.
//
// - @octokit/rest stays outside the bundle: only the commands that read through the API
//   (audit --repo, verify --prs) import() it, from node_modules, when they run.
// - rrule, ical.js and windows-iana are vendor/*.cjs, each required when the first policy form
//   that needs it is read (src/calendar/build.ts); public holidays are vendor/holidays.cjs
//   (date-holidays' engine) and a file a country in vendor/holidays/ (scripts/holiday-data.js),
//   of which a policy loads the countries it names, not date-holidays' ~1.4 MB.
// - zod's English locale only, and yaml's ES module build, as in the Action's bundle.
// - ASCII only (esbuild escapes the rest): Node reads a one-byte source faster, and V8 keeps it at one byte a character.
// - For profiling: CHANGEGATE_NO_MINIFY=1 keeps names readable.
// - main.cjs's first line names its content and vendor/'s (`// changegate-build <sha256>`): bin
//   keys its code caches by it, since V8 checks a cache only against the source's length.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { holidayAstronomyApart, holidayAstronomyEntry, holidayFiles, yamlAsModule, zodEnglishOnly } from "./esbuild-plugins.js";
import { writeHolidayData } from "./holiday-data.js";
import { zoneOffsetsPlugin } from "./zone-offsets-plugin.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "cli-bundle");

/**
 * The libraries each calendar form needs, bundled apart: package name -> its vendor file, and
 * whether changegate imports its default export. main.cjs requires a vendor file as Node
 * imports CommonJS from an ES module (the default export is `module.exports`), so such a
 * file's `module.exports` is that default itself, as the package's own was in one bundle.
 */
const VENDOR = {
  rrule: { file: "rrule.cjs", importsDefault: false },
  "ical.js": { file: "ical.cjs", importsDefault: true },
  "windows-iana": { file: "windows-iana.cjs", importsDefault: false },
};

/** `import ... from "rrule"` (and the others) in main.cjs: a require of the vendor file, resolved beside main.cjs. */
const vendorApart = {
  name: "vendor-apart",
  setup(plugin) {
    const names = Object.keys(VENDOR).map((name) => name.replace(/[.]/g, "\\."));
    plugin.onResolve({ filter: new RegExp(`^(${names.join("|")})$`) }, (args) => ({ path: `./vendor/${VENDOR[args.path].file}`, external: true }));
  },
};

// import.meta.url (the package's version, the site's assets, the holiday files) as the
// bundle file's own URL, made only when asked for.
const importMeta = {
  define: { "import.meta": "__cgImportMeta" },
  banner: { js: '"use strict";\nvar __cgImportMeta = { get url() { return require("node:url").pathToFileURL(__filename).href; } };' },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: !process.env.CHANGEGATE_NO_MINIFY,
  keepNames: false,
  legalComments: "none",
  charset: "ascii",
  write: false,
  logLevel: "warning",
};

rmSync(outdir, { recursive: true, force: true });
mkdirSync(join(outdir, "vendor"), { recursive: true });

const main = await build({
  ...common,
  entryPoints: ["src/cli/main.ts"],
  outfile: join(outdir, "main.cjs"),
  external: ["@octokit/rest"],
  ...importMeta,
  // Public holidays: vendor/holidays.cjs (src/calendar/holiday-files.ts) with the data a country a file in vendor/holidays/.
  // Zone offsets from the process's own zone, as in the Action (docs/action.md, "Cold start"): a fresh process's first Intl.DateTimeFormat costs ~20 ms.
  plugins: [vendorApart, holidayFiles(() => ({ path: "./vendor/holidays.cjs", external: true })), zodEnglishOnly, yamlAsModule, zoneOffsetsPlugin(root)],
});

for (const [name, { file, importsDefault }] of Object.entries(VENDOR)) {
  const vendor = await build({
    ...common,
    stdin: { contents: importsDefault ? `export { default } from ${JSON.stringify(name)};\n` : `export * from ${JSON.stringify(name)};\n`, resolveDir: root, loader: "js" },
    outfile: join(outdir, "vendor", file),
    ...(importsDefault ? { footer: { js: "module.exports = module.exports.default;" } } : {}),
  });
  for (const output of vendor.outputFiles) writeFileSync(output.path, output.contents);
}
const holidays = await build({ ...common, ...importMeta, entryPoints: ["src/calendar/holiday-files.ts"], outfile: join(outdir, "vendor", "holidays.cjs"), plugins: [holidayAstronomyApart(), holidayFiles()] });
for (const output of holidays.outputFiles) writeFileSync(output.path, output.contents);
// What equinox, Chinese- and Julian-calendar rules need, required by holidays.cjs the first time one does.
const astronomy = await build({ ...common, stdin: holidayAstronomyEntry(), outfile: join(outdir, "vendor", "holidays-astronomy.cjs"), plugins: [holidayFiles()] });
for (const output of astronomy.outputFiles) writeFileSync(output.path, output.contents);
await writeHolidayData(join(outdir, "vendor", "holidays"));

// import() of a package outside the bundle (Octokit) as bin's own import() (the wrapper's
// `__cgImport`): inside a vm.Script, Node 20 runs import() only through an experimental
// loader option that prints an ExperimentalWarning on stderr.
const [bundle] = main.outputFiles;
const text = bundle.text.replace(/\bimport\(("[^"]+")\)/g, "__cgImport($1)");
if (/\bimport\(/.test(text)) throw new Error("main.cjs holds an import() that bin/changegate.js cannot run: import only string literals of external packages");

// main.cjs's first line names its content and the vendor files' (bin keys the code caches by it).
const content = createHash("sha256").update(text);
for (const file of readdirSync(join(outdir, "vendor")).filter((name) => name.endsWith(".cjs")).sort()) content.update(readFileSync(join(outdir, "vendor", file)));
writeFileSync(bundle.path, `// changegate-build ${content.digest("hex").slice(0, 32)}\n${text}`);

// For ES modules that import the command line (scripts/demo.js): the same bundle.
writeFileSync(join(outdir, "main.js"), 'export { main, version } from "./main.cjs";\n');

// The check command's code cache, made now by one run on the examples, so that an install's first check is as quick as its next.
spawnSync(process.execPath, [join(root, "bin", "changegate.js"), "check", "--policy", "changegate.yml", "--files", "pr-normal.files", "--body", "pr-normal.md", "--at", "2026-02-25T03:00:00Z"], { cwd: join(root, "examples"), stdio: "ignore" });
