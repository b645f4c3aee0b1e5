import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Review } from "../../src/engine/approvals.js";
import { decideGate, type GateInput, type GatePull } from "../../src/engine/gate.js";
import { evaluate } from "../../src/engine/evaluate.js";
import { gateReason } from "../../src/report/gate.js";
import { policyFrom } from "../support/policy.js";

const POLICY = `
version: 1
timezone: "UTC"
approvals:
  low: { count: 1 }
  medium: { count: 1 }
  high: { count: 2, teams: ["sre"] }
  critical: { count: 2, teams: ["sre"] }
standard_changes:
  scale-deployment: { paths: ["k8s/**/replicas.yaml"] }
windows:
  standard: [{ days: [wed], from: "04:00", to: "08:00" }]
  normal: [{ days: [tue, wed, thu], from: "02:00", to: "06:00" }]
  emergency: "always"
freezes:
  - name: "Launch"
    start: "2026-03-02T00:00:00Z"
    end: "2026-03-05T00:00:00Z"
    exceptions: { labels: ["incident-fix"], approvers: ["vp"] }
emergency:
  approvers: ["incident-commanders"]
`;

const at = (text: string) => Date.parse(text);
const iso = (instant: number | null) => (instant === null ? null : new Date(instant).toISOString());
const block = (fields: string) => `\`\`\`yaml\nchange_request:\n${fields}\n\`\`\`\n`;
const BODIES = {
  normal: block("  type: normal\n  implementation_plan: x\n  rollback_plan: y\n  risk: { blast_radius: 1, reversibility: 1, confidence: 1, timing: 1 }"),
  standard: block("  type: standard\n  standard_change: scale-deployment\n  rollback_plan: y"),
  emergency: block("  type: emergency\n  incident: INC-7\n  implementation_plan: x\n  rollback_plan: y"),
};
const TEAMS = { sre: ["bob"], vp: ["victor"], "incident-commanders": ["ivan"] };
const approval = (login: string): Review => ({ id: login.length, login, isBot: false, state: "APPROVED", commitId: "head", submittedAt: "2026-02-20T10:00:00Z" });

function pull(
  number: number,
  options: { body?: string; reviews?: string[]; files?: string[]; labels?: string[]; policy?: string } = {},
): GatePull {
  const mergedAt = at("2026-02-20T12:00:00Z");
  const labels = options.labels ?? [];
  return {
    number,
    title: `PR ${number}`,
    mergedAt,
    labels,
    atMerge: evaluate({
      policy: policyFrom(options.policy ?? POLICY),
      pullRequest: { owner: "acme", repo: "shop", number, title: `PR ${number}`, author: "carol", body: options.body ?? BODIES.normal, labels, headSha: "head", lastPusher: null },
      files: { files: (options.files ?? ["src/app.ts"]).map((path) => ({ path })), complete: true },
      reviews: (options.reviews ?? ["alice"]).map(approval),
      teams: TEAMS,
      permissions: null,
      at: mergedAt,
    }),
  };
}

function gate(overrides: Partial<GateInput> & { policyText?: string } = {}) {
  const { policyText = POLICY, ...rest } = overrides;
  const policy = policyFrom(policyText);
  // The engine decides; report/gate.ts words the decision (its reason, asserted below).
  const decision = decideGate({
    policy,
    environment: "production",
    sha: "a".repeat(40),
    at: at("2026-02-25T03:00:00Z"), // Wednesday 03:00: inside the normal window
    basis: { kind: "own-pull-request" },
    pulls: [pull(1)],
    directCommits: [],
    ...rest,
  });
  return { ...decision, reason: gateReason(decision, policy.timezone) };
}

