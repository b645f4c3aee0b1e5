import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/audit/canonical.js";
import { memoryTrail, verifyTrail } from "../../src/audit/chain.js";
import { localTrail } from "../../src/audit/local-trail.js";
import { recordPath } from "../../src/audit/layout.js";
import { changeMetrics } from "../../src/audit/query.js";
import { policyEvents } from "../../src/site/calendar-events.js";
import { filterRows, NO_FILTER, searchTexts } from "../../src/site/filter.js";
import { icsCalendar } from "../../src/site/ics.js";
import { FLAG, type ChangeRow } from "../../src/site/model.js";
import { rankBefore, RANKING } from "../../src/site/rank.js";
import { buildSiteData, SiteBuilder } from "../../src/site/site-data.js";
import { outcomeRecord } from "../../src/audit/deployment-record.js";
import { sealRecord, type UnsealedRecord } from "../../src/audit/record.js";
import type { AuditRecord } from "../../src/audit/record.js";
import { visitVerifiedRecords } from "../../src/site/verified-records.js";
import { weeklyMetrics, weekStart } from "../../src/site/weekly-metrics.js";
import { runCli } from "../support/cli.js";
import { policyFrom } from "../support/policy.js";
import { chain, changeRecord, generateTrail, writeTrail } from "../support/trail.js";

const H = 3_600_000;
const DAY = 24 * H;
const T0 = Date.parse("2026-11-02T00:00:00Z");
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function row(seq: number, t: number, services: number[], score: number): ChangeRow {
  return { s: seq, t, r: 0, n: seq, ti: `Change ${seq}`, ty: 0, k: 0, sc: score, sv: services, a: 0, f: 0, d: 0 };
}

describe("investigate: the ranking", () => {
  const at = T0 + 10 * H;
  it("ranks closeness, then the chosen service, then risk, by the documented weights; nothing after the instant or before the look-back", () => {
    const rows = [
      row(1, at - 30 * 60_000, [1], 4), // 30 min before, another service, lowest risk
      row(2, at - 2 * H, [0], 4), // 2 h before, the service
      row(3, at - 30 * 60_000, [1], 16), // as close as 1, highest risk
      row(4, at + 60_000, [0], 16), // after the symptom: not a candidate
      row(5, at - 25 * H, [0], 16), // before the look-back
      row(6, at - 2 * H, [0], 4), // ties with 2: the higher seq first
    ];
    const ranked = rankBefore(rows, at, 0);
    // The service's changes 2 h before outrank another service's riskiest change 30 min before,
    // which outranks the same-time change of lowest risk.
    expect(ranked.map((entry) => rows[entry.index]!.s)).toEqual([6, 2, 3, 1]);
    expect(ranked[0]!.rank).toBeCloseTo(RANKING.weights.closeness * (1 - 2 / 24) + RANKING.weights.shared, 10);
    expect(ranked[2]!.rank).toBeCloseTo(RANKING.weights.closeness * (1 - 0.5 / 24) + RANKING.weights.risk * 1, 10);
    // With no service chosen, only time and risk count.
    expect(rankBefore(rows, at, null).map((entry) => rows[entry.index]!.s)).toEqual([3, 1, 6, 2]);
  });

  it("property: each part is in [0, 1], the rank is their weighted sum, and the order never goes up", () => {
    const rowArb = fc.record({ minutesBefore: fc.integer({ min: -120, max: 30 * 60 }), service: fc.integer({ min: 0, max: 3 }), score: fc.integer({ min: 4, max: 16 }) });
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 40 }), fc.option(fc.integer({ min: 0, max: 3 })), (specs, service) => {
        const rows = specs.map((spec, index) => row(index + 1, at - spec.minutesBefore * 60_000, [spec.service], spec.score));
        const ranked = rankBefore(rows, at, service);
        expect(ranked.length).toBe(rows.filter((candidate) => candidate.t <= at && candidate.t > at - 24 * H).length);
        for (const [index, entry] of ranked.entries()) {
          for (const part of [entry.closeness, entry.shared, entry.risk]) expect(part >= 0 && part <= 1).toBe(true);
          expect(entry.rank).toBeCloseTo(0.5 * entry.closeness + 0.3 * entry.shared + 0.2 * entry.risk, 10);
          if (index > 0) expect(entry.rank).toBeLessThanOrEqual(ranked[index - 1]!.rank);
        }
      }),
    );
  });
});

