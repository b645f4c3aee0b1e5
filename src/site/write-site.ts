import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SiteData } from "./model.js";
import { icsCalendar } from "./ics.js";
import { PAGES, pageHtml } from "./pages.js";
import { detailsScript, siteDataScript, type DetailsSink } from "./site-data.js";

/**
 * The pages' script and styles, built by `npm run build` (scripts/build-site.js) from
 * src/site/browser/: dist/site-assets/ beside src/ and dist/, or site-assets/ beside the
 * Action's bundle (scripts/build-action.js copies them there).
 */
export function assetsDir(): string {
  const candidates = [new URL("./site-assets/", import.meta.url), new URL("../../dist/site-assets/", import.meta.url)].map((url) => fileURLToPath(url));
  return candidates.find((dir) => existsSync(join(dir, "site.js"))) ?? candidates.at(-1)!;
}

/** The site's folder with its four pages and their assets; the data follows. */
export function prepareSiteFolder(out: string): void {
  const assets = assetsDir();
  if (!existsSync(join(assets, "site.js"))) throw new Error(`the site's assets are not built (${assets}): run npm run build`);
  mkdirSync(join(out, "assets"), { recursive: true });
  mkdirSync(join(out, "data"), { recursive: true });
  for (const page of PAGES) writeFileSync(join(out, `${page}.html`), pageHtml(page));
  for (const asset of readdirSync(assets)) copyFileSync(join(assets, asset), join(out, "assets", asset));
}

/** Writes each details file as the builder completes it. */
export function detailsFiles(out: string): DetailsSink {
  return (chunk, details) => writeFileSync(join(out, "data", `details-${chunk}.js`), detailsScript(chunk, details));
}

/** The timeline's data and the calendar feed. */
export function writeSiteData(out: string, data: SiteData, calendarName: string): void {
  writeFileSync(join(out, "data", "site.js"), siteDataScript(data));
  writeFileSync(join(out, "calendar.ics"), icsCalendar(data.events, calendarName, data.generatedAt));
}
