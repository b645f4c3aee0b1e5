import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { calendarEvents } from "../../src/calendar/events.js";
import { calendarFeed } from "../../src/calendar/feed.js";
import { renderChecks } from "../../src/report/checks.js";
import { evaluate } from "../../src/engine/evaluate.js";
import { OPEN_ENDED } from "../../src/engine/occurrences.js";
import type { Issue, Release } from "../../src/calendar/build.js";
import { calendarPolicy, calendarProblems, iso, scheduleAt } from "./support.js";

const HOLIDAYS = (zone: string, region = 'region: "BY"') => `
version: 1
timezone: "${zone}"
blackouts:
  - name: "public holidays"
    holidays: { country: "DE", ${region} }
`;

describe("public holidays", () => {
  it("each holiday is a whole local day in the policy's zone", async () => {
    const policy = await calendarPolicy(HOLIDAYS("Europe/Berlin"));
    // Epiphany (6 January) is a holiday in Bavaria: 00:00 to 24:00 CET.
    expect(scheduleAt(policy, "2026-01-05T22:59:59Z").allowed).toBe(true);
    const inside = scheduleAt(policy, "2026-01-05T23:00:00Z");
    expect(inside.blockers[0]).toMatchObject({ kind: "blackout", name: "public holidays: Epiphany" });
    expect(iso(inside.opensAt)).toBe("2026-01-06T23:00:00.000Z");
    // Same holidays, read in Sydney's zone: the local day there.
    const sydney = await calendarPolicy(HOLIDAYS("Australia/Sydney"));
    expect(iso(scheduleAt(sydney, "2026-01-05T13:00:00Z").opensAt)).toBe("2026-01-06T13:00:00.000Z");
  });

  it("a region's own holidays apply only there", async () => {
    const bavaria = await calendarPolicy(HOLIDAYS("Europe/Berlin"));
    const berlin = await calendarPolicy(HOLIDAYS("Europe/Berlin", 'region: "BE"'));
    expect(scheduleAt(bavaria, "2026-01-06T10:00:00Z").allowed).toBe(false);
    expect(scheduleAt(berlin, "2026-01-06T10:00:00Z").allowed).toBe(true);
    expect(scheduleAt(berlin, "2026-03-08T10:00:00Z").allowed).toBe(false); // International Women's Day, Berlin only
  });

  it("unknown country or region: an invalid policy at the field, with the nearest code", async () => {
    const [country] = await calendarProblems(HOLIDAYS("UTC").replace('"DE"', '"Germany"'));
    expect(country).toMatchObject({ path: "blackouts[0].holidays.country", line: 6, suggestion: 'did you mean "DE" (Germany)?' });
    const [region] = await calendarProblems(HOLIDAYS("UTC", 'region: "BX"'));
    expect(region).toMatchObject({ path: "blackouts[0].holidays.region", line: 6 });
    expect(region!.message).toContain('unknown region "BX" of DE');
    expect(region!.suggestion).toMatch(/did you mean "B[A-Z]" \(/);
  });
});

const ICS = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//test//EN",
  "BEGIN:VEVENT",
  "UID:offsite@example.com",
  "DTSTART;VALUE=DATE:20261111",
  "DTEND;VALUE=DATE:20261113",
  "SUMMARY:Company offsite",
  "END:VEVENT",
  "BEGIN:VEVENT",
  "UID:standup@example.com",
  "DTSTART;TZID=America/New_York:20261102T090000",
  "DURATION:PT1H",
  "RRULE:FREQ=DAILY;COUNT=5",
  "EXDATE;TZID=America/New_York:20261104T090000",
  "SUMMARY:All-hands",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");
const ICS_POLICY = `
version: 1
timezone: "Europe/Berlin"
blackouts:
  - name: "company calendar"
    ics: ".github/company.ics"
`;

describe("iCalendar files", () => {
  it("each VEVENT, with its RRULE less its EXDATEs, is a blackout; all-day events are local days", async () => {
    const policy = await calendarPolicy(ICS_POLICY, { files: new Map([[".github/company.ics", ICS]]) });
    expect(scheduleAt(policy, "2026-11-10T22:59:00Z").allowed).toBe(true);
    expect(scheduleAt(policy, "2026-11-10T23:00:00Z").blockers[0]).toMatchObject({ name: "company calendar: Company offsite" });
    expect(iso(scheduleAt(policy, "2026-11-11T12:00:00Z").opensAt)).toBe("2026-11-12T23:00:00.000Z");
    // 09:00 New York (EST after 1 November) = 14:00Z, on 2, 3, 5, 6 November, not on the 4th.
    expect(scheduleAt(policy, "2026-11-02T14:30:00Z").allowed).toBe(false);
    expect(scheduleAt(policy, "2026-11-04T14:30:00Z").allowed).toBe(true);
    expect(scheduleAt(policy, "2026-11-06T14:30:00Z").allowed).toBe(false);
    expect(scheduleAt(policy, "2026-11-07T14:30:00Z").allowed).toBe(true);
  });

  it("a Windows zone name in TZID (as Outlook exports it) is its IANA zone", async () => {
    const outlook = ICS.replace("TZID=America/New_York:20261102T090000", "TZID=Eastern Standard Time:20261102T090000").replace("TZID=America/New_York:20261104T090000", "TZID=Eastern Standard Time:20261104T090000");
    const policy = await calendarPolicy(ICS_POLICY, { files: new Map([[".github/company.ics", outlook]]) });
    expect(scheduleAt(policy, "2026-11-02T14:30:00Z").allowed).toBe(false);
    expect(scheduleAt(policy, "2026-11-04T14:30:00Z").allowed).toBe(true);
  });

  it("a malformed file is an invalid policy with the file's line and column; a missing or oversized one too", async () => {
    const problemIn = async (text: string) => (await calendarProblems(ICS_POLICY, { files: new Map([[".github/company.ics", text]]) }))[0];
    const broken = ICS.replace("DTEND;VALUE=DATE:20261113", "DTEND;VALUE=DATE 20261113");
    // Where the ":" should be.
    expect(await problemIn(broken)).toMatchObject({ file: ".github/company.ics", line: 7, column: 26, path: "blackouts[0].ics" });
    // On a folded line's continuation, counted as an editor shows it.
    expect(await problemIn(ICS.replace("DTEND;VALUE=DATE:20261113", "DTEND;VALUE=DA\r\n TE 20261113"))).toMatchObject({ line: 8, column: 13 });
    expect(await problemIn(ICS.replace("END:VEVENT\r\nBEGIN:VEVENT", "END:VTODO\r\nBEGIN:VEVENT"))).toMatchObject({ line: 9, column: 5, message: "END:VTODO closes BEGIN:VEVENT of line 4" });
    expect(await problemIn(ICS.replace("DTEND;VALUE=DATE:20261113", "DTEND;VALUE=DATE:20261110"))).toMatchObject({ line: 7, column: 18, message: 'event "Company offsite" ends before it starts' });
    const unclosed = ICS.replace("END:VEVENT\r\nBEGIN:VEVENT", "BEGIN:VEVENT");
    expect((await calendarProblems(ICS_POLICY, { files: new Map([[".github/company.ics", unclosed]]) }))[0]!.message).toMatch(/never closed|closes BEGIN/);
    const badZone = ICS.replace("TZID=America/New_York:20261102", "TZID=America/New_Yrok:20261102");
    // At the TZID parameter's value.
    expect((await calendarProblems(ICS_POLICY, { files: new Map([[".github/company.ics", badZone]]) }))[0]).toMatchObject({ line: 12, column: 14, suggestion: 'did you mean "America/New_York"?' });
    const [missing] = await calendarProblems(ICS_POLICY);
    expect(missing).toMatchObject({ file: ".github/changegate.yml", path: "blackouts[0].ics", line: 6 });
    const huge = ICS.replace("SUMMARY:Company offsite", `SUMMARY:${"x".repeat(1_100_000)}`);
    expect((await calendarProblems(ICS_POLICY, { files: new Map([[".github/company.ics", huge]]) }))[0]!.message).toContain("over 1024 KiB");
  });
});

const release = (tag: string, published: string, extra: Partial<Release> = {}): Release => ({ tag_name: tag, published_at: published, draft: false, prerelease: false, ...extra });
const RELEASE_POLICY = `
version: 1
freezes:
  - name: "after a major release"
    after_release: { tags: ["v*.0.0"], for: "48h" }
`;

describe("after a release", () => {
  it("freezes for `for` after each matching release; drafts, pre-releases and other tags do not count", async () => {
    const policy = await calendarPolicy(RELEASE_POLICY, {
      releases: [
        release("v2.0.0", "2026-05-04T10:00:00Z"),
        release("v2.1.0", "2026-05-10T10:00:00Z"),
        release("v3.0.0", "2026-05-12T10:00:00Z", { prerelease: true }),
        release("v4.0.0", "2026-05-14T10:00:00Z", { draft: true }),
      ],
    });
    expect(scheduleAt(policy, "2026-05-04T09:59:59Z").allowed).toBe(true);
    const inside = scheduleAt(policy, "2026-05-04T10:00:00Z");
    expect(inside.blockers[0]).toMatchObject({ name: "after a major release: v2.0.0" });
    expect(iso(inside.opensAt)).toBe("2026-05-06T10:00:00.000Z");
    for (const at of ["2026-05-10T12:00:00Z", "2026-05-12T12:00:00Z", "2026-05-14T12:00:00Z"]) expect(scheduleAt(policy, at).allowed).toBe(true);
    const withPre = await calendarPolicy(RELEASE_POLICY.replace('for: "48h"', 'for: "48h", prereleases: true'), { releases: [release("v3.0.0", "2026-05-12T10:00:00Z", { prerelease: true })] });
    expect(scheduleAt(withPre, "2026-05-12T12:00:00Z").allowed).toBe(false);
  });

  it("without releases the form matches nothing and the decision says they were not given", async () => {
    const decision = scheduleAt(await calendarPolicy(RELEASE_POLICY), "2026-05-04T12:00:00Z");
    expect(decision.allowed).toBe(true);
    expect(decision.notGiven).toEqual(["releases"]);
  });
});

const issue = (number: number, labels: string[], login: string, state = "open"): Issue => ({
  number,
  title: `Outage ${number}`,
  state,
  labels: labels.map((name) => ({ name })),
  user: { login },
  created_at: "2026-06-01T08:00:00Z",
  html_url: `https://github.com/acme/shop/issues/${number}`,
});
const ISSUE_POLICY = `
version: 1
freezes:
  - name: "open incident"
    while_issues_open: { labels: ["incident", "sev1"], opened_by: ["sre"] }
`;

describe("while issues are open", () => {
  it("an open issue with every label, opened by a listed team's member, freezes until it is closed", async () => {
    const teams = { sre: ["alice"] };
    const policy = await calendarPolicy(ISSUE_POLICY, { issues: [issue(12, ["incident", "sev1"], "alice")], teams });
    const decision = scheduleAt(policy, "2026-06-01T09:00:00Z");
    expect(decision.blockers[0]).toMatchObject({ kind: "freeze", end: OPEN_ENDED, issue: { number: 12, url: "https://github.com/acme/shop/issues/12", author: "alice" } });
    expect(decision.opensAt).toBeNull();
    for (const issues of [[issue(12, ["incident"], "alice")], [issue(12, ["incident", "sev1"], "mallory")], [issue(12, ["incident", "sev1"], "alice", "closed")]]) {
      expect(scheduleAt(await calendarPolicy(ISSUE_POLICY, { issues, teams }), "2026-06-01T09:00:00Z").allowed).toBe(true);
    }
  });

  it("an issue's title is plain words in the freeze's name (no markup from whoever opened it)", async () => {
    const hostile = { ...issue(13, ["incident", "sev1"], "alice"), title: "![x](https://evil.example/x.png) <b>down</b>\n# now" };
    const policy = await calendarPolicy(ISSUE_POLICY, { issues: [hostile], teams: { sre: ["alice"] } });
    const [blocker] = scheduleAt(policy, "2026-06-01T09:00:00Z").blockers;
    expect(blocker).toMatchObject({ name: "open incident: #13 x (https://evil.example/x.png) b down /b now" });
  });

  it("without opened_by, only authors with write access count (when permissions are known)", async () => {
    const open = ISSUE_POLICY.replace(', opened_by: ["sre"]', "");
    const issues = [issue(3, ["incident", "sev1"], "bob")];
    expect(scheduleAt(await calendarPolicy(open, { issues, permissions: { bob: "read" } }), "2026-06-02T00:00:00Z").allowed).toBe(true);
    expect(scheduleAt(await calendarPolicy(open, { issues, permissions: { bob: "write" } }), "2026-06-02T00:00:00Z").allowed).toBe(false);
  });

  it("the schedule check names and links the issue, and says it lifts when the issue is closed", async () => {
    const policy = await calendarPolicy(`${ISSUE_POLICY}change_request: { required: false }\n`, { issues: [issue(12, ["incident", "sev1"], "alice")], teams: { sre: ["alice"] } });
    const decision = evaluate({
      policy,
      pullRequest: { owner: "acme", repo: "shop", number: 1, title: "t", author: "dev", body: "", labels: [], headSha: null, lastPusher: null },
      files: { files: [], complete: true },
      reviews: [],
      teams: {},
      permissions: null,
      at: Date.parse("2026-06-01T09:00:00Z"),
    });
    const schedule = renderChecks(decision, { timezone: "UTC" }).find((check) => check.name === "changegate/schedule")!;
    expect(schedule.conclusion).toBe("failure");
    expect(schedule.title).toBe("Freeze “open incident: #12 Outage 12” until #12 is closed");
    expect(schedule.summary).toContain("[#12 Outage 12](https://github.com/acme/shop/issues/12), opened by @alice");
  });
});

describe("calendar forms without their calendar", () => {
  it("fail closed: an entry whose occurrences were not provided blocks with a reason", async () => {
    const decision = scheduleAt(await calendarPolicy(HOLIDAYS("UTC")), "2026-02-02T10:00:00Z");
    expect(decision.allowed).toBe(true);
    const { calendar: _calendar, ...bare } = await calendarPolicy(HOLIDAYS("UTC"));
    const blocked = scheduleAt(bare, "2026-02-02T10:00:00Z");
    expect(blocked.allowed).toBe(false);
    expect(blocked.blockers[0]).toMatchObject({ kind: "calendar-unavailable", name: "public holidays" });
    expect(blocked.opensAt).toBeNull();
  });
});

describe("the calendar feed", () => {
  it("lists every form's occurrences as valid RFC 5545: CRLF, lines of at most 75 octets, UTC, stable UIDs", async () => {
    const policy = await calendarPolicy(`${ICS_POLICY}
  - name: "public holidays with a rather long name that needs folding across lines in the feed"
    holidays: { country: "DE", region: "BY" }
windows:
  normal:
    - { days: [tue], from: "02:00", to: "06:00" }
`, { files: new Map([[".github/company.ics", ICS]]) });
    const from = Date.parse("2026-11-01T00:00:00Z");
    const to = Date.parse("2026-11-15T00:00:00Z");
    const events = calendarEvents(policy, from, to);
    expect(events.map((event) => event.kind)).toContain("window");
    expect(events.filter((event) => event.name.startsWith("company calendar")).length).toBe(5); // offsite + 4 all-hands
    const feed = calendarFeed(events);
    expect(feed.split("\r\n").every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
    expect(feed.replace(/\r\n/g, "")).not.toContain("\n");
    const parsed = new ICAL.Component(ICAL.parse(feed) as unknown[]);
    const vevents = parsed.getAllSubcomponents("vevent");
    expect(vevents.length).toBe(events.length);
    const first = new ICAL.Event(vevents[0]!);
    expect(first.startDate.zone?.tzid).toBe("UTC");
    expect(first.startDate.toJSDate().getTime()).toBe(events[0]!.start);
    expect(calendarFeed(calendarEvents(policy, from, to))).toBe(feed);
    expect(new Set(vevents.map((vevent) => vevent.getFirstPropertyValue("uid"))).size).toBe(events.length);
  });
});