describe("timeline filters", () => {
  const records = chain([
    changeRecord({ number: 1, mergedAt: T0 + 1 * H, services: ["payments"], title: "Raise the payments timeout" }),
    changeRecord({ number: 2, mergedAt: T0 + 2 * H, services: ["search"], type: "emergency", repository: "acme/web" }),
    changeRecord({ number: 3, mergedAt: T0 + 3 * H, services: ["payments", "search"], type: "standard" }),
  ]);
  const data = buildSiteData(records, { where: "test", verified: 3, unverified: 0, problem: null }, null, { now: T0, failureWindowMs: DAY });
  const texts = searchTexts(data);
  const numbers = (indexes: number[]) => indexes.map((index) => data.changes[index]!.n);

  it("newest first; each filter alone, and together; time is [since, until); text words all match, any case", () => {
    expect(numbers(filterRows(data.changes, texts, NO_FILTER))).toEqual([3, 2, 1]);
    expect(numbers(filterRows(data.changes, texts, { ...NO_FILTER, service: data.services.indexOf("payments") }))).toEqual([3, 1]);
    expect(numbers(filterRows(data.changes, texts, { ...NO_FILTER, repository: data.repositories.indexOf("acme/web") }))).toEqual([2]);
    expect(numbers(filterRows(data.changes, texts, { ...NO_FILTER, type: data.types.indexOf("emergency") }))).toEqual([2]);
    expect(numbers(filterRows(data.changes, texts, { ...NO_FILTER, since: T0 + 2 * H, until: T0 + 3 * H }))).toEqual([2]);
    expect(numbers(filterRows(data.changes, texts, { ...NO_FILTER, text: "PAYMENTS timeout" }))).toEqual([1]);
    expect(numbers(filterRows(data.changes, texts, { ...NO_FILTER, text: "acme/web#2" }))).toEqual([2]);
    expect(numbers(filterRows(data.changes, texts, { ...NO_FILTER, service: data.services.indexOf("search"), type: data.types.indexOf("standard") }))).toEqual([3]);
    expect(data.changes.find((change) => change.n === 2)!.f & FLAG.emergency).toBe(FLAG.emergency);
  });
});

describe("weekly metrics", () => {
  it("each week's figures are changegate metrics over that week with every record as evidence", () => {
    const trail = chain([
      ...generateTrail(300, T0, 47 * 60_000).map(({ seq: _s, previous_hash: _p, hash: _h, ...record }) => record),
      changeRecord({ number: 901, mergedAt: T0 + 20 * DAY, body: "Reverts acme/shop#3" }),
    ]);
    const weeks = weeklyMetrics(trail, DAY);
    expect(weeks[0]!.start).toBe(weekStart(T0));
    expect(new Date(weeks[0]!.start).getUTCDay()).toBe(1);
    expect(weeks.reduce((sum, week) => sum + week.changes, 0)).toBe(trail.length);
    for (const week of weeks) {
      const full = changeMetrics(trail, { since: week.start, until: week.start + 7 * DAY }, DAY);
      expect(week.changes).toBe(full.changes);
      expect(week.failureRate).toBe(full.changeFailureRate);
      expect(week.emergencyRate).toBe(full.emergencyRate);
      expect(week.leadP90).toBe(full.leadTimeHours?.p90 ?? null);
      expect(week.waitP50).toBe(full.approvalWaitHours?.median ?? null);
    }
    // The revert three weeks later still counts against #3's week.
    expect(weeks[0]!.failureRate).toBeGreaterThan(0);
    // The site builder keeps only the members changeMetrics reads, and gets the same figures.
    expect(buildSiteData(trail, { where: "", verified: 0, unverified: 0, problem: null }, null, { now: T0, failureWindowMs: DAY }).weeks).toEqual(weeks);
  });

  it("every change's details are in the one file its row names, written once it is complete", () => {
    const files = new Map<number, Record<number, unknown>>();
    const writes: number[] = [];
    const data = buildSiteData(generateTrail(25), { where: "", verified: 25, unverified: 0, problem: null }, null, { now: T0, failureWindowMs: DAY, detailsChunk: 10 }, (chunk, details) => {
      writes.push(chunk);
      files.set(chunk, details);
    });
    expect(writes).toEqual([0, 1, 2]);
    for (const change of data.changes) expect(Object.keys(files.get(change.d)!)).toContain(String(change.s));
    expect([...files.values()].reduce((sum, file) => sum + Object.keys(file).length, 0)).toBe(25);
  });
});

