// Site benchmark (issue 14): `changegate site` over 100,000 generated records (targets: < 15 s,
// < 500 MB peak RSS, in its own process), then the timeline in Chromium: navigation to the
// first screen drawn (< 1 s) and each filter's answer (< 100 ms, measured in the page around
// the filtering and the redraw of the first page). The trail is the one audit.bench.ts keeps.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { HEAD_PATH } from "../src/audit/layout.js";
import { launchBrowser } from "../test/support/browser.js";
import { generateTrail, writeTrail } from "../test/support/trail.js";

const COUNT = 100_000;
const START = Date.parse("2026-01-01T00:00:00Z");
const EVERY = 5 * 60_000;
const trail = join(tmpdir(), `changegate-bench-trail-${COUNT}-v1`);
const out = join(tmpdir(), `changegate-bench-site-${COUNT}`);
const root = join(import.meta.dirname, "..");

if (!(existsSync(join(trail, HEAD_PATH)) && (JSON.parse(readFileSync(join(trail, HEAD_PATH), "utf8")) as { seq: number }).seq === COUNT)) {
  rmSync(trail, { recursive: true, force: true });
  mkdirSync(trail, { recursive: true });
  writeTrail(trail, generateTrail(COUNT, START, EVERY));
}
rmSync(out, { recursive: true, force: true });

// The built CLI in a process of its own, reporting its peak RSS as it exits.
const script = `const { main } = await import(${JSON.stringify(pathToFileURL(join(root, "dist/cli/main.js")).href)});
const started = performance.now();
const exit = await main(["site", "--dir", ${JSON.stringify(trail)}, "--out", ${JSON.stringify(out)}], { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: { CHANGEGATE_NOW: "2026-12-01T00:00:00Z" } });
console.error(JSON.stringify({ exit, ms: performance.now() - started, maxRssKb: process.resourceUsage().maxRSS }));`;
const started = performance.now();
const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
const wall = performance.now() - started;
const report = JSON.parse(run.stderr.trim().split("\n").at(-1)!) as { exit: number; ms: number; maxRssKb: number };
if (report.exit !== 0) throw new Error(`changegate site failed: ${run.stderr}`);
const size = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => sum + (entry.isDirectory() ? size(join(dir, entry.name)) : statSync(join(dir, entry.name)).size), 0);
console.log(`changegate site, ${COUNT.toLocaleString("en")} records: ${(report.ms / 1000).toFixed(1)} s in the command (${(wall / 1000).toFixed(1)} s with Node's start), peak RSS ${Math.round(report.maxRssKb / 1024)} MB; site ${(size(out) / 1e6).toFixed(1)} MB (data/site.js ${(statSync(join(out, "data/site.js")).size / 1e6).toFixed(1)} MB)  [targets < 15 s, < 500 MB]`);

const browser = await launchBrowser();
try {
  const firstScreens: number[] = [];
  for (let run = 0; run < 3; run++) {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(pathToFileURL(join(out, "index.html")).href);
    await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });
    firstScreens.push(Number(await page.getAttribute("body", "data-ready-ms")));
    if (run < 2) await page.close();
    else {
      const rows = await page.$$eval("#changes > li", (items) => items.length);
      const filters: [string, () => Promise<unknown>][] = [
        ["service", () => page.selectOption("#f-service", { label: "payments" })],
        ["type", () => page.selectOption("#f-type", { label: "emergency" })],
        ["tier", () => page.selectOption("#f-tier", { label: "medium" })],
        ["clear", () => page.click("#f-reset")],
        ["text 'change 9999'", () => page.fill("#f-text", "change 9999")],
        ["text, one letter more", () => page.fill("#f-text", "change 99991")],
      ];
      const times: string[] = [];
      for (const [name, act] of filters) {
        await act();
        await page.waitForTimeout(50);
        times.push(`${name} ${await page.getAttribute("body", "data-filter-ms")} ms`);
      }
      console.log(`timeline in Chromium: ${rows} rows in the DOM of ${COUNT.toLocaleString("en")}; first screen ${firstScreens.join(", ")} ms from navigation (target < 1000); filters: ${times.join(", ")} (target < 100)`);
    }
  }
} finally {
  await browser.close();
}
