import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkRunEvent, mergeGroupEvent, pullRequestEvent, pullRequestReviewEvent, pushEvent, type FakeGitHub } from "../fake-github/index.js";
import { apiRequests, CHANGE_REQUEST, checks, conclusions, startApp, startFake, type App } from "./harness.js";

const POLICY = [
  "version: 1",
  "timezone: UTC",
  "approvals:",
  "  low: { count: 1 }",
  "  medium: { count: 2 }",
  "  high: { count: 2, teams: [sre] }",
  "risk:",
  "  rules:",
  '    - { name: "database migrations", paths: ["db/migrations/**"], set: { blast_radius: 4, reversibility: 4 } }',
  "",
].join("\n");

let fake: FakeGitHub;
let app: App;
let repoCount = 0;

beforeAll(async () => {
  fake = await startFake();
  app = await startApp(fake);
});
afterAll(async () => {
  await app?.stop();
  await fake?.close();
});
afterEach(() => {
  const invalid = fake.requests((record) => record.status === 422 || record.unimplemented);
  expect(invalid.map((record) => `${record.method} ${record.path}: ${JSON.stringify(record.validationErrors ?? "unimplemented")}`)).toEqual([]);
});

function repository(policy = POLICY, files: Record<string, string> = {}): string {
  const name = `shop${++repoCount}`;
  fake.addRepository({ owner: "acme", name, files: { "README.md": "shop\n", ".github/changegate.yml": policy, ...files } });
  for (const login of ["alice", "bob", "dave", "erin"]) fake.setPermission("acme", name, login, "write");
  return name;
}

describe("a pull request's life", () => {
  it("opened with a valid change request: three checks, within the request budget", async () => {
    const repo = repository();
    const first = fake.openPullRequest({ owner: "acme", repo, user: "carol", title: "Cache", body: CHANGE_REQUEST("normal"), changes: { "src/cache.ts": "x\n" } });
    expect((await app.deliver(pullRequestEvent(fake, "opened", first))).status).toBe(200);
    await app.settled();
    expect(conclusions(fake, "acme", repo, first.head.sha)).toEqual(["success", "success", "failure"]);
    expect(checks(fake, "acme", repo, first.head.sha)["changegate/approvals"]!.title).toMatch(/^Needs 2 more approvals for medium risk/);

    // The policy already seen: a second pull request opened in the same repository.
    const second = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "src/other.ts": "y\n" } });
    fake.resetRequests();
    await app.deliver(pullRequestEvent(fake, "opened", second));
    await app.settled();
    const made = apiRequests(fake);
    // The PR read again (a first payload proves nothing newer), files, reviews (an opened may come after one), list, create 3.
    expect(made.length, JSON.stringify(made)).toBeLessThanOrEqual(7);
    expect(made.filter((request) => request.method === "POST")).toHaveLength(3);
  });

  it("approvals arriving until the tier is met; each review within the budget", async () => {
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "src/cache.ts": "x\n" } });
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    // Counted from when the App is done with what came before (a delivery is answered after 7 s even while its work goes on).
    await app.settled();
    const counts: number[] = [];
    // The approval that gives the pass costs one request more: the pull request is read (a payload may take a pass away, never give one).
    for (const [reviewer, expected, budget] of [
      ["alice", "Needs 1 more approval for medium risk", 4],
      ["bob", "Approved: 2 approvals, 2 required for medium risk", 5],
    ] as const) {
      const review = fake.submitReview(pull, { user: reviewer, state: "APPROVED" });
      fake.resetRequests();
      await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, review));
      await app.settled();
      counts.push(apiRequests(fake).length - budget);
      expect(checks(fake, "acme", repo, pull.head.sha)["changegate/approvals"]!.title).toBe(expected);
    }
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);
    for (const over of counts) expect(over).toBeLessThanOrEqual(0);
  });

  it("a pull request of 100 files: opened within 7 requests, a review within 4", async () => {
    const repo = repository();
    await app.deliver(pullRequestEvent(fake, "opened", fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "seen.txt": "policy seen\n" } })));
    await app.settled();
    const changes = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`src/module${i}/index.ts`, `export const n = ${i};\n`]));
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes });
    fake.resetRequests();
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    await app.settled();
    const opened = apiRequests(fake);
    expect(opened.length, JSON.stringify(opened)).toBeLessThanOrEqual(7);
    expect(opened.filter((request) => request.route === "GET /repos/{owner}/{repo}/pulls/{pull_number}/files")).toHaveLength(1);
    expect(checks(fake, "acme", repo, pull.head.sha)["changegate/risk"]!.conclusion).toBe("success");

    const review = fake.submitReview(pull, { user: "alice", state: "APPROVED" });
    fake.resetRequests();
    await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, review));
    await app.settled();
    const reviewed = apiRequests(fake);
    expect(reviewed.length, JSON.stringify(reviewed)).toBeLessThanOrEqual(4);
    expect(checks(fake, "acme", repo, pull.head.sha)["changegate/approvals"]!.title).toBe("Needs 1 more approval for medium risk");

    // Past 100 files the second page is read: a migration listed on it raises the risk.
    const longer = Object.fromEntries([...Array.from({ length: 150 }, (_, i) => [`a/file${i}.ts`, `${i}\n`]), ["db/migrations/001.sql", "alter\n"]]);
    const large = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: longer });
    fake.resetRequests();
    await app.deliver(pullRequestEvent(fake, "opened", large));
    await app.settled();
    expect(apiRequests(fake).filter((request) => request.route === "GET /repos/{owner}/{repo}/pulls/{pull_number}/files")).toHaveLength(2);
    expect(checks(fake, "acme", repo, large.head.sha)["changegate/risk"]!.title).toMatch(/: high$/);
  });
});

