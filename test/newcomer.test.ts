import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isBuildCurrent } from "../scripts/ensure-build.js";
import { runCli } from "./support/cli.js";

const root = join(import.meta.dirname, "..");
const bundle = join(root, "dist", "cli-bundle");
const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe("the bundled command line", () => {
  it("bin/changegate.js runs the bundle: one file for every command and the calendar libraries apart, not dist/cli's ~240 modules", () => {
    expect(readFileSync(join(root, "bin", "changegate.js"), "utf8")).toContain('join(folder, "main.cjs")');
    expect(readdirSync(join(bundle, "vendor")).sort()).toEqual(["holidays", "holidays-astronomy.cjs", "holidays.cjs", "ical.cjs", "rrule.cjs", "windows-iana.cjs"]);
    const main = readFileSync(join(bundle, "main.cjs"), "utf8");
    // The calendar's libraries are required from their files, not bundled into main.cjs.
    expect(main).toContain(`require("./vendor/holidays.cjs")`);
    expect(main.length).toBeLessThan(600_000);
    const run = spawnSync(process.execPath, [join(root, "bin", "changegate.js"), "--version"], { encoding: "utf8" });
    expect(run.stdout).toMatch(/^changegate \d+\.\d+\.\d+\n$/);
  });

  it("the bundle decides every calendar form as the source does (the libraries in vendor/ are what the packages export)", async () => {
    const calendars = join(root, "examples", "calendars");
    const range = ["--policy", ".github/changegate.yml", "--from", "2026-09-01T00:00:00Z", "--to", "2027-09-01T00:00:00Z", "--releases", "releases.json", "--issues", "issues.json"];
    const runs = [
      ["calendar", ...range],
      ["calendar", ...range, "--ics"],
      ["calendar", ...range, "--json"],
      ["check", "--policy", ".github/changegate.yml", "--files", "../pr-normal.files", "--body", "../pr-normal.md", "--releases", "releases.json", "--issues", "issues.json", "--at", "2026-12-25T10:00:00Z", "--json"],
    ];
    for (const args of runs) {
      const bundled = spawnSync(process.execPath, [join(root, "bin", "changegate.js"), ...args], { cwd: calendars, encoding: "utf8", env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: "1" } });
      const source = await runCli(args, { cwd: calendars });
      expect({ exit: bundled.status, stdout: bundled.stdout, stderr: bundled.stderr }, args.join(" ")).toEqual(source);
      expect(source.exit, args.join(" ")).toBeLessThan(2);
    }
  });

  it("the API-reading commands import Octokit from the bundle as from the source, with no warning", async () => {
    // Port 9 refuses: the command gets as far as Octokit's first request.
    const env = { GITHUB_TOKEN: "t", GITHUB_API_URL: "http://127.0.0.1:9" };
    const args = ["audit", "verify", "--repo", "acme/shop"];
    const bundled = spawnSync(process.execPath, [join(root, "bin", "changegate.js"), ...args], { cwd: root, encoding: "utf8", env: { PATH: process.env["PATH"] ?? "", ...env } });
    const source = await runCli(args, { cwd: root, env });
    expect({ exit: bundled.status, stdout: bundled.stdout, stderr: bundled.stderr }).toEqual(source);
    expect(source.stderr).toMatch(/^changegate audit: cannot read the trail from acme\/shop/);
  });

  it("Octokit is never required: only an import() the API-reading commands reach", () => {
    const files = ["main.cjs", ...readdirSync(join(bundle, "vendor")).filter((file) => file.endsWith(".cjs")).map((file) => join("vendor", file))];
    const sources = files.map((file) => readFileSync(join(bundle, file), "utf8"));
    const mentions = sources.flatMap((source) => source.match(/.{0,12}"@octokit\/rest"/g) ?? []);
    expect(mentions.length).toBeGreaterThan(0);
    // bin/changegate.js's import(), which the build names __cgImport in main.cjs.
    for (const mention of mentions) expect(mention).toMatch(/__cgImport\("@octokit\/rest"$/);
  });
});

describe("npm run demo and npm run bench build once", () => {
  it("a build newer than every source counts as current, so demo and bench skip tsc", () => {
    // npm test's pretest step built dist/ just now.
    expect(isBuildCurrent(), "run npm run build").toBe(true);
    const demo = readFileSync(join(root, "scripts", "demo.js"), "utf8");
    expect(demo).toContain("ensureBuilt()");
    expect((JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts["demo"]).toBe("node scripts/demo.js");
  });
});

describe("npm run bench", () => {
  function benchDir(benches: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), "changegate-bench-run-"));
    tempDirs.push(dir);
    copyFileSync(join(root, "bench", "run.js"), join(dir, "run.js"));
    for (const [name, source] of Object.entries(benches)) writeFileSync(join(dir, name), source);
    return dir;
  }
  const run = (dir: string) => spawnSync(process.execPath, [join(dir, "run.js")], { encoding: "utf8" });

  it("exits 1 when a benchmark prints a target NOT met, and shows its output", () => {
    const result = run(benchDir({ "a.bench.js": 'console.log("  targets: met");\n', "b.bench.js": 'process.stdout.write("  targets: NOT ");\nsetTimeout(() => console.log("met"), 20);\n' }));
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("=== a.bench.js");
    expect(result.stdout).toContain("b.bench.js: a target NOT met");
  });

  it("exits 1 when one fails, 0 when every target is met", () => {
    expect(run(benchDir({ "a.bench.js": "process.exit(3);\n" })).status).toBe(1);
    expect(run(benchDir({ "a.bench.js": 'console.log("  targets: met");\n' })).status).toBe(0);
  });
});