describe("decideGate", () => {
  it("allows an approved normal change inside its window, and says when the window closes", () => {
    const decision = gate();
    expect(decision).toMatchObject({ allowed: true, wouldAllow: true, blockers: [], strictestType: "normal", opensAt: null });
    expect(iso(decision.closesAt)).toBe("2026-02-25T06:00:00.000Z");
    expect(decision.risk).toEqual({ score: 4, tier: "low" });
    expect(decision.reason).toBe("May deploy aaaaaaa to production: PR #1, approvals satisfied; the schedule allows it until Wed 25 Feb 2026, 06:00 UTC");
  });

  it("blocks outside the window, waitably, until it opens", () => {
    const decision = gate({ at: at("2026-02-23T12:00:00Z") }); // Monday
    expect(decision).toMatchObject({ allowed: false, waitable: true });
    expect(iso(decision.opensAt)).toBe("2026-02-24T02:00:00.000Z");
    expect(decision.reason).toBe("Blocked: Outside the normal change window (PR #1) · opens Tue 24 Feb 2026, 02:00 UTC");
  });

  it("blocks a change merged without its approvals, and waiting cannot help", () => {
    const decision = gate({ pulls: [pull(1, { reviews: [] })] });
    expect(decision).toMatchObject({ allowed: false, waitable: false, opensAt: null });
    expect(decision.blockers).toMatchObject([{ kind: "unapproved", pull: 1 }]);
    expect(decision.reason).toBe("Blocked: PR #1 merged without its approvals: needs 1 more approval");
  });

  it("names the missing team approval and changes requested", () => {
    const high = block("  type: normal\n  implementation_plan: x\n  rollback_plan: y\n  risk_level: high");
    expect(gate({ pulls: [pull(3, { body: high, reviews: ["alice", "dora"] })] }).reason).toBe(
      "Blocked: PR #3 merged without its approvals: needs 1 more approval (1 from sre)",
    );
    const requested = pull(4);
    requested.atMerge.approvals!.changesRequested.push({ login: "erin", reviewId: 9, submittedAt: null });
    requested.atMerge.approvals!.satisfied = false;
    expect(gate({ pulls: [requested] }).reason).toBe("Blocked: PR #4 merged with changes requested by @erin");
  });

  it("blocks a change merged without a valid change request", () => {
    expect(gate({ pulls: [pull(5, { body: "no block" })] }).blockers).toEqual([{ kind: "no-change-request", pull: 5, status: "absent" }]);
    expect(gate({ pulls: [pull(6, { body: block("  type: normall") })] }).blockers).toEqual([{ kind: "no-change-request", pull: 6, status: "invalid" }]);
    expect(gate({ pulls: [pull(7, { body: BODIES.standard, files: ["src/x.ts"] })] }).reason).toBe(
      "Blocked: PR #7 merged as a standard change that does not fit its catalog entry",
    );
  });

  it("blocks during a freeze until it ends and the window is open again", () => {
    const decision = gate({ at: at("2026-03-03T03:00:00Z") }); // Tuesday inside the window, but frozen
    expect(decision.blockers).toMatchObject([{ kind: "schedule", pull: 1, blocker: { kind: "freeze", name: "Launch" } }]);
    expect(decision.waitable).toBe(true);
    expect(iso(decision.opensAt)).toBe("2026-03-05T02:00:00.000Z"); // Thursday's window, after the freeze ends at 00:00
    expect(decision.reason).toBe("Blocked: Freeze “Launch” until Thu 5 Mar 2026, 00:00 UTC (PR #1) · opens Thu 5 Mar 2026, 02:00 UTC");
  });

  it("lets a freeze exception through", () => {
    expect(gate({ at: at("2026-03-03T03:00:00Z"), pulls: [pull(1, { labels: ["incident-fix"], reviews: ["victor"] })] }).allowed).toBe(true);
  });

  it("lets an emergency through a freeze with its incident commander's approval, but not with a normal change riding along", () => {
    const during = at("2026-03-03T12:00:00Z"); // outside every window, frozen
    const emergency = pull(8, { body: BODIES.emergency, reviews: ["ivan"] });
    expect(gate({ at: during, pulls: [emergency] })).toMatchObject({ allowed: true, strictestType: "emergency" });
    const mixed = gate({ at: during, pulls: [emergency, pull(9)] });
    expect(mixed).toMatchObject({ allowed: false, strictestType: "normal", waitable: true });
    expect(mixed.blockers.map((blocker) => blocker.kind === "schedule" && blocker.pull)).toEqual([9, 9]);
    // An emergency without the incident commander is not even approved.
    expect(gate({ at: during, pulls: [pull(10, { body: BODIES.emergency, reviews: ["alice"] })] }).waitable).toBe(false);
  });

  it("finds the first instant every weighed change may go out at once", () => {
    // Tuesday 07:00: normal reopens Wed 02:00, standard's only window opens Wed 04:00.
    const standard = pull(11, { body: BODIES.standard, files: ["k8s/shop/replicas.yaml"], reviews: [] });
    const decision = gate({ at: at("2026-02-24T07:00:00Z"), pulls: [pull(1), standard] });
    expect(decision).toMatchObject({ waitable: true, strictestType: "normal" });
    expect(iso(decision.opensAt)).toBe("2026-02-25T04:00:00.000Z");
    expect(gate({ at: at("2026-02-25T05:00:00Z"), pulls: [pull(1), standard] }).closesAt).toBe(at("2026-02-25T06:00:00Z"));
  });

  it("blocks direct pushes unless the policy allows them, then schedules them as normal changes", () => {
    const direct = gate({ pulls: [], directCommits: ["b".repeat(40)] });
    expect(direct.blockers).toEqual([{ kind: "direct-push", commits: ["b".repeat(40)] }]);
    expect(direct.reason).toBe("Blocked: Commit bbbbbbb was pushed without a pull request (the policy's deploy.allow_direct_pushes is false)");
    const allowing = `${POLICY}\ndeploy: { allow_direct_pushes: true }\n`;
    expect(gate({ policyText: allowing, pulls: [], directCommits: ["b".repeat(40)] })).toMatchObject({ allowed: true, strictestType: "normal" });
    expect(gate({ policyText: allowing, pulls: [], directCommits: ["b".repeat(40)], at: at("2026-02-23T12:00:00Z") })).toMatchObject({
      allowed: false,
      waitable: true,
      opensAt: at("2026-02-24T02:00:00Z"),
    });
  });

  it("does not gate the schedule of an environment the policy does not list, but still wants approvals", () => {
    const monday = at("2026-02-23T12:00:00Z");
    expect(gate({ environment: "staging", at: monday }).reason).toBe("May deploy aaaaaaa to staging: PR #1, approvals satisfied; staging is not schedule-gated");
    expect(gate({ environment: "staging", at: monday, pulls: [pull(1, { reviews: [] })] }).allowed).toBe(false);
  });

  it("under enforcement: report allows, saying what it would decide", () => {
    const decision = gate({ policyText: `${POLICY}\nenforcement: report\n`, at: at("2026-02-23T12:00:00Z") });
    expect(decision).toMatchObject({ allowed: true, wouldAllow: false, waitable: true });
    expect(decision.reason).toMatch(/^Report only \(would block\): Outside the normal change window/);
  });

  it("takes the highest risk among the pull requests", () => {
    const high = block("  type: normal\n  implementation_plan: x\n  rollback_plan: y\n  risk_level: high");
    expect(gate({ pulls: [pull(1), pull(2, { body: high, reviews: ["alice", "bob"] })] }).risk).toEqual({ score: 9, tier: "high" });
  });

  it("opensAt is an instant where every change may go out, and none before it does (property)", () => {
    const pulls = [pull(1), pull(11, { body: BODIES.standard, files: ["k8s/shop/replicas.yaml"], reviews: [] })];
    fc.assert(
      fc.property(fc.integer({ min: at("2026-02-23T00:00:00Z"), max: at("2026-03-12T00:00:00Z") }), (instant) => {
        const decision = gate({ at: instant, pulls });
        if (decision.allowed) return;
        expect(decision.opensAt).not.toBeNull();
        expect(gate({ at: decision.opensAt!, pulls }).allowed).toBe(true);
        expect(gate({ at: decision.opensAt! - 1, pulls }).allowed).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
