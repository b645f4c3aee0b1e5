// Site benchmark (issue 14): `changegate site` over 100,000 generated records (targets: < 15 s,
// < 500 MB peak RSS, in its own process), then the timeline in Chromium: navigation to the
// first screen drawn (< 1 s) and each filter's answer (< 100 ms, measured in the page around
// the filtering and the redraw of the first page). Then the App's index of the same trail,
// built from the branch's archive served by the fake GitHub in this process. The trail is
// the one audit.bench.ts keeps.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, readdirSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Octokit } from "@octokit/rest";
import { memoryTrail } from "../src/audit/chain.js";
import { HEAD_PATH } from "../src/audit/layout.js";
import { readTrailArchive } from "../src/audit/trail-archive.js";
import { SiteBuilder } from "../src/site/site-data.js";
import { visitVerifiedRecords } from "../src/site/verified-records.js";
import { startFakeGitHub } from "../test/fake-github/index.js";
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
const usage = process.resourceUsage();
console.error(JSON.stringify({ exit, ms: performance.now() - started, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssKb: usage.maxRSS }));`;
const started = performance.now();
const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
const wall = performance.now() - started;
const report = JSON.parse(run.stderr.trim().split("\n").at(-1)!) as { exit: number; ms: number; cpuMs: number; maxRssKb: number };
if (report.exit !== 0) throw new Error(`changegate site failed: ${run.stderr}`);
const size = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => sum + (entry.isDirectory() ? size(join(dir, entry.name)) : statSync(join(dir, entry.name)).size), 0);
console.log(`changegate site, ${COUNT.toLocaleString("en")} records: ${(report.ms / 1000).toFixed(1)} s in the command (${(wall / 1000).toFixed(1)} s with Node's start; ${(report.cpuMs / 1000).toFixed(1)} s of CPU; load average ${loadavg()[0]!.toFixed(1)}), peak RSS ${Math.round(report.maxRssKb / 1024)} MB; site ${(size(out) / 1e6).toFixed(1)} MB (data/site.js ${(statSync(join(out, "data/site.js")).size / 1e6).toFixed(1)} MB)  [targets < 15 s, < 500 MB]`);

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

// The App's index: one archive download, then verify and index every record.
const files: Record<string, string> = {};
const walk = (folder: string, relative: string): void => {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.isDirectory()) walk(join(folder, entry.name), `${relative}${entry.name}/`);
    else files[`${relative}${entry.name}`] = readFileSync(join(folder, entry.name), "utf8");
  }
};
walk(trail, "");
const fake = await startFakeGitHub();
try {
  fake.addRepository({ owner: "acme", name: "audit", defaultBranch: "changegate/audit", files });
  const client = new Octokit({ baseUrl: fake.url, auth: "token", log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });
  const began = performance.now();
  const archive = await readTrailArchive(client, { owner: "acme", repo: "audit", branch: "changegate/audit" });
  const downloaded = performance.now();
  const builder = new SiteBuilder(null, { now: Date.now(), failureWindowMs: 86_400_000 }, () => undefined);
  const status = visitVerifiedRecords(memoryTrail(archive.files, archive.head), "acme/audit", (record) => builder.add(record));
  const indexed = builder.finish(status).changes.length;
  const built = performance.now();
  console.log(`App index, ${indexed.toLocaleString("en")} records: archive ${((downloaded - began) / 1000).toFixed(1)} s (the fake in this process builds and gzips it), verify and index ${((built - downloaded) / 1000).toFixed(1)} s; 1 request`);
} finally {
  await fake.close();
}