describe("approvals as GitHub counts them", () => {
  it("a new push makes approvals stale, and the last pusher does not count", async () => {
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "src/cache.ts": "x\n" } });
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    for (const reviewer of ["alice", "bob"]) await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: reviewer, state: "APPROVED" })));
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);

    // bob pushes to carol's branch: the old approvals are stale, and bob's new one would be his own push's.
    fake.pushToPullRequest(pull, { changes: { "src/cache.ts": "x2\n" } });
    await app.deliver(pullRequestEvent(fake, "synchronize", pull, { sender: "bob" }));
    const stale = checks(fake, "acme", repo, pull.head.sha)["changegate/approvals"]!;
    expect(stale).toMatchObject({ conclusion: "failure", title: "Needs 2 more approvals for medium risk" });
    expect(stale.summary).toContain("approved an earlier commit");
    await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "bob", state: "APPROVED" })));
    const mine = checks(fake, "acme", repo, pull.head.sha)["changegate/approvals"]!;
    expect(mine.title).toBe("Needs 2 more approvals for medium risk");
    expect(mine.summary).toContain("@bob: the last person to push cannot approve it");
  });

  it("the author approving their own pull request does not count; a change request blocks", async () => {
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "src/cache.ts": "x\n" } });
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "carol", state: "APPROVED" })));
    const own = checks(fake, "acme", repo, pull.head.sha)["changegate/approvals"]!;
    expect(own).toMatchObject({ conclusion: "failure", title: "Needs 2 more approvals for medium risk" });
    expect(own.summary).toContain("@carol: the author cannot approve their own change");

    await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" })));
    await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "bob", state: "CHANGES_REQUESTED" })));
    expect(checks(fake, "acme", repo, pull.head.sha)["changegate/approvals"]).toMatchObject({ conclusion: "failure", title: "Changes requested by @bob" });
    await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "bob", state: "APPROVED" })));
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);
  });

  it("team requirements count active members only", async () => {
    const repo = repository();
    fake.addTeamMember("acme", "sre", "dave");
    fake.addTeamMember("acme", "sre", "erin", { state: "pending" });
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "db/migrations/001.sql": "alter\n" } });
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    expect(checks(fake, "acme", repo, pull.head.sha)["changegate/risk"]!.title).toMatch(/: high$/);
    for (const reviewer of ["alice", "erin"]) await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: reviewer, state: "APPROVED" })));
    expect(checks(fake, "acme", repo, pull.head.sha)["changegate/approvals"]!.title).toBe("Needs 1 more approval for high risk (1 from sre)");
    await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "dave", state: "APPROVED" })));
    expect(checks(fake, "acme", repo, pull.head.sha)["changegate/approvals"]).toMatchObject({ conclusion: "success" });
  });
});

