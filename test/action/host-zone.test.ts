import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain-JS build script, without types
import { zoneOffsetsPlugin } from "../../scripts/zone-offsets-plugin.js";
import { ROOT } from "./run-action.js";

/**
 * hostZoneOffsets moves the process's own zone, so it runs in a child process (the test
 * workers' zone is the one package.json chose). Each child script prints JSON.
 */
function inChild(body: string): unknown {
  const dir = mkdtempSync(join(tmpdir(), "changegate-host-zone-"));
  const script = join(dir, "check.ts");
  const source = (file: string) => JSON.stringify(pathToFileURL(join(ROOT, "src", file)).href);
  writeFileSync(
    script,
    [
      `import { hostZoneOffsets } from ${source("action/host-zone.ts")};`,
      `import { canonicalZones, intlZoneOffsets, zoneOffsetMinutes } from ${source("engine/wall-clock.ts")};`,
      `import { formatInstant } from ${source("report/checks.ts")};`,
      body,
    ].join("\n"),
  );
  const run = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: ROOT, encoding: "utf8", env: { PATH: process.env["PATH"], TZ: "Australia/Lord_Howe" } });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout);
}

describe("hostZoneOffsets", () => {
  it("answers every zone Intl lists as Intl does, from 1990 to 2045, at the minute of each offset change too", () => {
    // Each zone adopted in turn (a fresh source each time), at instants 7 days 5 h 7 min apart,
    // which walk through every hour of the day and every day of the week; and wherever Intl's
    // offset changed between two of them, at the minute before and the minute of the change
    // (found by bisection) and an hour either side.
    const result = inChild(`
      const MINUTE = 60000, HOUR = 3600000;
      const instants = [];
      for (let t = Date.UTC(1990, 0, 1); t < Date.UTC(2045, 0, 1); t += 7 * 86400000 + 5 * HOUR + 7 * MINUTE) instants.push(t);
      const mismatches = [];
      let checked = 0, changes = 0;
      for (const zone of canonicalZones()) {
        const host = hostZoneOffsets();
        const probe = (t) => {
          checked++;
          if (host(zone, t) !== intlZoneOffsets(zone, t)) mismatches.push(zone + " " + new Date(t).toISOString());
        };
        let previous = null;
        for (const instant of instants) {
          const offset = intlZoneOffsets(zone, instant);
          if (previous !== null && intlZoneOffsets(zone, previous) !== offset) {
            let before = previous, after = instant;
            while (after - before > MINUTE) {
              const middle = before + Math.floor((after - before) / 2 / MINUTE) * MINUTE;
              if (intlZoneOffsets(zone, middle) === intlZoneOffsets(zone, previous)) before = middle;
              else after = middle;
            }
            changes++;
            for (const t of [before - HOUR, before, after, after + HOUR]) probe(t);
          }
          probe(instant);
          previous = instant;
        }
      }
      console.log(JSON.stringify({ zones: canonicalZones().size, checked, changes, mismatches: mismatches.slice(0, 20), tz: process.env.TZ }));
    `) as { zones: number; checked: number; changes: number; mismatches: string[]; tz: string };
    expect(result.zones).toBeGreaterThan(400);
    expect(result.checked).toBeGreaterThan(result.zones * 2800);
    expect(result.changes).toBeGreaterThan(10_000);
    expect(result.mismatches).toEqual([]);
    expect(result.tz).not.toBe("Australia/Lord_Howe");
  }, 120_000);

  it("adopts the first listed zone only; other zones, and names Intl does not list, go to Intl", () => {
    const result = inChild(`
      const host = hostZoneOffsets();
      const summer = Date.UTC(2026, 6, 1, 12), winter = Date.UTC(2026, 0, 1, 12);
      const unlisted = host("US/Eastern", winter);
      const tzAfterUnlisted = process.env.TZ;
      const berlin = [host("Europe/Berlin", summer), host("Europe/Berlin", winter)];
      const tzAfterBerlin = process.env.TZ;
      const york = [host("America/New_York", summer), host("America/New_York", winter)];
      console.log(JSON.stringify({ unlisted, tzAfterUnlisted, berlin, tzAfterBerlin, york, tzAtEnd: process.env.TZ }));
    `);
    expect(result).toEqual({
      unlisted: -300,
      tzAfterUnlisted: "Australia/Lord_Howe",
      berlin: [120, 60],
      tzAfterBerlin: "Europe/Berlin",
      york: [-240, -300],
      tzAtEnd: "Europe/Berlin",
    });
  });

  it("gives the engine the same offsets once linked in (as the Action's bundle does), and instants render the same", async () => {
    const body = `
      const instants = [Date.UTC(2026, 2, 29, 0, 59), Date.UTC(2026, 2, 29, 1, 0), Date.UTC(2026, 9, 25, 0, 59), Date.UTC(2026, 9, 25, 1, 0)];
      const rendered = instants.map((t) => [zoneOffsetMinutes("Europe/Berlin", t), formatInstant(t, "Europe/Berlin")]);
      console.log(JSON.stringify({ rendered, tz: process.env.TZ }));
    `;
    const before = inChild(body) as { rendered: unknown; tz: string };
    const after = (await inBundledChild(body)) as { rendered: unknown; tz: string };
    expect(before.tz).toBe("Australia/Lord_Howe");
    // The bundle's engine asked the host-zone source, which adopted the policy's zone.
    expect(after.tz).toBe("Europe/Berlin");
    expect(after.rendered).toEqual(before.rendered);
    expect(after.rendered).toEqual([
      [60, "Sun 29 Mar 2026, 01:59 UTC+1"],
      [120, "Sun 29 Mar 2026, 03:00 UTC+2"],
      [120, "Sun 25 Oct 2026, 02:59 UTC+2"],
      [60, "Sun 25 Oct 2026, 02:00 UTC+1"],
    ]);
  });
});

/** The same script bundled as the Action's build links the engine (its zone offsets from host-zone-offsets.ts). */
async function inBundledChild(body: string): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), "changegate-host-zone-bundle-"));
  const entry = join(dir, "entry.ts");
  const source = (file: string) => JSON.stringify(join(ROOT, "src", file));
  writeFileSync(entry, [`import { zoneOffsetMinutes } from ${source("engine/wall-clock.ts")};`, `import { formatInstant } from ${source("report/checks.ts")};`, body].join("\n"));
  const outfile = join(dir, "entry.mjs");
  await build({ entryPoints: [entry], outfile, bundle: true, platform: "node", format: "esm", nodePaths: [join(ROOT, "node_modules")], plugins: [zoneOffsetsPlugin(ROOT)], logLevel: "warning",
    banner: { js: 'import { createRequire as __r } from "node:module"; const require = __r(import.meta.url);' },
  });
  const run = spawnSync(process.execPath, [outfile], { cwd: ROOT, encoding: "utf8", env: { PATH: process.env["PATH"], TZ: "Australia/Lord_Howe" } });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout);
}
