import { describe, expect, it } from "vitest";
import { isDeploymentRecord, type DeploymentRecord } from "../../src/audit/deployment-record.js";
import { deliveryMetrics, weekOf } from "../../src/audit/query.js";
import type { AuditRecord } from "../../src/audit/record.js";
import { verifyChain } from "../../src/audit/chain.js";
import { canonicalJson } from "../../src/audit/canonical.js";
import { recordPath } from "../../src/audit/layout.js";
import { deliveryHistory, deploymentOutcome, sealAll } from "../support/deployments.js";

const MONDAY = Date.parse("2026-01-05T00:00:00Z");
const HOUR = 3_600_000;

function split(records: (AuditRecord | DeploymentRecord)[]) {
  return { deployments: records.filter(isDeploymentRecord), merges: records.filter((record): record is AuditRecord => !isDeploymentRecord(record)) };
}

describe("delivery metrics", () => {
  it("weeks start on Monday 00:00 UTC", () => {
    expect(weekOf(Date.parse("2026-01-05T00:00:00Z"))).toBe("2026-01-05");
    expect(weekOf(Date.parse("2026-01-11T23:59:59Z"))).toBe("2026-01-05");
    expect(weekOf(Date.parse("2026-01-12T00:00:00Z"))).toBe("2026-01-12");
    expect(weekOf(Date.parse("2026-01-04T23:59:59Z"))).toBe("2025-12-29");
  });

  it("gives the generated history's known answers, per environment and per week", () => {
    const { deployments, merges } = split(sealAll(deliveryHistory(4, MONDAY)));
    const metrics = deliveryMetrics(deployments, merges, { since: MONDAY, until: MONDAY + 28 * 24 * HOUR });
    const production = metrics.environments["production"]!;
    // 4 a week, plus Friday's restoring deployment in weeks 1 and 3.
    expect(production.deployments).toBe(18);
    expect(production.successful).toBe(16);
    expect(production.deploymentsPerWeek).toBe(4);
    // Two failures and one rollback.
    expect(production.failed).toBe(3);
    expect(production.changeFailureRate).toBeCloseTo(3 / 18, 10);
    expect(production.leadTimeHours).toEqual({ count: 16, median: 5, p90: 5, mean: 5 });
    // Restored in 24 h, 2 h (the rollback at 08:00, the next success at 10:00), 24 h.
    expect(production.timeToRestoreHours).toEqual({ count: 3, median: 24, p90: 24, mean: 16.67 });
    expect(Object.keys(production.weeks)).toEqual(["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"]);
    expect(production.weeks["2026-01-05"]).toMatchObject({ deployments: 4, successful: 4, failed: 0, changeFailureRate: 0, timeToRestoreHours: null });
    expect(production.weeks["2026-01-12"]).toMatchObject({ deployments: 5, successful: 4, failed: 1, changeFailureRate: 0.2, timeToRestoreHours: { count: 1, median: 24 } });
    expect(production.weeks["2026-01-19"]).toMatchObject({ deployments: 4, successful: 4, failed: 1, changeFailureRate: 0.25, timeToRestoreHours: { count: 1, median: 2 } });

    const staging = metrics.environments["staging"]!;
    expect(staging).toMatchObject({ deployments: 20, successful: 20, failed: 0, changeFailureRate: 0, deploymentsPerWeek: 5, leadTimeHours: null, timeToRestoreHours: null });
  });

  it("a range counts only the outcomes inside it, but a failure before it still ends in a restore inside it", () => {
    const { deployments, merges } = split(sealAll(deliveryHistory(4, MONDAY)));
    // Week 1 alone, from Friday 00:00: only the restoring deployment, 24 h after the failure on Thursday.
    const since = MONDAY + 7 * 24 * HOUR + 4 * 24 * HOUR;
    const metrics = deliveryMetrics(deployments, merges, { since, until: MONDAY + 14 * 24 * HOUR });
    expect(metrics.environments["production"]).toMatchObject({ deployments: 1, successful: 1, failed: 0, timeToRestoreHours: { count: 1, median: 24 } });
  });

  it("a deployment reported twice (a redelivered status) counts once; its last state decides", () => {
    const records = sealAll([
      deploymentOutcome({ id: 1, environment: "production", at: MONDAY + HOUR, event: "error" }),
      deploymentOutcome({ id: 1, environment: "production", at: MONDAY + 2 * HOUR, event: "success" }),
      deploymentOutcome({ id: 1, environment: "production", at: MONDAY + 2 * HOUR, event: "success" }),
    ]) as DeploymentRecord[];
    const metrics = deliveryMetrics(records, [], { since: null, until: null });
    expect(metrics.environments["production"]).toMatchObject({ deployments: 1, successful: 1, failed: 0, timeToRestoreHours: { count: 1, median: 1 } });
  });

  it("merge and deployment records make one chain that verifies, and an edited deployment record breaks it", () => {
    const records = sealAll(deliveryHistory(1, MONDAY));
    const files = records.map((record) => ({ path: recordPath(record.seq), bytes: Buffer.from(canonicalJson(record)) }));
    const last = records.at(-1)!;
    expect(verifyChain(files, { seq: last.seq, hash: last.hash })).toMatchObject({ intact: true, count: records.length });
    const target = records.findIndex(isDeploymentRecord);
    const edited = { ...(records[target] as DeploymentRecord), event: "success" as const, at: "2026-01-01T00:00:00.000Z" };
    files[target] = { path: recordPath(edited.seq), bytes: Buffer.from(canonicalJson(edited)) };
    expect(verifyChain(files, { seq: last.seq, hash: last.hash })).toMatchObject({ intact: false, broken: { seq: edited.seq } });
  });
});

