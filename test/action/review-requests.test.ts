import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSeededGitHub, type SeededGitHub } from "../fake-github/seed.js";
import { buildBundle, runAction, webhookExample } from "./run-action.js";

/**
 * `approvals.request_reviews` in the Action (src/action/review-requests.ts), the bundle run
 * as the runner runs it, against the fake GitHub: the missing team's members asked once,
 * nobody already asked or taken off the review asked again, nothing more when off.
 */
const opened = () => webhookExample("pull_request", "opened");

const REPO = "Codertocat/Hello-World";
const HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const REF = { owner: "Codertocat", repo: "Hello-World", number: 2 };
const policy = (requestReviews: boolean) => `version: 1
timezone: "UTC"
approvals:
  low: { count: 1 }
  medium: { count: 1 }
  high: { count: 2, teams: ["sre"] }
  request_reviews: ${requestReviews}
windows: { standard: always, normal: always, emergency: always }
`;
const HIGH = "Tuning.\n\n```yaml\nchange_request:\n  type: normal\n  implementation_plan: roll out\n  rollback_plan: roll back\n  risk_level: high\n```\n";

let fake: SeededGitHub;
beforeAll(async () => {
  buildBundle();
  fake = await startSeededGitHub();
}, 60_000);
afterAll(() => fake.close());
afterEach(() => expect(fake.invalidRequests).toEqual([]));
beforeEach(() => fake.reset());

function seed(requestReviews: boolean) {
  fake.seed(REPO, {
    defaultBranch: "master",
    files: { master: { ".github/changegate.yml": policy(requestReviews) } },
    pulls: [
      {
        number: 2,
        title: "Tuning",
        body: HIGH,
        user: "Codertocat",
        head: { sha: HEAD },
        base: { ref: "master" },
        files: ["README.md"],
        reviews: [{ user: "alice", state: "APPROVED", commit_id: HEAD, submitted_at: "2026-01-02T10:00:00Z" }],
      },
    ],
    collaborators: { alice: "write", bob: "write", dave: "write", Codertocat: "admin" },
  });
  // The author is in the team: never asked.
  fake.team("Codertocat/sre", ["bob", "dave", "Codertocat"]);
}

const check = () => runAction({ inputs: { token: "test-token", mode: "check" }, eventName: "pull_request_target", payload: opened(), repository: REPO, sha: HEAD, apiUrl: fake.url });
const asks = () => fake.requests.filter((request) => request.method === "POST" && request.route === "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers");
const eventReads = () => fake.requests.filter((request) => request.route === "/repos/{owner}/{repo}/issues/{issue_number}/events");
const requested = () => fake.github.pullRequest(REF).requestedReviewers.map((user) => user.login).sort();
const approvalsSummary = () => fake.checkRuns(REPO).find((run) => run.name === "changegate/approvals")!.output.summary ?? "";

describe("mode: check with approvals.request_reviews", () => {
  it("asks the missing team's members once, never the author; the approvals check says who; a second run asks nobody again", async () => {
    seed(true);
    const first = await check();
    expect(first.code).toBe(1);
    expect(asks()).toHaveLength(1);
    expect(requested()).toEqual(["bob", "dave"]);
    expect(approvalsSummary().split("\n")[0]).toBe("Review requested from @bob, @dave (`sre`).");

    fake.resetRequests();
    await check();
    expect(asks()).toHaveLength(0);
    // Still pending: the check still names them.
    expect(approvalsSummary().split("\n")[0]).toBe("Review requested from @bob, @dave (`sre`).");
  });

  it("does not put back on the review someone who was taken off it", async () => {
    seed(true);
    await check();
    fake.github.removeRequestedReviewers(REF, ["bob", "dave"], "Codertocat");
    fake.resetRequests();
    await check();
    expect(eventReads()).toHaveLength(1);
    expect(asks()).toHaveLength(0);
    expect(requested()).toEqual([]);
  });

  it("off: nobody asked, and no request beyond the evaluation's", async () => {
    seed(false);
    await check();
    expect(asks()).toHaveLength(0);
    expect(eventReads()).toHaveLength(0);
    expect(requested()).toEqual([]);
  });

  it("a token that may not ask: the approvals check says why and what to grant, and the run still publishes its checks", async () => {
    seed(true);
    fake.forbid("POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers");
    const result = await check();
    expect(result.code).toBe(1);
    expect(fake.checkRuns(REPO)).toHaveLength(3);
    expect(approvalsSummary().split("\n")[0]).toMatch(/^Could not request a review from @bob, @dave \(`sre`\): .*403.*pull-requests: write/);
  });
});
