import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateApprovals, type ApprovalsInput, type Review, type ReviewState } from "../src/engine/approvals.js";

let nextId = 1;
function review(login: string, state: ReviewState, commitId = "head", submittedAt?: string, isBot = false): Review {
  const id = nextId++;
  return { id, login, isBot, state, commitId, submittedAt: submittedAt ?? new Date(Date.UTC(2026, 0, 1, 0, id)).toISOString() };
}

function decide(overrides: Partial<ApprovalsInput>) {
  return evaluateApprovals({
    reviews: [],
    author: "carol",
    lastPusher: null,
    headSha: "head",
    staleOnPush: true,
    permissions: null,
    teams: {},
    requirement: { count: 2, teams: [], anyOf: null, basis: "tier" },
    ...overrides,
  });
}
const counted = (decision: ReturnType<typeof decide>) => decision.counted.map((approval) => approval.login);

describe("GitHub review semantics", () => {
  it("takes each reviewer's latest approval, change request or dismissal; comments change nothing", () => {
    const decision = decide({
      reviews: [
        review("alice", "CHANGES_REQUESTED"),
        review("alice", "APPROVED"),
        review("alice", "COMMENTED"),
        review("bob", "APPROVED"),
        review("bob", "DISMISSED"),
        review("dana", "APPROVED"),
        review("erin", "APPROVED"),
        review("erin", "CHANGES_REQUESTED"),
      ],
    });
    expect(counted(decision)).toEqual(["alice", "dana"]);
    expect(decision.changesRequested.map((entry) => entry.login)).toEqual(["erin"]);
    expect(decision.satisfied).toBe(false);
  });

  it("orders by submission time, not by list order", () => {
    const decision = decide({ reviews: [review("alice", "APPROVED", "head", "2026-01-02T00:00:00Z"), review("alice", "CHANGES_REQUESTED", "head", "2026-01-01T00:00:00Z")] });
    expect(counted(decision)).toEqual(["alice"]);
    expect(decision.changesRequested).toEqual([]);
  });

  it("never counts the author, bots or the last pusher, and says why", () => {
    const decision = decide({
      lastPusher: "Pat",
      reviews: [review("Carol", "APPROVED"), review("renovate[bot]", "APPROVED", "head", undefined, true), review("pat", "APPROVED"), review("alice", "APPROVED")],
    });
    expect(counted(decision)).toEqual(["alice"]);
    expect(decision.ignored.map((entry) => [entry.login, entry.reason])).toEqual([["Carol", "author"], ["renovate[bot]", "bot"], ["pat", "last-pusher"]]);
  });

  it("drops approvals of an older head only when stale_on_push is on and the head is known", () => {
    const reviews = [review("alice", "APPROVED", "old"), review("bob", "APPROVED", "head")];
    expect(counted(decide({ reviews }))).toEqual(["bob"]);
    expect(decide({ reviews }).ignored).toEqual([expect.objectContaining({ login: "alice", reason: "stale" })]);
    expect(counted(decide({ reviews, staleOnPush: false }))).toEqual(["alice", "bob"]);
    expect(counted(decide({ reviews, headSha: null }))).toEqual(["alice", "bob"]);
  });

  it("counts only write access or more; a read-only reviewer's change request doesn't block", () => {
    const decision = decide({
      permissions: { alice: "admin", bob: "maintain", dana: "write", erin: "triage", frank: "read" },
      reviews: [review("alice", "APPROVED"), review("bob", "APPROVED"), review("dana", "APPROVED"), review("erin", "APPROVED"), review("frank", "CHANGES_REQUESTED"), review("gus", "APPROVED")],
    });
    expect(counted(decision)).toEqual(["alice", "bob", "dana"]);
    expect(decision.ignored.map((entry) => entry.login)).toEqual(["erin", "gus"]);
    expect(decision.changesRequested).toEqual([]);
    expect(decision.satisfied).toBe(true);
  });

  it("compares logins case-insensitively", () => {
    const decision = decide({ author: "Carol", reviews: [review("CAROL", "APPROVED"), review("Alice", "APPROVED")], teams: { sre: ["alice"] }, requirement: { count: 1, teams: ["sre"], anyOf: null, basis: "tier" } });
    expect(counted(decision)).toEqual(["Alice"]);
    expect(decision.satisfied).toBe(true);
  });
});

