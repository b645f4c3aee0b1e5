import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// bin/changegate.js compiles the bundle through a V8 code cache beside it. Each test runs a
// copy of the installed layout (bin/, dist/cli-bundle/, package.json), so its cache is its own.
const root = join(import.meta.dirname, "..");
const examples = join(root, "examples");
const CHECK = ["check", "--policy", "changegate.yml", "--files", "pr-normal.files", "--body", "pr-normal.md", "--reviews", "pr-normal.reviews.json", "--teams", "teams.json", "--at", "2026-02-25T03:00:00Z"];
let install: string;

beforeAll(() => {
  install = mkdtempSync(join(tmpdir(), "changegate-compile-cache-"));
  cpSync(join(root, "bin"), join(install, "bin"), { recursive: true });
  cpSync(join(root, "dist", "cli-bundle"), join(install, "dist", "cli-bundle"), { recursive: true, filter: (path) => !path.includes("compile-cache") });
  cpSync(join(root, "package.json"), join(install, "package.json"));
});
afterAll(() => rmSync(install, { recursive: true, force: true }));

const cacheDir = () => join(install, "dist", "cli-bundle", "compile-cache");
const cached = () => (existsSync(cacheDir()) ? readdirSync(cacheDir()).sort() : []);
function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(install, "bin", "changegate.js"), ...args], { cwd: examples, encoding: "utf8", env: { ...process.env, ...env } });
}

describe("the command line's code cache", () => {
  it("is written by a command's first run that does its work, read by the next, and changes nothing the command prints", () => {
    rmSync(cacheDir(), { recursive: true, force: true });
    // A run that only prints help (or fails on its usage) compiles little of the command: it writes none.
    expect(run(["check", "--help"]).status).toBe(0);
    expect(run(["check", "--nope"]).status).toBe(2);
    expect(cached()).toEqual([]);
    const first = run(CHECK);
    expect(cached()).toEqual([expect.stringMatching(/^check\.main-[0-9a-f]{32}-v\d+\.\d+\.\d+-\w+\.bin$/)]);
    const file = join(cacheDir(), cached()[0]!);
    const written = readFileSync(file);
    const second = run(CHECK);
    // Accepted by V8: a rejected cache would have been written again.
    expect(readFileSync(file).equals(written)).toBe(true);
    expect([second.status, second.stdout, second.stderr]).toEqual([first.status, first.stdout, first.stderr]);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/✔ changegate\/approvals: success/);
  });

  it("is one file a command, so that each caches what it compiles", () => {
    run(["validate", "changegate.yml"]);
    run(["--version"]);
    expect(cached().map((file) => file.split("-")[0])).toEqual(["check.main", "other.main", "validate.main"]);
  });

  it("a damaged cache is refused by V8 and written again; the run is as without one", () => {
    const file = join(cacheDir(), cached().find((name) => name.startsWith("check.main-"))!);
    const expected = run(CHECK, { NODE_DISABLE_COMPILE_CACHE: "1" });
    writeFileSync(file, Buffer.alloc(4096, 7));
    const damaged = run(CHECK);
    expect([damaged.status, damaged.stdout, damaged.stderr]).toEqual([expected.status, expected.stdout, expected.stderr]);
    expect(readFileSync(file).equals(Buffer.alloc(4096, 7))).toBe(false);
  });

  it("NODE_DISABLE_COMPILE_CACHE=1 neither reads nor writes one", () => {
    rmSync(cacheDir(), { recursive: true, force: true });
    expect(run(CHECK, { NODE_DISABLE_COMPILE_CACHE: "1" }).status).toBe(0);
    expect(cached()).toEqual([]);
  });

  it("is keyed by the content of the bundle and its vendor files (V8 itself compares only the source's length)", () => {
    const bundle = join(install, "dist", "cli-bundle");
    const [first, ...rest] = readFileSync(join(bundle, "main.cjs"), "utf8").split("\n");
    const content = createHash("sha256").update(rest.join("\n"));
    for (const file of readdirSync(join(bundle, "vendor")).filter((name) => name.endsWith(".cjs")).sort()) content.update(readFileSync(join(bundle, "vendor", file)));
    expect(first).toBe(`// changegate-build ${content.digest("hex").slice(0, 32)}`);
  });

  it("covers the vendor files a command requires, each once", () => {
    const calendars = join(root, "examples", "calendars");
    const args = ["calendar", "--policy", ".github/changegate.yml", "--from", "2026-12-01T00:00:00Z", "--to", "2027-01-08T00:00:00Z", "--releases", "releases.json", "--issues", "issues.json"];
    const listing = () => spawnSync(process.execPath, [join(install, "bin", "changegate.js"), ...args], { cwd: calendars, encoding: "utf8" });
    const first = listing();
    const calendarFiles = () => cached().filter((file) => file.startsWith("calendar.")).map((file) => file.replace(/-[0-9a-f]{32}-.*$/, "")).sort();
    // Weekly and quarterly rules, DE-BY's holidays and a calendar file with IANA zones: no rrule, astronomy, ical.js or windows-iana.
    expect(calendarFiles()).toEqual(["calendar.holidays", "calendar.main"]);
    const second = listing();
    expect([second.status, second.stdout, second.stderr]).toEqual([first.status, first.stdout, first.stderr]);
    expect(first.stdout).toMatch(/Christmas|Weihnacht/);
    // A rule only rrule expands, Japan's equinoxes, a Windows TZID and the --ics feed (ical.js writes it): each library's file, cached once.
    const folder = mkdtempSync(join(tmpdir(), "changegate-compile-cache-calendar-"));
    try {
      writeFileSync(join(folder, "policy.yml"), 'version: 1\ntimezone: "Asia/Tokyo"\nfreezes:\n  - { name: "month end", start: "2026-01-01T18:00", duration: "6h", rrule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1" }\nblackouts:\n  - { name: "holidays", holidays: { country: "JP" } }\n  - { name: "company", ics: "company.ics" }\n');
      writeFileSync(join(folder, "company.ics"), "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a@b\r\nSUMMARY:offsite\r\nDTSTART;TZID=Tokyo Standard Time:20261105T090000\r\nDURATION:PT8H\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
      const feed = () => spawnSync(process.execPath, [join(install, "bin", "changegate.js"), "calendar", "--policy", "policy.yml", "--from", "2026-09-01T00:00:00Z", "--to", "2026-12-01T00:00:00Z", "--ics"], { cwd: folder, encoding: "utf8" });
      const written = feed();
      expect(written.stdout).toMatch(/SUMMARY:Blackout: holidays: Autumnal Equinox Day/);
      expect(written.stdout).toMatch(/SUMMARY:Blackout: company: offsite/);
      expect(calendarFiles()).toEqual(["calendar.holidays", "calendar.holidays-astronomy", "calendar.ical", "calendar.main", "calendar.rrule", "calendar.windows-iana"]);
      const again = feed();
      expect([again.status, again.stdout, again.stderr]).toEqual([written.status, written.stdout, written.stderr]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("knows every command, so that none shares the cache of `other`", () => {
    const overview = run(["--help"]).stdout;
    const commands = [...overview.matchAll(/^ {2}(\w+) {2}/gm)].map((match) => match[1]);
    const bin = readFileSync(join(root, "bin", "changegate.js"), "utf8");
    const listed = JSON.parse(/const COMMANDS = (\[[^\]]*\]);/.exec(bin)![1]!) as string[];
    expect(commands.length).toBeGreaterThan(5);
    expect(listed).toEqual(commands);
  });
});