describe("changegate metrics and audit verify on a trail with deployment records", () => {
  it("verifies the mixed chain, leaves deployments out of the change queries and reports delivery per environment and week", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { runCli } = await import("../support/cli.js");
    const { writeTrail } = await import("../support/trail.js");
    const dir = mkdtempSync(join(tmpdir(), "changegate-delivery-"));
    try {
      const records = sealAll(deliveryHistory(4, MONDAY));
      writeTrail(dir, records);
      const cli = (args: string[]) => runCli(args, { cwd: dir, env: { CHANGEGATE_NOW: "2026-02-02T00:00:00Z" } });
      expect((await cli(["audit", "verify"])).stdout).toBe(`.: intact, ${records.length} records; newest ${records.length} (hash ${records.at(-1)!.hash})\n`);
      const changes = JSON.parse((await cli(["changes", "--json"])).stdout) as unknown[];
      expect(changes).toHaveLength(records.filter((record) => !isDeploymentRecord(record)).length);

      const json = JSON.parse((await cli(["metrics", "--since", "2026-01-05T00:00:00Z", "--until", "2026-02-02T00:00:00Z", "--json"])).stdout) as { changes: number; delivery: { environments: Record<string, { deployments: number; changeFailureRate: number }> } };
      expect(json.changes).toBe(18);
      expect(json.delivery.environments["production"]).toMatchObject({ deployments: 18, changeFailureRate: 3 / 18 });
      const text = (await cli(["metrics", "--since", "2026-01-05T00:00:00Z", "--until", "2026-02-02T00:00:00Z"])).stdout;
      expect(text).toContain("deployments to production between 2026-01-05T00:00:00Z and 2026-02-02T00:00:00Z: 18 (16 successful)");
      expect(text).toContain("  change failure rate: 16.7% (3 failed or rolled back)");
      expect(text).toMatch(/ {2}2026-01-12 +5 +1 +5h +24h/);
      expect(text).toContain("deployments to staging");
      const exported = (await cli(["audit", "export"])).stdout.trim().split("\n");
      expect(exported).toHaveLength(records.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
