import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Review } from "../src/engine/approvals.js";
import { evaluate } from "../src/engine/evaluate.js";
import { blockingChecks, loosens } from "../src/report/blocking.js";
import { renderChecks } from "../src/report/checks.js";
import { policyFrom } from "./support/policy.js";

// blockingChecks reads from a decision what renderChecks concludes: the two must agree on
// every decision, whatever the instant, the change request, the reviews and the enforcement.
const policyText = (enforcement: string, environments: string) => `version: 1
timezone: "Europe/Berlin"
enforcement: "${enforcement}"
change_request: { required: true, environments: ${environments} }
risk:
  traffic:
    peak: [{ days: [mon, tue, wed, thu, fri], from: "17:00", to: "21:00" }]
approvals:
  low: { count: 1 }
  medium: { count: 1 }
  high: { count: 2, teams: ["sre"] }
standard_changes:
  scale: { paths: ["k8s/**/replicas.yaml"] }
windows:
  standard: always
  normal: [{ days: [tue, wed, thu], from: "02:00", to: "06:00" }]
  emergency: always
freezes:
  - { name: "Launch", start: "2026-03-02T00:00", end: "2026-03-04T00:00" }
emergency: { approvers: ["incident-commanders"] }
`;
const block = (fields: string) => `\`\`\`yaml\nchange_request:\n${fields}\n\`\`\`\n`;
const BODIES = [
  "",
  block("  type: normal\n  implementation_plan: x\n  rollback_plan: y"),
  block("  type: normal\n  implementation_plan: x\n  rollback_plan: y\n  risk_level: high"),
  block("  type: standard\n  rollback_plan: y\n  standard_change: scale"),
  block("  type: emergency\n  implementation_plan: x\n  rollback_plan: y\n  incident: INC-1"),
  block("  type: nonsense"),
];
const review = (login: string, state: Review["state"]): Review => ({ id: login.length, login, isBot: false, state, commitId: "h", submittedAt: null });

describe("blockingChecks", () => {
  it("names exactly the checks whose enforced conclusion renderChecks makes a failure", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("enforce", "report"),
        fc.constantFrom('["production"]', '["staging"]'),
        fc.constantFrom(...BODIES),
        fc.subarray([review("alice", "APPROVED"), review("bob", "APPROVED"), review("ivan", "APPROVED"), review("erin", "CHANGES_REQUESTED")]),
        fc.constantFrom(["src/a.ts"], ["k8s/web/replicas.yaml"], ["k8s/web/deploy.yaml"]),
        fc.boolean(),
        fc.integer({ min: Date.UTC(2026, 1, 26), max: Date.UTC(2026, 2, 6) }),
        (enforcement, environments, body, reviews, paths, proposedBroken, at) => {
          const policy = policyFrom(policyText(enforcement, environments));
          const decision = evaluate({
            policy,
            pullRequest: { owner: "acme", repo: "shop", number: 1, title: "t", author: "carol", body, labels: [], headSha: "h", lastPusher: null },
            files: { files: paths.map((path) => ({ path })), complete: true },
            reviews,
            teams: { sre: ["bob"], "incident-commanders": ["ivan"] },
            permissions: null,
            at,
            proposedPolicyProblems: proposedBroken ? [{ source: "policy", file: ".github/changegate.yml", path: "x", line: 1, column: 1, message: "broken" }] : null,
          });
          const rendered = renderChecks(decision, { timezone: policy.timezone });
          expect([...blockingChecks(decision)].sort()).toEqual(rendered.filter((check) => check.enforcedConclusion === "failure").map((check) => check.name).sort());
        },
      ),
      { numRuns: 400 },
    );
  });

  it("blocks all three for a decision that is not an evaluation; loosens compares what is blocked", () => {
    const unavailable = { kind: "unavailable" as const, reason: "GitHub answered 502" };
    expect(blockingChecks(unavailable).size).toBe(3);
    expect(loosens(unavailable, { kind: "policy-invalid", problems: [] })).toBe(false);
    const policy = policyFrom(policyText("enforce", '["production"]'));
    const at = (instant: number) =>
      evaluate({
        policy,
        pullRequest: { owner: "acme", repo: "shop", number: 1, title: "t", author: "carol", body: BODIES[1]!, labels: [], headSha: "h", lastPusher: null },
        files: { files: [{ path: "src/a.ts" }], complete: true },
        reviews: [review("alice", "APPROVED")],
        teams: {},
        permissions: null,
        at: instant,
      });
    // Tuesday 01:59 and 02:00 Berlin: the normal window opens.
    const before = at(Date.parse("2026-02-24T00:59:00Z"));
    const inside = at(Date.parse("2026-02-24T01:00:00Z"));
    expect(loosens(before, inside)).toBe(true);
    expect(loosens(inside, before)).toBe(false);
  });
});
