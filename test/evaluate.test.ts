import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Review } from "../src/engine/approvals.js";
import { evaluate, type EvaluationInput } from "../src/engine/evaluate.js";
import { policyFrom } from "./support/policy.js";

const POLICY = `
version: 1
timezone: "UTC"
risk:
  rules:
    - { name: "database migrations", paths: ["db/migrations/**"], set: { blast_radius: 4, reversibility: 4 } }
  traffic:
    peak:     [{ days: [mon, tue, wed, thu, fri], from: "17:00", to: "21:00" }]
    business: [{ days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" }]
    normal:   [{ days: [mon, tue, wed, thu, fri, sat, sun], from: "07:00", to: "23:00" }]
services:
  payments: { paths: ["services/payments/**"] }
approvals:
  low: { count: 1 }
  medium: { count: 2 }
  high: { count: 2, teams: ["sre"] }
  critical: { count: 3, teams: ["sre", "directors"] }
standard_changes:
  scale-deployment: { paths: ["k8s/**/replicas.yaml"] }
windows:
  normal:
    - { days: [tue, wed, thu], from: "02:00", to: "06:00" }
emergency:
  approvers: ["incident-commanders"]
`;

const block = (fields: string) => `Some text.\n\n\`\`\`yaml\nchange_request:\n${fields}\n\`\`\`\n`;
const NORMAL = block("  type: normal\n  implementation_plan: x\n  rollback_plan: y\n  risk: { blast_radius: 1, reversibility: 1, confidence: 1 }");

function input(overrides: Omit<Partial<EvaluationInput>, "files"> & { body?: string; files?: string[]; policyText?: string } = {}): EvaluationInput {
  const { body = NORMAL, files = ["src/app.ts"], policyText = POLICY, ...rest } = overrides;
  return {
    policy: policyFrom(policyText),
    pullRequest: { owner: "acme", repo: "shop", number: 42, title: "Tune the cache", author: "carol", body, labels: [], headSha: "head1", lastPusher: null },
    files: { files: files.map((path) => ({ path })), complete: true },
    reviews: [],
    teams: { sre: ["bob"], "incident-commanders": ["ivan"] },
    permissions: null,
    at: Date.parse("2026-02-25T03:00:00Z"),
    ...rest,
  };
}

const approval = (login: string, commitId = "head1"): Review => ({ id: login.length, login, isBot: false, state: "APPROVED", commitId, submittedAt: "2026-02-24T10:00:00Z" });

