import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pullRequestEvent, pullRequestReviewEvent, type FakeGitHub } from "../fake-github/index.js";
import { apiRequests, CHANGE_REQUEST, checks, startApp, startFake, type App } from "./harness.js";

/** High risk needs an approval from platform; request_reviews asks its members. */
const policy = (requestReviews: boolean | null) =>
  [
    "version: 1",
    "timezone: UTC",
    "approvals:",
    "  medium: { count: 1 }",
    "  high: { count: 1, teams: [platform] }",
    ...(requestReviews === null ? [] : [`  request_reviews: ${requestReviews}`]),
    "risk:",
    "  rules:",
    '    - { name: "migrations", paths: ["db/**"], set: { blast_radius: 4, reversibility: 4 } }',
    "",
  ].join("\n");

let fake: FakeGitHub;
let app: App;
let repoCount = 0;

beforeAll(async () => {
  fake = await startFake();
  app = await startApp(fake);
  for (const login of ["carol", "pat", "quinn", "rita"]) fake.addTeamMember("acme", "platform", login);
});
afterAll(async () => {
  await app?.stop();
  await fake?.close();
});
afterEach(() => {
  const refused = fake.requests((record) => record.status === 422 || record.unimplemented);
  expect(refused.map((record) => `${record.method} ${record.path}: ${JSON.stringify(record.validationErrors ?? "unimplemented")}`)).toEqual([]);
});

function repository(requestReviews: boolean | null): string {
  const name = `reviews${++repoCount}`;
  fake.addRepository({ owner: "acme", name, files: { "README.md": "x\n", ".github/changegate.yml": policy(requestReviews) } });
  for (const login of ["carol", "pat", "quinn", "rita", "sam"]) fake.setPermission("acme", name, login, "write");
  return name;
}

const reviewRequests = () => fake.requests((record) => record.method === "POST" && record.route === "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers");
const requestedOf = (repo: string, number: number) => fake.pullRequest({ owner: "acme", repo, number }).requestedReviewers.map((user) => user.login).sort();

describe("approvals.request_reviews", () => {
  it("asks the missing team's members, never the author, once per head commit; the approvals check says who", async () => {
    const repo = repository(true);
    // carol (the author) is in platform: she is never asked.
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "db/001.sql": "x\n" } });
    fake.resetRequests();
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    expect(reviewRequests()).toHaveLength(1);
    expect(requestedOf(repo, pull.number)).toEqual(["pat", "quinn", "rita"]);
    const approvals = checks(fake, "acme", repo, pull.head.sha)["changegate/approvals"]!;
    expect(approvals.conclusion).toBe("failure");
    expect(approvals.summary!.split("\n")[0]).toBe("Review requested from @pat, @quinn, @rita (`platform`).");

    // Someone outside the team reviews: the check is re-evaluated, nobody is asked again.
    fake.resetRequests();
    await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "sam", state: "APPROVED" })));
    expect(reviewRequests()).toHaveLength(0);
    expect(checks(fake, "acme", repo, pull.head.sha)["changegate/approvals"]!.summary).toContain("Review requested from @pat, @quinn, @rita (`platform`).");

    // pat comments (a review, not an approval): the team is still missing, but the head was asked for already.
    await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "pat", state: "COMMENTED" })));
    expect(reviewRequests()).toHaveLength(0);

    // A push by rita: a new head, asked once more, not from the last pusher nor from pat, who reviewed.
    fake.pushToPullRequest(pull, { changes: { "db/002.sql": "y\n" }, pusher: "rita" });
    fake.pullRequest(pull).requestedReviewers.length = 0;
    app.service.rememberPusher(`acme/${repo}`, fake.pullRequest(pull).head.sha, "rita");
    await app.deliver(pullRequestEvent(fake, "synchronize", pull, { sender: "rita" }));
    const sent = reviewRequests();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toEqual({ reviewers: ["quinn"] });
    expect(checks(fake, "acme", repo, fake.pullRequest(pull).head.sha)["changegate/approvals"]!.summary!.split("\n")[0]).toBe("Review requested from @quinn (`platform`).");

    // quinn approves: the approvals pass, nothing is asked and the check no longer names a request.
    fake.resetRequests();
    await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "quinn", state: "APPROVED" })));
    expect(reviewRequests()).toHaveLength(0);
    const passed = checks(fake, "acme", repo, fake.pullRequest(pull).head.sha)["changegate/approvals"]!;
    expect(passed.conclusion).toBe("success");
    expect(passed.summary).not.toContain("Review requested");
  });

  it("a tier without teams asks nobody (there is no one named to ask)", async () => {
    const repo = repository(true);
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "src/a.ts": "x\n" } });
    fake.resetRequests();
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    expect(checks(fake, "acme", repo, pull.head.sha)["changegate/approvals"]!.title).toBe("Needs 1 more approval for medium risk");
    expect(reviewRequests()).toHaveLength(0);
  });

  it("off (the default, or false): no request, and the same requests per event as without the key", async () => {
    const counts: number[][] = [];
    for (const setting of [null, false] as const) {
      const repo = repository(setting);
      const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "db/001.sql": "x\n" } });
      const perEvent: number[] = [];
      fake.resetRequests();
      await app.deliver(pullRequestEvent(fake, "opened", pull));
      perEvent.push(apiRequests(fake).length);
      fake.resetRequests();
      await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "sam", state: "APPROVED" })));
      perEvent.push(apiRequests(fake).length);
      expect(reviewRequests()).toHaveLength(0);
      expect(requestedOf(repo, pull.number)).toEqual([]);
      expect(checks(fake, "acme", repo, pull.head.sha)["changegate/approvals"]!.summary).not.toContain("Review requested");
      counts.push(perEvent);
    }
    expect(counts[1]).toEqual(counts[0]);
  });

  it("when GitHub refuses the request, the check says so and the head is not asked again", async () => {
    const repo = repository(true);
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "db/001.sql": "x\n" } });
    fake.failNext({ status: 403, route: "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers" });
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    const approvals = checks(fake, "acme", repo, pull.head.sha)["changegate/approvals"]!;
    expect(approvals.conclusion).toBe("failure");
    expect(approvals.summary!.split("\n")[0]).toMatch(/^Could not request a review from @pat, @quinn, @rita \(`platform`\): GitHub answered 403.*Pull requests: write/);
    fake.resetRequests();
    await app.deliver(pullRequestEvent(fake, "edited", pull, { changes: { body: { from: pull.body } } }));
    expect(reviewRequests()).toHaveLength(0);
  });
});