describe("team requirements", () => {
  const requirement = (count: number, teams: string[]) => ({ count, teams, anyOf: null, basis: "tier" as const });

  it("needs a different person for each team: an assignment, not a greedy pass", () => {
    // x is in A and B, y only in A. Greedy (A first, x first) would give A to x and leave B empty.
    const decision = decide({ teams: { A: ["x", "y"], B: ["x"] }, reviews: [review("x", "APPROVED"), review("y", "APPROVED")], requirement: requirement(2, ["A", "B"]) });
    expect(decision.satisfied).toBe(true);
    expect(decision.assignment).toEqual({ A: "y", B: "x" });
  });

  it("does not let one person in two teams satisfy both", () => {
    const decision = decide({ teams: { sre: ["x"], directors: ["x"] }, reviews: [review("x", "APPROVED"), review("z", "APPROVED"), review("w", "APPROVED")], requirement: requirement(3, ["sre", "directors"]) });
    expect(decision.satisfied).toBe(false);
    expect(decision.missing).toEqual({ count: 1, teams: ["directors"], anyOf: null });
  });

  it("counts team approvals as part of count, and reports what is missing and from whom", () => {
    expect(decide({ teams: { sre: ["bob"] }, reviews: [review("bob", "APPROVED"), review("alice", "APPROVED")], requirement: requirement(2, ["sre"]) }).satisfied).toBe(true);
    const missing = decide({ teams: { sre: ["bob"] }, reviews: [review("alice", "APPROVED"), review("dana", "APPROVED")], requirement: requirement(2, ["sre"]) });
    expect(missing.missing).toEqual({ count: 1, teams: ["sre"], anyOf: null });
    const none = decide({ teams: { sre: ["bob"] }, requirement: requirement(2, ["sre"]) });
    expect(none.missing).toEqual({ count: 2, teams: ["sre"], anyOf: null });
  });

  it("counts only the members it is given (the adapters pass active members)", () => {
    const decision = decide({ teams: { sre: ["bob"] }, reviews: [review("pending-member", "APPROVED"), review("alice", "APPROVED")], requirement: requirement(1, ["sre"]) });
    expect(decision.satisfied).toBe(false);
  });

  it("meets the emergency path with one approval from any listed team", () => {
    const emergency = { count: 1, teams: [], anyOf: ["incident-commanders", "sre-leads"], basis: "emergency" as const };
    expect(decide({ teams: { "sre-leads": ["ivan"] }, reviews: [review("ivan", "APPROVED")], requirement: emergency }).satisfied).toBe(true);
    const other = decide({ teams: { "sre-leads": ["ivan"] }, reviews: [review("alice", "APPROVED")], requirement: emergency });
    expect(other.satisfied).toBe(false);
    expect(other.missing).toEqual({ count: 1, teams: [], anyOf: ["incident-commanders", "sre-leads"] });
  });
});

describe("properties", () => {
  const logins = ["a", "b", "c", "d", "e", "f"];
  const teamNames = ["t1", "t2", "t3"];
  const arbitraryTeams = fc.record({ t1: fc.subarray(logins), t2: fc.subarray(logins), t3: fc.subarray(logins) });

  it("one more approval from a new eligible reviewer never turns satisfied into unsatisfied", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ login: fc.constantFrom(...logins.slice(0, 5)), state: fc.constantFrom<ReviewState>("APPROVED", "COMMENTED", "DISMISSED", "APPROVED") }), { maxLength: 10 }),
        arbitraryTeams,
        fc.integer({ min: 0, max: 4 }),
        fc.subarray(teamNames),
        (entries, teams, count, required) => {
          const reviews = entries.map((entry) => review(entry.login, entry.state));
          const requirement = { count, teams: required, anyOf: null, basis: "tier" as const };
          const before = decide({ reviews, teams, requirement });
          const after = decide({ reviews: [...reviews, review("f", "APPROVED")], teams, requirement });
          if (before.satisfied) expect(after.satisfied).toBe(true);
          expect(after.counted.length).toBeGreaterThanOrEqual(before.counted.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("finds a team assignment exactly when brute force does", () => {
    const bruteForce = (approvers: string[], teams: Record<string, string[]>, required: string[]): boolean => {
      const assign = (index: number, used: Set<string>): boolean => {
        if (index === required.length) return true;
        return approvers.some((login) => !used.has(login) && teams[required[index]!]!.includes(login) && assign(index + 1, new Set([...used, login])));
      };
      return assign(0, new Set());
    };
    fc.assert(
      fc.property(fc.subarray(logins), arbitraryTeams, fc.subarray(teamNames), (approvers, teams, required) => {
        const decision = decide({ reviews: approvers.map((login) => review(login, "APPROVED")), teams, requirement: { count: 0, teams: required, anyOf: null, basis: "tier" } });
        expect(decision.missing.teams.length === 0).toBe(bruteForce(approvers, teams, required));
        // The assignment is valid: distinct people, each in the team they serve.
        const assigned = Object.entries(decision.assignment);
        expect(new Set(assigned.map(([, login]) => login)).size).toBe(assigned.length);
        for (const [team, login] of assigned) expect(teams[team as keyof typeof teams]).toContain(login);
      }),
      { numRuns: 1000 },
    );
  });
});
