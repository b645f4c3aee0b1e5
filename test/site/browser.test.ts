import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordPath } from "../../src/audit/layout.js";
import type { AuditRecord } from "../../src/audit/record.js";
import { rankBefore } from "../../src/site/rank.js";
import { buildSiteData } from "../../src/site/site-data.js";
import { launchBrowser, watchPage, type PageWatch } from "../support/browser.js";
import { runCli } from "../support/cli.js";
import { chain, changeRecord, writeTrail } from "../support/trail.js";

const H = 3_600_000;
const T0 = Date.parse("2026-11-09T00:00:00Z");
const EVERY = 3 * H;
const NOW = "2026-11-30T12:00:00Z";
const XSS = `<img src=x onerror="window.__xss = 1"> Tune search <script>window.__xss = 2</script>`;
const SCREENS = join(import.meta.dirname, "../../docs/screens");

const POLICY = [
  "version: 1",
  "timezone: UTC",
  "windows:",
  '  normal: [{ days: [mon, tue, wed, thu, fri], from: "08:00", to: "18:00" }]',
  "freezes:",
  '  - { name: "Black Friday", start: "2026-11-26T18:00:00Z", end: "2026-11-28T06:00:00Z", exceptions: { labels: ["incident-fix"] } }',
  '  - { name: "Friday afternoons", start: "2026-10-02T15:00", duration: "9h", rrule: "FREQ=WEEKLY;BYDAY=FR" }',
  "",
].join("\n");

/** Four weeks of changes: three services, an emergency, a freeze exception, a revert, and a title that is markup. */
function trail(): AuditRecord[] {
  const changes = [];
  for (let number = 1; number <= 200; number++) {
    const services = [["payments"], ["search"], ["checkout"], ["payments", "checkout"]][number % 4]!;
    changes.push(changeRecord({ number, mergedAt: T0 + number * EVERY, services, type: number === 77 ? "emergency" : number % 9 === 0 ? "standard" : "normal", title: number === 40 ? XSS : `Change ${number} to ${services.join(" and ")}` }));
  }
  const exception = changes[143]!; // #144, merged in the freeze (2026-11-27T00:00Z)
  exception.pull_request.labels = ["incident-fix"];
  exception.schedule = {
    gated: true,
    allowed: true,
    blockers: [],
    in_effect: [{ kind: "freeze", name: "Black Friday", start: Date.parse("2026-11-26T18:00:00Z"), end: Date.parse("2026-11-28T06:00:00Z") }],
    bypasses: [{ kind: "freeze-exception", freeze: "Black Friday", label: "incident-fix", approver: null }],
  };
  changes[99]!.risk.score = 14;
  changes[99]!.risk.effective_tier = "critical";
  return chain(changes);
}

let dir: string;
let out: string;
let browser: Browser;
let records: AuditRecord[];
/** A page of the site, with its query (pathToFileURL would escape the "?"). */
const url = (page: string) => {
  const [file, query] = page.split("?");
  return `${pathToFileURL(join(out, file!)).href}${query === undefined ? "" : `?${query}`}`;
};