describe("a broken trail", () => {
  it("shows the records before the first break and says which record breaks and how many are not shown", () => {
    const dir = mkdtempSync(join(tmpdir(), "changegate-site-"));
    dirs.push(dir);
    writeTrail(dir, generateTrail(10));
    const file = join(dir, recordPath(7));
    writeFileSync(file, readFileSync(file, "utf8").replace('"title":"Change 7"', '"title":"Change seven"'));
    const records: AuditRecord[] = [];
    const status = visitVerifiedRecords(localTrail(dir), "trail", (record) => records.push(record));
    expect(records.map((record) => record.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(status).toMatchObject({ verified: 6, unverified: 4 });
    expect(status.problem).toContain("record 7");
    expect(status.problem).toContain("edited");
  });
});

describe("deployment records in the trail", () => {
  it("verify with the chain and are not drawn as changes (nor counted in the change metrics)", () => {
    const deployment = outcomeRecord("success", { at: new Date(T0 + 2 * H).toISOString(), login: "github-actions", description: "" }, null, {
      repository: "acme/shop",
      deployment: { id: 7, environment: "production", sha: "a".repeat(40), ref: "main", run_id: null },
      recordedAt: new Date(T0 + 2 * H).toISOString(),
      recordedBy: "app",
    });
    const unsealed = [changeRecord({ number: 1, mergedAt: T0 + H }), deployment as unknown as UnsealedRecord, changeRecord({ number: 2, mergedAt: T0 + 3 * H })];
    const records: AuditRecord[] = [];
    for (const record of unsealed) records.push(sealRecord(record, records.at(-1) ?? null));
    const source = memoryTrail(records.map((record) => ({ path: recordPath(record.seq), bytes: Buffer.from(canonicalJson(record)) })), { seq: 3, hash: records[2]!.hash });
    const builder = new SiteBuilder(null, { now: T0, failureWindowMs: DAY }, () => undefined);
    const status = visitVerifiedRecords(source, "t", (record) => builder.add(record));
    expect(status).toMatchObject({ verified: 3, problem: null });
    const data = builder.finish(status);
    expect(data.changes.map((change) => change.s)).toEqual([3, 1]);
    expect(data.weeks.reduce((sum, week) => sum + week.changes, 0)).toBe(2);
  });
});

describe("verified records, in one pass", () => {
  const trail = generateTrail(12);
  const files = () => trail.map((record) => ({ path: recordPath(record.seq), bytes: Buffer.from(canonicalJson(record)) }));
  const head = (seq: number, hash = trail[seq - 1]?.hash ?? "f".repeat(64)) => ({ seq, hash });

  it("property: whatever is removed, edited or misnamed in head.json, exactly records 1..verified are handed on, in order, and verify's own verdict decides", () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("remove" as const), seq: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ kind: fc.constant("edit" as const), seq: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ kind: fc.constant("head" as const), seq: fc.integer({ min: 1, max: 20 }), right: fc.boolean() }),
      fc.record({ kind: fc.constant("none" as const) }),
    );
    fc.assert(
      fc.property(mutation, (change) => {
        let list = files();
        let named: { seq: number; hash: string } | null = head(12);
        if (change.kind === "remove") list = list.filter((file) => file.path !== recordPath(change.seq));
        if (change.kind === "edit") list = list.map((file) => (file.path === recordPath(change.seq) ? { ...file, bytes: Buffer.from(file.bytes.toString().replace(/"title":"Change \d+"/, '"title":"Edited"')) } : file));
        if (change.kind === "head") named = change.right ? head(change.seq) : head(change.seq, "e".repeat(64));
        const source = memoryTrail(list, named);
        const report = verifyTrail(source);
        const seen: number[] = [];
        const status = visitVerifiedRecords(source, "t", (record) => seen.push(record.seq));
        const verified = report.intact ? list.length : report.broken.seq - 1;
        expect(status.verified).toBe(verified);
        expect(seen).toEqual(Array.from({ length: verified }, (_, index) => index + 1));
        expect(status.problem === null).toBe(report.intact);
      }),
    );
  });
});

