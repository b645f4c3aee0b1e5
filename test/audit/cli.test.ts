import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordPath } from "../../src/audit/layout.js";
import { runCli } from "../support/cli.js";
import { chain, changeRecord, generateTrail, writeTrail } from "../support/trail.js";

const H = 3_600_000;
const NOW = "2026-11-02T12:00:00Z";
const T = Date.parse(NOW);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "changegate-trail-"));
  writeTrail(
    dir,
    chain([
      changeRecord({ number: 1, mergedAt: T - 30 * H, services: ["payments"], title: "Old payments change" }),
      changeRecord({ number: 2, mergedAt: T - 3 * H, services: ["search"], title: "Search ranking" }),
      changeRecord({ number: 3, mergedAt: T - 90 * 60_000, services: ["payments"], title: "Payments retry", type: "emergency" }),
      changeRecord({ number: 4, mergedAt: T - 30 * 60_000, services: ["payments", "search"], title: "Shared client", body: "Reverts acme/shop#2" }),
    ]),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], cwd = dir) => runCli(args, { cwd, env: { CHANGEGATE_NOW: NOW } });

describe("changegate changes", () => {
  it("which changes touched a service in the last hours, newest first, with tier, type and merge commit", async () => {
    const run = await cli(["changes", "--service", "payments", "--since", "2h"]);
    expect(run.exit).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toBe("2 changes touched payments since 2026-11-02T10:00:00Z, newest first:");
    expect(lines[1]).toMatch(/^2026-11-02T11:30:00.000Z {2}acme\/shop#4 {2}normal {2}\w+ {2}[0-9a-f]{12} {2}payments,search {2}Shared client$/);
    expect(lines[2]).toMatch(/acme\/shop#3 {2}emergency/);
    const json = JSON.parse((await cli(["changes", "--service", "payments", "--since", "2026-11-01T00:00:00Z", "--until", "2026-11-02T11:00:00Z", "--json"])).stdout) as { pull_request: number }[];
    expect(json.map((change) => change.pull_request)).toEqual([3, 1]);
    expect((await cli(["changes", "--service", "billing", "--since", "2h"])).stdout).toBe("no recorded change touched billing since 2026-11-02T10:00:00Z\n");
  });

  it("bad times are usage errors that show the expected form", async () => {
    const run = await cli(["changes", "--since", "yesterday"]);
    expect(run.exit).toBe(2);
    expect(run.stderr).toContain('--since expects a duration back from now (2h, 30d) or an ISO 8601 instant with its offset');
    expect((await cli(["changes", "--since", "1h", "--until", "2h"])).stderr).toContain("--until must be after --since");
  });
});

describe("changegate audit", () => {
  it("verify: 0 with the count and the newest hash; export as JSON lines and CSV within a range", async () => {
    const verified = await cli(["audit", "verify"]);
    expect(verified.exit).toBe(0);
    expect(verified.stdout).toMatch(/^\.: intact, 4 records; newest 4 \(hash [0-9a-f]{64}\)\n$/);
    const lines = (await cli(["audit", "export", "--since", "4h"])).stdout.trim().split("\n");
    expect(lines.map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual([2, 3, 4]);
    const csv = (await cli(["audit", "export", "--format", "csv", "--dir", dir], tmpdir())).stdout.trim().split("\n");
    expect(csv[0]).toMatch(/^seq,merged_at,repository,pull_request,title,/);
    expect(csv).toHaveLength(5);
    expect((await cli(["audit", "export", "--format", "xml"])).stderr).toContain('--format expects jsonl or csv; got "xml"');
  });

  it("verify: 1 naming the first broken record (a removed one here)", async () => {
    const broken = mkdtempSync(join(tmpdir(), "changegate-broken-"));
    try {
      writeTrail(broken, generateTrail(5));
      unlinkSync(join(broken, recordPath(3)));
      const run = await cli(["audit", "verify", "--dir", broken]);
      expect(run.exit).toBe(1);
      expect(run.stdout).toContain(`BROKEN at record 3: ${recordPath(3)} is missing`);
      writeFileSync(join(broken, recordPath(3)), "{}");
      expect((await cli(["audit", "verify", "--dir", broken])).stdout).toContain(`BROKEN at record 3: ${recordPath(3)} has no hash`);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it("a folder that holds no trail is a usage error, not a crash", async () => {
    const empty = mkdtempSync(join(tmpdir(), "changegate-empty-"));
    try {
      const run = await cli(["audit", "verify", "--dir", empty]);
      expect(run.exit).toBe(2);
      expect(run.stderr).toContain("holds no audit trail");
      expect((await cli(["audit", "frobnicate"])).stderr).toContain('unknown subcommand "frobnicate" (expected verify or export');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("changegate metrics", () => {
  it("counts, rates, waits, lead time and change failures from the trail", async () => {
    const run = await cli(["metrics", "--since", "30d", "--json"]);
    expect(run.exit).toBe(0);
    const metrics = JSON.parse(run.stdout) as { changes: number; by_type: Record<string, number>; failed: { pull: string }[]; change_failure_rate: number };
    expect(metrics.changes).toBe(4);
    expect(metrics.by_type).toEqual({ normal: 3, emergency: 1 });
    expect(metrics.change_failure_rate).toBe(0.25);
    expect(JSON.stringify(metrics)).not.toMatch(/"[a-z]+[A-Z]\w*":/);
    // #1 (payments) was followed by emergency #3 only 28.5h later: outside the default 24h; #2 was reverted by #4.
    expect(metrics.failed.map((failure) => failure.pull)).toEqual(["acme/shop#2"]);
    expect((JSON.parse((await cli(["metrics", "--since", "30d", "--failure-window", "2d", "--json"])).stdout) as typeof metrics).failed.map((failure) => failure.pull)).toEqual(["acme/shop#1", "acme/shop#2"]);
    const text = (await cli(["metrics", "--since", "30d"])).stdout;
    expect(text).toContain("emergency rate:      25.0%");
    expect(text).toContain("change failure rate: 25.0%");
    expect((await cli(["metrics", "--failure-window", "soon"])).exit).toBe(2);
  });
});