beforeAll(async () => {
  execFileSync(process.execPath, [join(import.meta.dirname, "../../scripts/build-site.js"), "--quiet"]);
  dir = mkdtempSync(join(tmpdir(), "changegate-browser-"));
  records = trail();
  writeTrail(join(dir, "trail"), records);
  writeFileSync(join(dir, "policy.yml"), POLICY);
  out = join(dir, "site");
  const built = await runCli(["site", "--dir", "trail", "--policy", "policy.yml", "--out", "site"], { cwd: dir, env: { CHANGEGATE_NOW: NOW } });
  expect(built.stderr).toBe("");
  expect(built.exit).toBe(0);
  mkdirSync(SCREENS, { recursive: true });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(name: string, viewport = { width: 1200, height: 900 }): Promise<{ page: Page; watch: PageWatch }> {
  const page = await browser.newPage({ viewport });
  const watch = watchPage(page, (requested) => requested.startsWith(pathToFileURL(out).href));
  await page.goto(url(name));
  await page.waitForSelector("body[data-ready=true]");
  return { page, watch };
}

const seqs = (page: Page) => page.$$eval("#changes > li", (items) => items.map((item) => Number(item.getAttribute("data-seq"))));

describe("the static site in Chromium", () => {
  it("each page loads from disk with no console error and no request beyond its own files", async () => {
    for (const name of ["index.html", "investigate.html", "calendar.html", "metrics.html"]) {
      const { page, watch } = await open(name);
      expect(watch.errors, name).toEqual([]);
      expect(watch.offsite, name).toEqual([]);
      await page.screenshot({ path: join(SCREENS, name.replace(".html", ".png")) });
      await page.close();
    }
  });

  it("the timeline: newest first, 50 to a page, filters narrow it, and a change opens to its facts from the keyboard", async () => {
    const { page, watch } = await open("index.html");
    expect((await seqs(page)).slice(0, 3)).toEqual([200, 199, 198]);
    expect(await page.$$eval("#changes > li", (items) => items.length)).toBe(50);
    expect(await page.textContent("#count")).toBe("200 of 200 changes");
    await page.click("#next");
    expect((await seqs(page))[0]).toBe(150);

    await page.selectOption("#f-service", { label: "search" });
    const search = await seqs(page);
    expect(search.length).toBeGreaterThan(0);
    expect(search.every((seq) => seq % 4 === 1)).toBe(true);
    expect(await page.textContent("#count")).toBe(`${records.filter((record) => record.pull_request.number % 4 === 1).length} of 200 changes match`);
    await page.fill("#f-text", "change 17");
    expect(await seqs(page)).toEqual([177, 173, 117, 17]); // each word anywhere: "17" is in 117
    // The view is in the address: shared, it opens the same.
    expect(new URL(page.url()).search).toBe("?q=change+17&service=search");
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    expect(await seqs(page)).toEqual([177, 173, 117, 17]);
    await page.click("#f-reset");
    await page.selectOption("#f-type", { label: "emergency" });
    expect(await seqs(page)).toEqual([77]);
    expect(await page.$eval("#changes > li", (item) => item.className)).toContain("is-emergency");
    await page.selectOption("#f-type", { label: "any" });
    await page.fill("#f-since", new Date(T0 + 100 * EVERY).toISOString().slice(0, 16));
    await page.fill("#f-until", new Date(T0 + 103 * EVERY).toISOString().slice(0, 16));
    await page.dispatchEvent("#f-until", "change");
    expect(await seqs(page)).toEqual([102, 101, 100]);

    await page.focus("#changes > li summary");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#changes > li .facts");
    const facts = await page.textContent("#changes > li .facts");
    expect(facts).toContain("Risk:");
    expect(facts).toContain("bob at");
    expect(await page.getAttribute("#changes > li .links a", "href")).toBe("https://github.com/acme/shop/pull/102");
    const investigate = await page.getAttribute('#changes > li .links a[href^="investigate.html"]', "href");
    expect(investigate).toBe(`investigate.html?at=${encodeURIComponent(new Date(T0 + 102 * EVERY).toISOString())}&service=checkout`);
    expect(watch.errors).toEqual([]);
    await page.close();
  });

  it("a title holding markup is shown as text and runs no script", async () => {
    const { page, watch } = await open("index.html?q=tune%20search");
    expect(await seqs(page)).toEqual([40]);
    await page.click("#changes > li summary");
    await page.waitForSelector("#changes > li .facts");
    expect(await page.textContent("#changes > li .title")).toBe(XSS);
    expect(await page.$$eval("#changes img, #changes script", (found) => found.length)).toBe(0);
    expect(await page.evaluate("typeof window.__xss")).toBe("undefined");
    expect(watch.offsite).toEqual([]);
    expect(watch.errors).toEqual([]);
    await page.close();
  });

  it("investigate: the changes before the symptom in the documented order", async () => {
    const at = T0 + 100.5 * EVERY;
    const { page, watch } = await open(`investigate.html?at=${new Date(at).toISOString()}&service=payments`);
    const data = buildSiteData(records, { where: "", verified: records.length, unverified: 0, problem: null }, null, { now: Date.parse(NOW), failureWindowMs: 24 * H });
    // The input holds minutes: the page asks at the minute.
    const expected = rankBefore(data.changes, Math.floor(at / 60_000) * 60_000, data.services.indexOf("payments"), 24 * H).map((entry) => data.changes[entry.index]!.s);
    const shown = await seqs(page);
    expect(shown).toEqual(expected);
    expect(shown[0]).toBe(100); // the critical change to payments, just before
    expect(await page.textContent("#changes > li .why")).toMatch(/^rank 0\.\d{3}: 90 min before \(closeness 0\.94\), touched the service, risk 0\.83$/);
    expect(shown).not.toContain(101); // after the symptom
    expect(new URL(page.url()).searchParams.get("hours")).toBe("24");
    expect(watch.errors).toEqual([]);
    await page.close();
  });

  it("the calendar shows the freezes, a recurring one on each of its days, and marks the change made in one under an exception", async () => {
    const { page, watch } = await open("calendar.html?at=2026-11-26");
    expect(await page.textContent("#c-title")).toBe("November 2026");
    const friday = page.locator('[data-day="2026-11-27"]');
    expect(await friday.locator(".ev.freeze").allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining("Black Friday"), "freeze: Friday afternoons 15:00–24:00"]));
    // The recurring freeze: every Friday of the month, from 15:00 into the night, and not on other days.
    for (const day of ["2026-11-06", "2026-11-13", "2026-11-20"]) expect(await page.locator(`[data-day="${day}"] .ev.freeze`).allTextContents()).toEqual(["freeze: Friday afternoons 15:00–24:00"]);
    // [15:00, 24:00): it ends at midnight, so Saturday holds none of it.
    for (const day of ["2026-11-07", "2026-11-10"]) expect(await page.locator(`[data-day="${day}"] .ev.freeze`).count()).toBe(0);
    await page.click("#c-week");
    expect(await page.textContent("#c-title")).toBe("Week of 2026-11-23");
    const marked = page.locator("#c-grid .chg.exception");
    expect(await marked.count()).toBe(1);
    expect(await marked.textContent()).toContain("acme/shop#144");
    expect(await page.locator('[data-day="2026-11-24"] .ev.window').count()).toBe(1);
    await page.screenshot({ path: join(SCREENS, "calendar-week.png") });
    const ics = readFileSync(join(out, "calendar.ics"), "utf8");
    expect(ics).toContain("SUMMARY:freeze: Black Friday");
    expect(ics).toContain("DTSTART:20261106T150000Z\r\nDTEND:20261107T000000Z\r\nSUMMARY:freeze: Friday afternoons");
    expect(watch.errors).toEqual([]);
    await page.close();
  });

  it("the metrics charts draw their series", async () => {
    const { page, watch } = await open("metrics.html");
    expect(await page.getAttribute("body", "data-charts")).toBe("4");
    // The lead-time chart's canvas holds pixels of its series' colour (#1f6feb), not only axes.
    // (Page code as text: this file is type-checked without the DOM's types.)
    const drawn = await page.evaluate(`(() => {
      const canvas = document.querySelector("#m-lead canvas");
      const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let at = 0; at < data.length; at += 4) if (Math.abs(data[at] - 31) < 20 && Math.abs(data[at + 1] - 111) < 20 && Math.abs(data[at + 2] - 235) < 20 && data[at + 3] > 200) count++;
      return count;
    })()`);
    expect(drawn).toBeGreaterThan(20);
    expect(await page.$$eval("#m-table tbody tr", (rows) => rows.length)).toBeGreaterThan(0);
    expect(watch.errors).toEqual([]);
    await page.close();
  });

  it("readable on a phone (no sideways scroll) and printable (no controls on paper)", async () => {
    const { page } = await open("index.html", { width: 390, height: 844 });
    expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")).toBe(true);
    await page.screenshot({ path: join(SCREENS, "index-phone.png") });
    // Printed, the controls go and the changes stay.
    await page.emulateMedia({ media: "print" });
    expect(await page.isVisible("#filters")).toBe(false);
    expect(await page.isVisible("#changes > li")).toBe(true);
    await page.close();
  });

  it("a broken trail renders what verifies and says what does not", async () => {
    const broken = join(dir, "broken");
    writeTrail(broken, records.slice(0, 20));
    const file = join(broken, recordPath(12));
    writeFileSync(file, readFileSync(file, "utf8").replace('"author":"carol"', '"author":"mallory"'));
    const built = await runCli(["site", "--dir", "broken", "--out", "broken-site"], { cwd: dir, env: { CHANGEGATE_NOW: NOW } });
    expect(built.exit).toBe(1);
    expect(built.stderr).toContain("record 12");
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(dir, "broken-site/index.html")).href);
    await page.waitForSelector("body[data-ready=true]");
    expect(await page.textContent("#trail .warn")).toContain("record 12");
    expect(await page.textContent("#trail .warn")).toContain("9 records after the break are not shown");
    expect((await seqs(page))[0]).toBe(11);
    await page.close();
  });
});