describe("evaluate", () => {
  it("fills the change's defaults from the pull request", () => {
    const decision = evaluate(input({ files: ["services/payments/api.ts"] }));
    expect(decision.change).toMatchObject({
      id: "acme/shop#42",
      title: "Tune the cache",
      requester: "carol",
      type: "normal",
      environment: "production",
      services: ["payments"],
      derivedServices: ["payments"],
      source: "block",
    });
  });

  it("decides nothing else while the change request is missing or invalid, but still scores what the files imply", () => {
    for (const body of ["no block here", block("  type: normall\n  rollback_plan: y")]) {
      const decision = evaluate(input({ body, files: ["db/migrations/1.sql"] }));
      expect(decision.change).toBeNull();
      expect(decision.schedule).toBeNull();
      expect(decision.approvals).toBeNull();
      expect(decision.risk.dimensions.blast_radius.score).toBe(4);
    }
  });

  it("applies normal-change defaults when the policy does not require a block", () => {
    const decision = evaluate(input({ body: "", policyText: `${POLICY}\nchange_request: { required: false }\n` }));
    expect(decision.change).toMatchObject({ type: "normal", source: "policy-default" });
    expect(decision.approvals).not.toBeNull();
  });

  it("requires a standard change to name a catalog entry that covers every changed file", () => {
    const standard = block("  type: standard\n  standard_change: scale-deployment\n  rollback_plan: revert");
    expect(evaluate(input({ body: standard, files: ["k8s/shop/replicas.yaml"] })).standard).toMatchObject({ matches: true });
    const outside = evaluate(input({ body: standard, files: ["k8s/shop/replicas.yaml", "src/x.ts"] }));
    expect(outside.standard).toMatchObject({ matches: false, unmatchedPaths: ["src/x.ts"] });
    expect(outside.approvals).toBeNull();
    const unknown = evaluate(input({ body: standard.replace("scale-deployment", "scale-everything"), files: ["k8s/shop/replicas.yaml"] }));
    expect(unknown.standard).toMatchObject({ known: false, matches: false });
    const incomplete = evaluate({ ...input({ body: standard }), files: { files: [{ path: "k8s/shop/replicas.yaml" }], complete: false } });
    expect(incomplete.standard).toMatchObject({ matches: false, filesComplete: false });
  });

  it("sets the approval requirement by effective tier, with emergency and standard paths", () => {
    const medium = evaluate(input({ body: NORMAL.replace("confidence: 1 }", "confidence: 1 }\n  risk_level: medium") }));
    expect(medium.approvals?.requirement).toMatchObject({ count: 2, basis: "tier" });
    // Rules raise blast radius and reversibility to 4; with confidence 3 and off-peak timing 1: 12, high.
    const body = block("  type: normal\n  implementation_plan: x\n  rollback_plan: y\n  risk: { confidence: 3 }");
    const high = evaluate(input({ body, files: ["db/migrations/1.sql"], reviews: [approval("alice"), approval("bob")] }));
    expect(high.risk.score).toBe(12);
    expect(high.risk.effectiveTier).toBe("high");
    expect(high.approvals).toMatchObject({ satisfied: true, assignment: { sre: "bob" } });
    const emergency = evaluate(input({ body: block("  type: emergency\n  incident: INC-1\n  implementation_plan: x\n  rollback_plan: y"), reviews: [approval("alice")] }));
    expect(emergency.approvals).toMatchObject({ satisfied: false, missing: { anyOf: ["incident-commanders"] } });
  });

  it("passes the counted approvers to the schedule (emergency path in a freeze)", () => {
    const frozen = `${POLICY}\nfreezes:\n  - { name: "Launch", start: "2026-02-20T00:00:00Z", end: "2026-03-01T00:00:00Z" }\n`;
    const body = block("  type: emergency\n  incident: INC-1\n  implementation_plan: x\n  rollback_plan: y");
    expect(evaluate(input({ body, policyText: frozen })).schedule?.allowed).toBe(false);
    expect(evaluate(input({ body, policyText: frozen, reviews: [approval("ivan")] })).schedule?.allowed).toBe(true);
  });

  it("reports the proposed policy's problems without letting them judge the PR", () => {
    const problems = [{ source: "policy" as const, file: ".github/changegate.yml", path: "timezone", line: 2, column: 11, message: "unknown time zone" }];
    const decision = evaluate(input({ proposedPolicyProblems: problems }));
    expect(decision.proposedPolicyProblems).toEqual(problems);
    expect(decision.schedule?.allowed).toBe(true);
  });

  describe("next change", () => {
    it("is the window closing when the schedule is open", () => {
      // Wednesday 03:00: off-peak until 07:00 (normal traffic), window closes at 06:00.
      const decision = evaluate(input());
      expect(decision.nextChange).toEqual({ at: Date.parse("2026-02-25T06:00:00Z"), kind: "schedule-closes" });
    });

    it("is the window opening when blocked", () => {
      const decision = evaluate(input({ at: Date.parse("2026-02-23T23:30:00Z") })); // Monday night, off-peak
      expect(decision.nextChange).toEqual({ at: Date.parse("2026-02-24T02:00:00Z"), kind: "schedule-opens" });
    });

    it("is a traffic boundary when it moves the score before the schedule changes", () => {
      // Monday 08:00 (normal traffic, timing 2); business traffic from 09:00 raises timing to 3.
      const decision = evaluate(input({ at: Date.parse("2026-02-23T08:00:00Z") }));
      expect(decision.risk.dimensions.timing.score).toBe(2);
      expect(decision.nextChange).toEqual({ at: Date.parse("2026-02-23T09:00:00Z"), kind: "risk" });
    });

    it("skips traffic boundaries that leave the score as it is", () => {
      // Declared timing 4 dominates every traffic class: only the schedule matters.
      const body = NORMAL.replace("confidence: 1 }", "confidence: 1, timing: 4 }");
      const decision = evaluate(input({ body, at: Date.parse("2026-02-23T08:00:00Z") }));
      expect(decision.nextChange).toEqual({ at: Date.parse("2026-02-24T02:00:00Z"), kind: "schedule-opens" });
    });
  });

  it("next change: nothing changes before it, and something changes at it (property)", () => {
    const frozen = `${POLICY}\nfreezes:\n  - { name: "Launch", start: "2026-03-03T10:00:00Z", end: "2026-03-05T12:00:00Z" }\n`;
    const base = input({ policyText: frozen });
    const outcome = (at: number) => {
      const decision = evaluate({ ...base, at });
      return { allowed: decision.schedule?.allowed, score: decision.risk.score };
    };
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2026, 1, 23), max: Date.UTC(2026, 2, 10) }), (at) => {
        const next = evaluate({ ...base, at }).nextChange;
        expect(next).not.toBeNull();
        expect(next!.at).toBeGreaterThan(at);
        const now = outcome(at);
        expect(outcome(next!.at - 1)).toEqual(now);
        expect(outcome(Math.floor((at + next!.at) / 2))).toEqual(now);
        expect(outcome(next!.at)).not.toEqual(now);
      }),
      { numRuns: 300 },
    );
  });
});
