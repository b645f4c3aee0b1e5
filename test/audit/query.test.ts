import { describe, expect, it } from "vitest";
import { changeMetrics, changesTouching, CSV_COLUMNS, csvRow } from "../../src/audit/query.js";
import { buildAuditRecord, revertedPull, sealRecord, MAX_LISTED_FILES } from "../../src/audit/record.js";
import { chain, changeRecord, sampleDecision, sampleFacts } from "../support/trail.js";

const H = 3_600_000;
const T0 = Date.parse("2026-11-02T00:00:00Z");

describe("changes", () => {
  const trail = chain([
    changeRecord({ number: 1, mergedAt: T0 + 1 * H, services: ["payments"] }),
    changeRecord({ number: 2, mergedAt: T0 + 2 * H, services: ["search"] }),
    changeRecord({ number: 3, mergedAt: T0 + 3 * H, services: ["payments", "search"], type: "emergency" }),
    changeRecord({ number: 4, mergedAt: T0 + 5 * H, services: ["Payments"] }),
  ]);

  it("the changes that touched a service in a window, newest first; the window is half-open", () => {
    const found = changesTouching(trail, "payments", { since: T0 + 1 * H, until: T0 + 5 * H });
    expect(found.map((record) => record.pull_request.number)).toEqual([3, 1]);
    expect(changesTouching(trail, "PAYMENTS", { since: null, until: null }).map((record) => record.pull_request.number)).toEqual([4, 3, 1]);
    expect(changesTouching(trail, null, { since: T0 + 4 * H, until: null }).map((record) => record.pull_request.number)).toEqual([4]);
    expect(changesTouching(trail, "billing", { since: null, until: null })).toEqual([]);
  });

  it("CSV rows have every column, quote what needs quoting and defuse spreadsheet formulas", () => {
    const record = sealRecord({ ...changeRecord({ number: 9, mergedAt: T0, title: '=HYPERLINK("x"), "quoted"' }) }, null);
    const row = csvRow(record);
    expect(row.split(",").length).toBeGreaterThanOrEqual(CSV_COLUMNS.length);
    expect(row).toContain(`"'=HYPERLINK(""x""), ""quoted"""`);
    expect(row.startsWith("1,2026-11-02T00:00:00.000Z,acme/shop,9,")).toBe(true);
  });
});

describe("metrics", () => {
  it("counts by type and tier, the emergency rate, waits and lead times, and failures (reverted, or an emergency on the same service soon after)", () => {
    const trail = chain([
      changeRecord({ number: 1, mergedAt: T0 + 1 * H, services: ["payments"] }),
      changeRecord({ number: 2, mergedAt: T0 + 2 * H, services: ["search"] }),
      changeRecord({ number: 3, mergedAt: T0 + 3 * H, services: ["payments"], type: "emergency" }),
      changeRecord({ number: 4, mergedAt: T0 + 4 * H, services: ["checkout"], type: "standard" }),
      changeRecord({ number: 5, mergedAt: T0 + 40 * H, services: ["search"], body: "Reverts acme/shop#2" }),
    ]);
    const metrics = changeMetrics(trail, { since: T0, until: T0 + 10 * H }, 24 * H);
    expect(metrics.changes).toBe(4);
    expect(metrics.byType).toEqual({ normal: 2, emergency: 1, standard: 1 });
    expect(metrics.emergencyRate).toBe(0.25);
    // #1 was followed by emergency #3 on payments 2h later; #2 was reverted by #5 (outside the range: still evidence).
    expect(metrics.failed.map((failure) => failure.pull)).toEqual(["acme/shop#1", "acme/shop#2"]);
    expect(metrics.failed[1]!.why).toBe("reverted by acme/shop#5");
    expect(metrics.changeFailureRate).toBe(0.5);
    // The generator: ready 4h before merge, approved 3h before; first commit 6h before.
    expect(metrics.approvalWaitHours).toMatchObject({ count: 4, median: 1 });
    expect(metrics.leadTimeHours).toMatchObject({ count: 4, median: 6 });
    expect(changeMetrics(trail, { since: T0, until: T0 + 10 * H }, 1 * H).failed.map((failure) => failure.pull)).toEqual(["acme/shop#2"]);
    expect(changeMetrics([], { since: null, until: null }, H)).toMatchObject({ changes: 0, emergencyRate: null, changeFailureRate: null });
  });
});

describe("the record", () => {
  it("GitHub's revert body names the reverted PR, in this repository or another", () => {
    expect(revertedPull("Reverts acme/shop#12\n\nbecause", "acme/web")).toEqual({ repository: "acme/shop", number: 12 });
    expect(revertedPull("Reverts #7", "acme/web")).toEqual({ repository: "acme/web", number: 7 });
    expect(revertedPull("Nothing reverted here", "acme/web")).toBeNull();
  });

  it("very many changed files are kept as their count and an order-independent digest; few as the list", () => {
    const few = buildAuditRecord(sampleDecision(), sampleFacts(), "UTC");
    expect(few.files).toMatchObject({ count: 1, paths: ["services/payments/api.ts"], complete: true });
    const paths = Array.from({ length: MAX_LISTED_FILES + 1 }, (_, index) => `src/file${index}.ts`);
    const many = buildAuditRecord(sampleDecision(), { ...sampleFacts(), paths }, "UTC");
    const shuffled = buildAuditRecord(sampleDecision(), { ...sampleFacts(), paths: [...paths].reverse() }, "UTC");
    expect(many.files).toMatchObject({ count: MAX_LISTED_FILES + 1, paths: null });
    expect(many.files.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(shuffled.files.digest).toBe(many.files.digest);
    expect(few.files.digest).not.toBe(many.files.digest);
  });

  it("merged with a failing gate: a bypass under enforce; under report, the verdicts are kept but nothing was bypassed", () => {
    const enforced = buildAuditRecord(sampleDecision("enforce", false), sampleFacts(), "UTC");
    expect(enforced).toMatchObject({ gates: { approvals: "failure" }, bypassed: true, approvals: { satisfied: false } });
    const reported = buildAuditRecord(sampleDecision("report", false), sampleFacts(), "UTC");
    expect(reported).toMatchObject({ gates: { approvals: "failure" }, bypassed: false, policy: { enforcement: "report" } });
    expect(buildAuditRecord(sampleDecision(), sampleFacts(), "UTC")).toMatchObject({ bypassed: false, approvals: { counted: [{ reviewer: "bob", review_id: 7, at: "2026-11-02T09:30:00Z" }] } });
  });

  it("sealing links a record to the one before and hashes it", () => {
    const first = sealRecord(changeRecord({ number: 1, mergedAt: T0 }), null);
    const second = sealRecord(changeRecord({ number: 2, mergedAt: T0 + H }), first);
    expect([first.seq, first.previous_hash, second.seq, second.previous_hash]).toEqual([1, null, 2, first.hash]);
    expect(second.hash).not.toBe(first.hash);
  });
});
