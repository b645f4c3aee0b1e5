// `npm run build` (after tsc): bundles the command line (src/cli/main.ts) into
// dist/cli-bundle/main.js, which bin/changegate.js runs, and a chunk a command (each loaded by
// main's import() when it runs) plus the code they share. Loading a few files instead of
// ~240 cuts the start of every command (see README, "Performance"). Not committed: npm's
// `prepare` builds it on install, as it builds dist/.
//
// - @octokit/rest stays outside the bundle: only the commands that read through the API
//   (audit --repo, verify --prs) import() it, from node_modules, when they run.
// - zod's English locale only, and yaml's ES module build, as in the Action's bundle.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { yamlAsModule, zodEnglishOnly } from "./esbuild-plugins.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "cli-bundle");

rmSync(outdir, { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: ["src/cli/main.ts"],
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: "[name]-[hash]",
  platform: "node",
  target: "node20",
  format: "esm",
  minify: true,
  keepNames: false,
  legalComments: "none",
  charset: "utf8",
  external: ["@octokit/rest"],
  // Bundled CommonJS (picomatch) requires Node built-ins at run time.
  banner: { js: 'import { createRequire as __cgRequire } from "node:module"; const require = __cgRequire(import.meta.url);' },
  plugins: [zodEnglishOnly, yamlAsModule],
  logLevel: "warning",
});