describe("the change request and the policy", () => {
  it("a change request edited into an invalid one fails risk with its line; the others wait", async () => {
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "src/cache.ts": "x\n" } });
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    const from = pull.body;
    fake.editPullRequest(pull, { body: CHANGE_REQUEST("normal", "risk_levle: high") });
    await app.deliver(pullRequestEvent(fake, "edited", pull, { changes: { body: { from } } }));
    const found = checks(fake, "acme", repo, pull.head.sha);
    expect(found["changegate/risk"]).toMatchObject({ conclusion: "failure" });
    expect(found["changegate/risk"]!.title).toMatch(/risk_levle.*\(line 10\)/);
    expect(found["changegate/schedule"]!.title).toBe("Waiting for a valid change request");
    expect(found["changegate/approvals"]!.title).toBe("Waiting for a valid change request");
  });

  it("a pull request that edits the policy to lift a freeze is still frozen; a typo in its edit fails its risk check", async () => {
    const now = Date.now();
    const freeze = `freezes:\n  - { name: "Quarter end", start: "${new Date(now - 3_600_000).toISOString()}", end: "${new Date(now + 3_600_000).toISOString()}" }\n`;
    const repo = repository(POLICY + freeze);
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { ".github/changegate.yml": POLICY } });
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    const found = checks(fake, "acme", repo, pull.head.sha);
    expect(found["changegate/schedule"]).toMatchObject({ conclusion: "failure" });
    expect(found["changegate/schedule"]!.title).toMatch(/^Freeze “Quarter end” until/);
    expect(found["changegate/risk"]!.conclusion).toBe("success");

    fake.pushToPullRequest(pull, { changes: { ".github/changegate.yml": POLICY + "freezes: []\nwindws: {}\n" } });
    await app.deliver(pullRequestEvent(fake, "synchronize", pull));
    const typo = checks(fake, "acme", repo, pull.head.sha)["changegate/risk"]!;
    expect(typo.conclusion).toBe("failure");
    expect(typo.annotations).toBeGreaterThan(0);
  });

  it("an organisation's locked keys hold: a repository's enforcement: report is not used, and shows as a warning annotation at its line", async () => {
    fake.addRepository({ owner: "acme", name: ".github", files: { ".github/changegate.yml": `${POLICY}locked: [enforcement, approvals]\n` } });
    const repo = repository("_extends: .github\nversion: 1\nenforcement: report\napprovals:\n  medium: { count: 0 }\n");
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "src/a.ts": "x\n" } });
    expect((await app.deliver(pullRequestEvent(fake, "opened", pull))).status).toBe(200);
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "failure"]);
    const [risk] = fake.checkRuns("acme", repo, { headSha: pull.head.sha, name: "changegate/risk" });
    expect(risk!.output.annotations.map((annotation) => [annotation.annotation_level, annotation.path, annotation.start_line, annotation.title])).toEqual([
      ["warning", ".github/changegate.yml", 3, "enforcement"],
      ["warning", ".github/changegate.yml", 4, "approvals"],
    ]);
    expect(risk!.output.summary).toMatch(/Policy warnings/);
  });

  it("an invalid policy fails all three checks closed, annotated at its lines", async () => {
    const repo = repository("version: 1\ntimezone: Mars/Olympus\n");
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    const found = checks(fake, "acme", repo, pull.head.sha);
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["failure", "failure", "failure"]);
    expect(found["changegate/risk"]!.title).toMatch(/^Invalid changegate policy/);
    expect(found["changegate/risk"]!.annotations).toBe(1);
    const annotation = fake.checkRuns("acme", repo, { headSha: pull.head.sha, name: "changegate/risk" })[0]!.output.annotations[0]!;
    expect(annotation).toMatchObject({ path: ".github/changegate.yml", start_line: 2 });
  });

  it("enforcement: report makes every check neutral, saying what it would decide", async () => {
    const repo = repository(POLICY + "enforcement: report\n");
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["neutral", "neutral", "neutral"]);
    expect(checks(fake, "acme", repo, pull.head.sha)["changegate/approvals"]!.title).toMatch(/^Report only \(would block\)/);
  });

  it("a repository without a policy is not enrolled: no checks", async () => {
    const name = `bare${++repoCount}`;
    fake.addRepository({ owner: "acme", name, files: { "README.md": "x\n" } });
    const pull = fake.openPullRequest({ owner: "acme", repo: name, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    expect(checks(fake, "acme", name, pull.head.sha)).toEqual({});
  });

  it("a push to the default branch that changes the policy re-evaluates the open pull requests", async () => {
    const repo = repository(POLICY.replace("low: { count: 1 }", "low: { count: 0 }").replace("medium: { count: 2 }", "medium: { count: 0 }"));
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);
    const now = Date.now();
    fake.setFile("acme", repo, "main", ".github/changegate.yml", POLICY + `freezes:\n  - { name: "Incident freeze", start: "${new Date(now - 60_000).toISOString()}", end: "${new Date(now + 3_600_000).toISOString()}" }\n`);
    await app.deliver(pushEvent(fake, { owner: "acme", repo, ref: "main" }));
    await app.service.idle();
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "failure", "failure"]);
    expect(checks(fake, "acme", repo, pull.head.sha)["changegate/schedule"]!.title).toMatch(/^Freeze “Incident freeze”/);
  });
});

