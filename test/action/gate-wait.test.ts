import { describe, expect, it } from "vitest";
import { decideGate } from "../../src/engine/gate.js";
import { gateWithWait, type DecideGate } from "../../src/action/gate-mode.js";
import { readInputs } from "../../src/action/inputs.js";
import type { ModeEnvironment } from "../../src/action/outcome.js";
import { evaluate } from "../../src/engine/evaluate.js";
import { policyFrom } from "../support/policy.js";

const FREEZE_END = Date.parse("2026-03-05T00:00:00Z");
const POLICY = `
version: 1
timezone: "UTC"
approvals: { medium: { count: 1 } }
freezes:
  - { name: "Launch", start: "2026-03-02T00:00:00Z", end: "2026-03-05T00:00:00Z" }
`;
const BODY = "```yaml\nchange_request:\n  type: normal\n  implementation_plan: x\n  rollback_plan: y\n```\n";

function decider(policyText = POLICY): { decide: DecideGate; calls: number[] } {
  const policy = policyFrom(policyText);
  const mergedAt = Date.parse("2026-03-01T12:00:00Z");
  const atMerge = evaluate({
    policy,
    pullRequest: { owner: "acme", repo: "shop", number: 1, title: "t", author: "carol", body: BODY, labels: [], headSha: "h", lastPusher: null },
    files: { files: [{ path: "a" }], complete: true },
    reviews: [{ id: 1, login: "alice", isBot: false, state: "APPROVED", commitId: "h", submittedAt: null }],
    teams: {},
    permissions: null,
    at: mergedAt,
  });
  const calls: number[] = [];
  const decide: DecideGate = async (at) => {
    calls.push(at);
    const decision = decideGate({ policy, environment: "production", sha: "a".repeat(40), at, basis: { kind: "own-pull-request" }, pulls: [{ number: 1, title: "t", mergedAt, labels: [], atMerge }], directCommits: [] });
    return { decision, timezone: "UTC" };
  };
  return { decide, calls };
}

function environment(inputs: Record<string, string>, start: number) {
  const read = readInputs((name) => ({ mode: "gate", token: "t", ...inputs })[name] ?? "");
  if (!read.ok) throw new Error(read.problems.join("\n"));
  let clock = start;
  const logs: string[] = [];
  const env: ModeEnvironment = {
    inputs: read.inputs,
    context: { owner: "acme", repo: "shop", eventName: "push", payload: {}, sha: "a".repeat(40), apiUrl: "", serverUrl: "", runUrl: null, runId: null, runAttempt: null },
    log: { info: (m) => logs.push(`info: ${m}`), debug: () => {}, warning: (m) => logs.push(`warning: ${m}`), error: (m) => logs.push(`error: ${m}`) },
    now: () => clock,
    sleep: async (ms) => void (clock += ms),
  };
  return { env, logs, clock: () => clock };
}

describe("gate waiting", () => {
  it("fails at once without a wait", async () => {
    const { decide, calls } = decider();
    const { env } = environment({}, FREEZE_END - 3_600_000);
    const outcome = await gateWithWait(env, decide);
    expect(outcome).toMatchObject({ blocked: true, allowed: false, nextAllowedAt: FREEZE_END });
    expect(calls).toHaveLength(1);
  });

  it("waits for the schedule to open, saying when, then decides again", async () => {
    const { decide, calls } = decider();
    const { env, logs, clock } = environment({ wait: "2h" }, FREEZE_END - 25 * 60_000);
    const outcome = await gateWithWait(env, decide);
    expect(outcome).toMatchObject({ blocked: false, allowed: true, nextAllowedAt: FREEZE_END });
    expect(clock()).toBe(FREEZE_END);
    expect(calls).toEqual([FREEZE_END - 25 * 60_000, FREEZE_END]);
    expect(logs[0]).toBe(
      "info: Blocked: Freeze “Launch” until Thu 5 Mar 2026, 00:00 UTC (PR #1) · opens Thu 5 Mar 2026, 00:00 UTC. Waiting 25m for it to open (wait: 2h, until Thu 5 Mar 2026, 01:35 UTC).",
    );
    expect(logs[1]).toBe("info: Still waiting: opens in 15m (Thu 5 Mar 2026, 00:00 UTC).");
    expect(outcome.summary).toContain("Waited from Wed 4 Mar 2026, 23:35 UTC for the schedule to open at Thu 5 Mar 2026, 00:00 UTC");
  });

  it("does not wait when the schedule opens after the wait ends", async () => {
    const { decide, calls } = decider();
    const { env, clock } = environment({ wait: "45m" }, FREEZE_END - 3_600_000);
    const outcome = await gateWithWait(env, decide);
    expect(outcome.blocked).toBe(true);
    expect(outcome.reason).toBe(
      "Blocked: Freeze “Launch” until Thu 5 Mar 2026, 00:00 UTC (PR #1) · opens Thu 5 Mar 2026, 00:00 UTC, after the wait ends (wait: 45m until Wed 4 Mar 2026, 23:45 UTC), so the gate does not wait",
    );
    expect(clock()).toBe(FREEZE_END - 3_600_000);
    expect(calls).toHaveLength(1);
  });

  it("never waits when waiting cannot help", async () => {
    const { decide } = decider(`${POLICY}\nwindows: { normal: never }\n`);
    const { env, clock } = environment({ wait: "5h" }, FREEZE_END + 60_000);
    const outcome = await gateWithWait(env, decide);
    expect(outcome).toMatchObject({ blocked: true, nextAllowedAt: null });
    expect(outcome.reason).toMatch(/does not open within two years under the current policy, so the gate does not wait$/);
    expect(clock()).toBe(FREEZE_END + 60_000);
  });
});
