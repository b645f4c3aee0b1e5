import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { icsCalendar } from "./ics.js";
import { PAGES, pageHtml } from "./pages.js";
import { detailsScript, siteDataScript, type BuiltSite } from "./site-data.js";

/** The pages' script and styles, built by `npm run build` (scripts/build-site.js) from src/site/browser/. */
export const ASSETS_DIR = fileURLToPath(new URL("../../dist/site-assets/", import.meta.url));

/** Writes the static site: four pages, their assets, the data scripts and calendar.ics. */
export function writeSite(out: string, site: BuiltSite, calendarName: string): { files: number } {
  if (!existsSync(join(ASSETS_DIR, "site.js"))) throw new Error(`the site's assets are not built (${ASSETS_DIR}): run npm run build`);
  mkdirSync(join(out, "assets"), { recursive: true });
  mkdirSync(join(out, "data"), { recursive: true });
  let files = 0;
  const write = (path: string, text: string) => {
    writeFileSync(join(out, path), text);
    files++;
  };
  for (const page of PAGES) write(`${page}.html`, pageHtml(page));
  for (const asset of readdirSync(ASSETS_DIR)) {
    copyFileSync(join(ASSETS_DIR, asset), join(out, "assets", asset));
    files++;
  }
  write("data/site.js", siteDataScript(site.data));
  for (const [chunk, details] of site.details) write(`data/details-${chunk}.js`, detailsScript(chunk, details));
  write("calendar.ics", icsCalendar(site.data.events, calendarName, site.data.generatedAt));
  return { files };
}