describe("calendar", () => {
  const policy = policyFrom(
    [
      "version: 1",
      'timezone: "Europe/Berlin"',
      "windows:",
      '  normal: [{ days: [tue], from: "22:00", to: "02:00" }]',
      "freezes:",
      '  - { name: "Year end", start: "2026-12-24T00:00", end: "2026-12-27T00:00" }',
      "",
    ].join("\n"),
  );

  it("weekly windows in the policy's zone (crossing midnight), and dated freezes, in the range", () => {
    const events = policyEvents(policy, Date.parse("2026-12-01T00:00:00Z"), Date.parse("2026-12-31T00:00:00Z"));
    const windows = events.filter((event) => event.kind === "window");
    expect(windows.map((event) => new Date(event.start).toISOString())).toEqual(["2026-12-01T21:00:00.000Z", "2026-12-08T21:00:00.000Z", "2026-12-15T21:00:00.000Z", "2026-12-22T21:00:00.000Z", "2026-12-29T21:00:00.000Z"]);
    expect(windows[0]!.end - windows[0]!.start).toBe(4 * H);
    expect(events.filter((event) => event.kind === "freeze")).toEqual([{ kind: "freeze", name: "Year end", start: Date.parse("2026-12-23T23:00:00Z"), end: Date.parse("2026-12-26T23:00:00Z") }]);
  });

  it("without a policy: the freezes recorded at merges, each once, and a note that says so", () => {
    const inFreeze = [1, 2].map((number) => {
      const record = changeRecord({ number, mergedAt: T0 + number * H });
      record.schedule = { gated: true, allowed: true, blockers: [], in_effect: [{ kind: "freeze", name: "Launch", start: T0, end: T0 + DAY }], bypasses: [] };
      return record;
    });
    const data = buildSiteData(chain(inFreeze), { where: "", verified: 2, unverified: 0, problem: null }, null, { now: T0, failureWindowMs: DAY });
    expect(data.events).toEqual([{ kind: "freeze", name: "Launch", start: T0, end: T0 + DAY }]);
    expect(data.calendarNotes[0]).toMatch(/^No policy was given/);
  });

  it("calendar.ics: a VEVENT each with a stable UID, UTC times, escaped text and folded lines", () => {
    const events = [{ kind: "freeze" as const, name: "Q4; end, of year\n" + "x".repeat(80), start: Date.parse("2026-12-24T00:00:00Z"), end: Date.parse("2026-12-27T00:00:00Z") }];
    const ics = icsCalendar(events, "acme", Date.parse("2026-12-01T00:00:00Z"));
    expect(ics).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(ics).toContain("DTSTART:20261224T000000Z\r\n");
    expect(ics).toContain("SUMMARY:freeze: Q4\\; end\\, of year\\n");
    for (const line of ics.split("\r\n")) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(icsCalendar(events, "acme", 0).match(/UID:.*/)![0]).toBe(ics.match(/UID:.*/)![0]);
  });
});

describe("changegate site: a user's mistake is one line and exit 2", () => {
  it("no --out, no trail, an invalid policy (with its line)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "changegate-site-cli-"));
    dirs.push(dir);
    writeTrail(join(dir, "trail"), generateTrail(3));
    writeFileSync(join(dir, "bad.yml"), "version: 1\ntimezone: Mars/Olympus\n");
    const noOut = await runCli(["site", "--dir", "trail"], { cwd: dir });
    expect(noOut).toMatchObject({ exit: 2, stdout: "" });
    expect(noOut.stderr).toBe("changegate site: --out DIR is required: the folder to write the site to\n");
    const noTrail = await runCli(["site", "--dir", "nothing", "--out", "site"], { cwd: dir });
    expect(noTrail.exit).toBe(2);
    expect(noTrail.stderr).toMatch(/^changegate site: .*nothing: no such directory\n$/);
    const badPolicy = await runCli(["site", "--dir", "trail", "--policy", "bad.yml", "--out", "site"], { cwd: dir });
    expect(badPolicy.exit).toBe(2);
    expect(badPolicy.stderr).toMatch(/^changegate site: invalid policy: bad\.yml:2:\d+: timezone: .*"Mars\/Olympus"/);
    const ok = await runCli(["site", "--dir", "trail", "--out", "site"], { cwd: dir, env: { CHANGEGATE_NOW: "2026-01-02T00:00:00Z" } });
    expect(ok).toMatchObject({ exit: 0, stderr: "", stdout: "site/index.html: 3 changes, 0 calendar events, 1 weeks of metrics\n" });
  });
});
