import { describe, expect, it } from "vitest";
import type { ApprovalDecision } from "../src/engine/approvals.js";
import { MAX_REVIEW_REQUESTS, planReviewRequests, type ReviewRequestInput } from "../src/engine/review-requests.js";

function approvals(missing: Partial<ApprovalDecision["missing"]>, extra: Partial<ApprovalDecision> = {}): ApprovalDecision {
  return {
    requirement: { basis: "tier", count: 1, teams: [], anyOf: null },
    satisfied: false,
    counted: [],
    ignored: [],
    changesRequested: [],
    assignment: {},
    missing: { count: 1, teams: [], anyOf: null, ...missing },
    ...extra,
  } as ApprovalDecision;
}

const base = (overrides: Partial<ReviewRequestInput>): ReviewRequestInput => ({
  approvals: approvals({ teams: ["sre"] }),
  teams: { sre: ["Bob", "erin", "dave", "ci[bot]"], ic: ["ivan", "erin"] },
  author: "carol",
  lastPusher: null,
  reviewed: [],
  requested: [],
  ...overrides,
});

describe("planReviewRequests", () => {
  it("asks the missing team's members in name order, less bots, the author, the last pusher and reviewers (any case)", () => {
    expect(planReviewRequests(base({})).ask).toEqual(["Bob", "dave", "erin"]);
    expect(planReviewRequests(base({ author: "bob", lastPusher: "DAVE" })).ask).toEqual(["erin"]);
    expect(planReviewRequests(base({ reviewed: ["erin"] })).ask).toEqual(["Bob", "dave"]);
  });

  it("a team with someone already asked is not asked again, and is still reported", () => {
    const plan = planReviewRequests(base({ requested: ["erin"] }));
    expect(plan).toEqual({ ask: [], byTeam: [{ team: "sre", logins: ["erin"] }] });
  });

  it("an emergency's incident commanders; a member of two teams asked once", () => {
    const plan = planReviewRequests(base({ approvals: approvals({ teams: ["sre"], anyOf: ["ic"] }) }));
    expect(plan.ask).toEqual(["Bob", "dave", "erin", "ivan"]);
    expect(plan.byTeam).toEqual([
      { team: "sre", logins: ["Bob", "dave", "erin"] },
      { team: "ic", logins: ["erin", "ivan"] },
    ]);
  });

  it("nothing to ask when satisfied, blocked by a change request, or only a count is missing", () => {
    const none = { ask: [], byTeam: [] };
    expect(planReviewRequests(base({ approvals: approvals({ teams: ["sre"] }, { satisfied: true }) }))).toEqual(none);
    expect(planReviewRequests(base({ approvals: approvals({ teams: ["sre"] }, { changesRequested: [{ login: "bob", reviewId: 1, submittedAt: null }] }) }))).toEqual(none);
    expect(planReviewRequests(base({ approvals: approvals({ count: 2 }) }))).toEqual(none);
  });

  it(`at most ${MAX_REVIEW_REQUESTS} people in one request`, () => {
    const many = Array.from({ length: 40 }, (_, index) => `member${String(index).padStart(2, "0")}`);
    expect(planReviewRequests(base({ teams: { sre: many } })).ask).toEqual(many.slice(0, MAX_REVIEW_REQUESTS));
  });
});
