import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

/** The command line's calendar: `changegate calendar`, `check --releases/--issues`, `validate` of calendar forms. */
let dir: string;
const ICS = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", "BEGIN:VEVENT", "UID:a@t", "DTSTART;VALUE=DATE:20261111", "DTEND;VALUE=DATE:20261112", "SUMMARY:Offsite", "END:VEVENT", "END:VCALENDAR", ""].join("\r\n");
const POLICY = `version: 1
timezone: "Europe/Berlin"
change_request: { required: false }
approvals: { low: { count: 0 }, medium: { count: 0 } }
windows:
  normal:
    - { days: [tue], from: "02:00", to: "06:00" }
freezes:
  - { name: "Friday afternoons", start: "2026-01-02T15:00", duration: "9h", rrule: "FREQ=WEEKLY;BYDAY=FR" }
  - { name: "Incident", while_issues_open: { labels: ["incident"] } }
blackouts:
  - { name: "Company", ics: ".github/company.ics" }
`;
const ISSUES = JSON.stringify([{ number: 5, title: "Outage", state: "open", labels: [{ name: "incident" }], user: { login: "alice" }, created_at: "2026-11-01T00:00:00Z" }]);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "changegate-calendar-"));
  mkdirSync(join(dir, ".github"));
  writeFileSync(join(dir, ".github", "changegate.yml"), POLICY);
  writeFileSync(join(dir, ".github", "company.ics"), ICS);
  writeFileSync(join(dir, "issues.json"), ISSUES);
  writeFileSync(join(dir, "bad.json"), '[{"number": "five"}]');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const range = ["--from", "2026-11-09T00:00:00Z", "--to", "2026-11-14T00:00:00Z"];

describe("changegate calendar", () => {
  it("--json lists windows, blackouts and freeze occurrences in the range, in UTC", async () => {
    const run = await runCli(["calendar", "--policy", ".github/changegate.yml", ...range, "--json"], { cwd: dir });
    expect(run.exit).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      { kind: "window", name: "normal change window", start: "2026-11-10T01:00:00.000Z", end: "2026-11-10T05:00:00.000Z" },
      { kind: "blackout", name: "Company: Offsite", start: "2026-11-10T23:00:00.000Z", end: "2026-11-11T23:00:00.000Z" },
      { kind: "freeze", name: "Friday afternoons", start: "2026-11-13T14:00:00.000Z", end: "2026-11-13T23:00:00.000Z" },
    ]);
  });

  it("--ics prints the same events as an RFC 5545 calendar, the same each run", async () => {
    const first = await runCli(["calendar", "--policy", ".github/changegate.yml", ...range, "--ics", "--issues", "issues.json"], { cwd: dir });
    const second = await runCli(["calendar", "--policy", ".github/changegate.yml", ...range, "--ics", "--issues", "issues.json"], { cwd: dir });
    expect(first.stdout).toBe(second.stdout);
    expect(first.stdout.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);
    const events = new ICAL.Component(ICAL.parse(first.stdout) as unknown[]).getAllSubcomponents("vevent");
    expect(events.map((event) => event.getFirstPropertyValue("summary"))).toEqual(["Freeze: Incident: #5 Outage", "Window: normal change window", "Blackout: Company: Offsite", "Freeze: Friday afternoons"]);
    expect(String(events[0]!.getFirstPropertyValue("description"))).toContain("until it is closed");
  });

  it("refuses a bad range or both formats with a one-line usage error", async () => {
    expect((await runCli(["calendar", "--policy", ".github/changegate.yml", "--from", "2026-11-09T00:00:00Z", "--to", "2026-11-01T00:00:00Z"], { cwd: dir })).stderr).toBe("changegate calendar: --to must be after --from\n");
    expect((await runCli(["calendar", "--policy", ".github/changegate.yml", "--ics", "--json"], { cwd: dir })).exit).toBe(2);
  });
});

