import { describe, expect, it } from "vitest";
import type { Decision, EvaluationInput } from "../src/engine/evaluate.js";
import { fileReader } from "../src/cli/file-reader.js";
import { parsePolicy, type Policy } from "../src/engine/policy.js";
import { evaluateAndPublish, publishDecision } from "../src/pipeline/pipeline.js";
import type { CheckPublisher } from "../src/pipeline/publisher.js";
import type { RenderedCheck } from "../src/report/checks.js";

/**
 * The one way through (src/pipeline/pipeline.ts) that every door takes: what it hands its
 * publisher, a closing decided ahead of its instant, and what a door adds before rendering.
 */
const FREEZE_AT = Date.parse("2026-03-10T12:00:00Z");
const MINUTE = 60_000;

function policy(text: string): Policy {
  const parsed = parsePolicy([{ file: ".github/changegate.yml", text }]);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.policy;
}

const FREEZING = policy(`version: 1
timezone: UTC
approvals: { low: { count: 1 }, medium: { count: 1 } }
freezes:
  - { name: "Launch", start: "2026-03-10T12:00:00Z", end: "2026-03-11T12:00:00Z" }
`);
// Blocked until 12:00 by a freeze that ends then: the boundary at 12:00 opens, not closes.
const THAWING = policy(`version: 1
timezone: UTC
approvals: { low: { count: 1 }, medium: { count: 1 } }
freezes:
  - { name: "Launch", start: "2026-03-09T12:00:00Z", end: "2026-03-10T12:00:00Z" }
`);

const BODY = ["```yaml", "change_request:", "  type: normal", "  implementation_plan: |", "    1. deploy", "  rollback_plan: |", "    1. roll back", "```"].join("\n");
const pull = { number: 7, title: "Cache", body: BODY, user: { login: "carol" }, labels: [], head: { sha: "a".repeat(40) } };

const APPROVED = [{ id: 41, login: "bob", isBot: false, state: "APPROVED" as const, commitId: "a".repeat(40), submittedAt: "2026-03-10T11:00:00Z" }];

function reader(reviews = APPROVED) {
  return fileReader({
    owner: "acme",
    repo: "svc",
    files: { files: [{ path: "src/cache.ts" }], complete: true },
    reviews,
    permissions: null,
    teams: {},
    pusher: "carol",
    policy: null,
    proposedPolicy: null,
  });
}

interface Call {
  checks: readonly RenderedCheck[];
  nextChange: number | null;
  decision: Decision;
  input: EvaluationInput | null;
}
function recording(): CheckPublisher & { calls: Call[] } {
  const calls: Call[] = [];
  return { calls, publish: async (checks, nextChange, decision, input) => (calls.push({ checks, nextChange, decision, input }), checks.length) };
}
const conclusionOf = (call: Call, name: string) => call.checks.find((check) => check.name === name)?.conclusion;

describe("evaluateAndPublish", () => {
  it("hands the publisher the decision, its next change and what it was decided on (the gathered reviews)", async () => {
    const publisher = recording();
    const result = await evaluateAndPublish(reader(), publisher, pull, FREEZING, { at: FREEZE_AT - 10 * MINUTE });
    expect(publisher.calls).toHaveLength(1);
    const [call] = publisher.calls;
    expect(call!.input?.reviews.map((review) => review.id)).toEqual([41]);
    expect(call!.nextChange).toBe(FREEZE_AT);
    expect(conclusionOf(call!, "changegate/schedule")).toBe("success");
    expect(result).toMatchObject({ deferred: false, writes: 3 });
  });

  it("decides a closing ahead of its instant as of that instant: blocked before the freeze begins", async () => {
    const publisher = recording();
    const result = await evaluateAndPublish(reader(), publisher, pull, FREEZING, { at: FREEZE_AT, now: FREEZE_AT - 5_000 });
    expect(result.deferred).toBe(false);
    expect(conclusionOf(publisher.calls[0]!, "changegate/schedule")).toBe("failure");
    // The next change after the closing: the freeze's end.
    expect(publisher.calls[0]!.nextChange).toBe(FREEZE_AT + 24 * 60 * MINUTE);
  });

  it("a boundary that opens is no closing: what holds now is published, deferred to the boundary", async () => {
    const publisher = recording();
    const result = await evaluateAndPublish(reader(), publisher, pull, THAWING, { at: FREEZE_AT, now: FREEZE_AT - 5_000 });
    expect(result.deferred).toBe(true);
    expect(conclusionOf(publisher.calls[0]!, "changegate/schedule")).toBe("failure");
    expect(result.decision.at).toBe(FREEZE_AT - 5_000);
    expect(publisher.calls[0]!.nextChange).toBe(FREEZE_AT);
  });

  it("lets the door annotate a decision as of now (review requests in the approvals text), never one made ahead", async () => {
    const asked: number[] = [];
    const annotate = async ({ decision }: { decision: Decision }) => {
      asked.push(decision.kind === "evaluated" ? decision.at : -1);
      return { reviewRequests: { byTeam: [{ team: "sre", logins: ["dana"] }], error: null } };
    };
    // Nobody approved yet: the approvals check says whom changegate asked.
    const now = recording();
    await evaluateAndPublish(reader([]), now, pull, FREEZING, { at: FREEZE_AT - MINUTE, annotate });
    expect(asked).toEqual([FREEZE_AT - MINUTE]);
    expect(now.calls[0]!.checks.find((check) => check.name === "changegate/approvals")?.summary).toContain("dana");

    const ahead = recording();
    await evaluateAndPublish(reader([]), ahead, pull, FREEZING, { at: FREEZE_AT, now: FREEZE_AT - MINUTE, annotate });
    expect(asked).toHaveLength(1);
    expect(ahead.calls[0]!.checks.find((check) => check.name === "changegate/approvals")?.summary).not.toContain("dana");
  });
});

describe("publishDecision", () => {
  it("renders and publishes a decision that is not an evaluation, failing every check, with nothing gathered", async () => {
    const publisher = recording();
    const { checks, writes } = await publishDecision(publisher, { kind: "unavailable", reason: "GitHub answered 502" }, 123);
    expect(writes).toBe(3);
    expect(checks.map((check) => check.conclusion)).toEqual(["failure", "failure", "failure"]);
    expect(publisher.calls[0]).toMatchObject({ nextChange: 123, input: null, decision: { kind: "unavailable" } });
  });
});
