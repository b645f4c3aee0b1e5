// The site's one script and stylesheet, bundled for the browser (uPlot inside, no CDN):
// src/site/browser/site.ts -> dist/site-assets/site.js and site.css. `changegate site` copies
// them beside the pages, and the App serves them. Run by `npm run build` and by the tests.
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
await build({
  entryPoints: [join(root, "src/site/browser/site.ts")],
  outfile: join(root, "dist/site-assets/site.js"),
  bundle: true,
  format: "iife",
  platform: "browser",
  target: ["chrome110", "firefox110", "safari16"],
  minify: true,
  legalComments: "linked",
  logLevel: process.argv.includes("--quiet") ? "error" : "info",
});