describe("changegate check with calendars", () => {
  const check = ["check", "--policy", ".github/changegate.yml", "--at", "2026-11-10T02:00:00Z"];

  it("--issues: an open incident blocks; without it the summary says issues were not given", async () => {
    const blocked = await runCli([...check, "--issues", "issues.json"], { cwd: dir });
    expect(blocked.exit).toBe(1);
    expect(blocked.stdout).toContain("Freeze “Incident: #5 Outage” until #5 is closed");
    const open = await runCli(check, { cwd: dir });
    expect(open.exit).toBe(0);
    expect(open.stdout).toContain("Issues were not given (`--issues FILE`)");
  });

  it("--releases: a major release freezes for its `for`", async () => {
    writeFileSync(join(dir, ".github", "releases.yml"), 'version: 1\ntimezone: "Europe/Berlin"\nchange_request: { required: false }\napprovals: { low: { count: 0 }, medium: { count: 0 } }\nfreezes:\n  - { name: "Release", after_release: { tags: ["v*.0.0"], for: "48h" } }\n');
    writeFileSync(join(dir, "releases.json"), JSON.stringify([{ tag_name: "v2.0.0", published_at: "2026-11-09T12:00:00Z", draft: false, prerelease: false }]));
    const run = await runCli(["check", "--policy", ".github/releases.yml", "--at", "2026-11-10T02:00:00Z", "--releases", "releases.json"], { cwd: dir });
    expect(run.exit).toBe(1);
    expect(run.stdout).toContain("Freeze “Release: v2.0.0” until Wed 11 Nov 2026, 13:00 UTC+1");
    const later = await runCli(["check", "--policy", ".github/releases.yml", "--at", "2026-11-17T02:00:00Z", "--releases", "releases.json"], { cwd: dir });
    expect(later.exit).toBe(0);
  });

  it("a malformed --issues file is a precise usage error", async () => {
    const run = await runCli([...check, "--issues", "bad.json"], { cwd: dir });
    expect(run.exit).toBe(2);
    expect(run.stderr).toMatch(/^changegate check: bad\.json at \[0\]\.number: .*expected a JSON array of GitHub issue objects/);
  });

  it("validate checks the calendar's files: a malformed ICS file names its line", async () => {
    writeFileSync(join(dir, ".github", "broken.yml"), POLICY.replace("company.ics", "broken.ics"));
    writeFileSync(join(dir, ".github", "broken.ics"), ICS.replace("SUMMARY:Offsite", "SUMMARY Offsite"));
    const run = await runCli(["validate", ".github/broken.yml"], { cwd: dir });
    expect(run.exit).toBe(1);
    expect(run.stderr).toMatch(/^\.github\/broken\.ics:8:8: blackouts\[0\]\.ics: expected a content line/);
    expect((await runCli(["validate", ".github/changegate.yml"], { cwd: dir })).exit).toBe(0);
  });
});

describe("examples/calendars", () => {
  it("is a valid policy whose calendar shows every form", async () => {
    const root = join(import.meta.dirname, "..", "..");
    expect((await runCli(["validate", "examples/calendars/.github/changegate.yml"], { cwd: root })).exit).toBe(0);
    const run = await runCli(
      ["calendar", "--policy", "examples/calendars/.github/changegate.yml", "--from", "2026-12-01T00:00:00Z", "--to", "2027-01-08T00:00:00Z", "--json",
        "--releases", "examples/calendars/releases.json", "--issues", "examples/calendars/issues.json"],
      { cwd: root },
    );
    const names = (JSON.parse(run.stdout) as { name: string }[]).map((event) => event.name);
    for (const expected of ["Friday afternoons", "Last three days of the quarter", "After a major release: v3.0.0", "Open incident: #42 Checkout errors in eu-west", "Public holidays: Christmas Day", "Company calendar: Year-end shutdown", "Company calendar: All-hands", "normal change window"]) {
      expect(names).toContain(expected);
    }
    expect(names).not.toContain("After a major release: v3.1.0");
  });
});