describe("change types", () => {
  it("an emergency during a freeze passes once an incident commander approves", async () => {
    const now = Date.now();
    const policy = POLICY + `emergency: { approvers: [incident-commanders] }\nfreezes:\n  - { name: "Year end", start: "${new Date(now - 3_600_000).toISOString()}", end: "${new Date(now + 3_600_000).toISOString()}" }\n`;
    const repo = repository(policy);
    fake.addTeamMember("acme", "incident-commanders", "erin");
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("emergency"), changes: { "src/fix.ts": "fix\n" } });
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "failure", "failure"]);
    await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" })));
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "failure", "failure"]);
    await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "erin", state: "APPROVED" })));
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);
    expect(checks(fake, "acme", repo, pull.head.sha)["changegate/schedule"]!.title).toBe("Emergency: freeze “Year end” bypassed with @erin's approval");
  });

  it("a standard change from the catalog needs no approval", async () => {
    const repo = repository(POLICY + 'standard_changes:\n  scale-deployment: { paths: ["k8s/**/replicas.yaml"] }\n');
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("standard", "standard_change: scale-deployment"), changes: { "k8s/web/replicas.yaml": "replicas: 4\n" } });
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);
    expect(checks(fake, "acme", repo, pull.head.sha)["changegate/approvals"]!.title).toBe("Standard change scale-deployment: pre-approved");
  });

  it("a pull request retargeted to a branch with a stricter policy is judged by that branch's policy at once", async () => {
    const repo = repository(POLICY.replace("low: { count: 1 }", "low: { count: 0 }").replace("medium: { count: 2 }", "medium: { count: 0 }"));
    fake.createBranch("acme", repo, "release");
    fake.setFile("acme", repo, "release", ".github/changegate.yml", POLICY + "windows: { normal: never }\n");
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);
    const from = { ref: { from: pull.base.ref }, sha: { from: pull.base.sha } };
    fake.editPullRequest(pull, { base: "release" });
    await app.deliver(pullRequestEvent(fake, "edited", pull, { changes: { base: from } }));
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "failure", "failure"]);
    expect(checks(fake, "acme", repo, pull.head.sha)["changegate/schedule"]!.title).toMatch(/no window/);
  });

  it("a merge group gets the three checks on its head, decided from the pull requests in it", async () => {
    const repo = repository(POLICY.replace("low: { count: 1 }", "low: { count: 0 }").replace("medium: { count: 2 }", "medium: { count: 0 }"));
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
    const event = mergeGroupEvent(fake, pull);
    await app.deliver(event);
    const head = (event.payload["merge_group"] as { head_sha: string }).head_sha;
    expect(conclusions(fake, "acme", repo, head)).toEqual(["success", "success", "success"]);
  });
});

describe("events", () => {
  it("the Re-evaluate button evaluates again, reading everything afresh", async () => {
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    // A review whose webhook never arrived.
    fake.submitReview(pull, { user: "alice", state: "APPROVED" });
    fake.submitReview(pull, { user: "bob", state: "APPROVED" });
    const run = fake.checkRuns("acme", repo, { headSha: pull.head.sha, name: "changegate/approvals" })[0]!;
    expect(run.actions.map((action) => action.identifier)).toEqual(["reevaluate"]);
    await app.deliver(checkRunEvent(fake, "requested_action", { owner: "acme", repo, run, identifier: "reevaluate" }));
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);
  });

  it("the same webhook delivered twice writes nothing the second time", async () => {
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
    const event = pullRequestEvent(fake, "opened", pull);
    await app.deliver(event);
    fake.resetRequests();
    expect((await app.deliver(event)).status).toBe(200);
    expect(apiRequests(fake).filter((request) => request.method !== "GET")).toEqual([]);
    const review = pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" }));
    await app.deliver(review);
    fake.resetRequests();
    await app.deliver(review);
    expect(apiRequests(fake).filter((request) => request.method !== "GET")).toEqual([]);
    for (const check of Object.values(checks(fake, "acme", repo, pull.head.sha))) expect(check.count).toBe(1);
  });

  it("a webhook with a bad signature is rejected and changes nothing", async () => {
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
    fake.resetRequests();
    const answer = await app.deliver(pullRequestEvent(fake, "opened", pull), { secret: "not-the-secret" });
    expect(answer.status).toBe(400);
    expect(apiRequests(fake)).toEqual([]);
    expect(checks(fake, "acme", repo, pull.head.sha)).toEqual({});
  });

  it("answers /healthz", async () => {
    const response = await fetch(app.url.replace("/api/github/webhooks", "/healthz"));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok" });
  });
});
