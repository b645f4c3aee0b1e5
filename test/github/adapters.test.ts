import { Octokit } from "@octokit/core";
import { RequestError } from "@octokit/request-error";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { annotationKey, publishChecks, recordedDecisionKind, recordedNextChange, type KnownCheck } from "../../src/github/check-runs.js";
import { ConditionalCache, useConditionalRequests } from "../../src/app/conditional-requests.js";
import { GatherCaches } from "../../src/app/caching-reader.js";
import { restReader } from "../../src/github/rest-reader.js";
import { gatherAndEvaluate as gatherThroughReader } from "../../src/pipeline/gather.js";
import type { PullRequestFields } from "../../src/pipeline/reader.js";
import { pullNumbersIn, pullsInMergeGroup } from "../../src/github/merge-group.js";
import { combineGroupChecks } from "../../src/report/merge-group.js";
import { PolicyCache } from "../../src/app/policy-cache.js";
import type { RenderedCheck } from "../../src/report/checks.js";
import { recordPush } from "../fake-github/activity.js";
import { startFakeGitHub, type FakeGitHub } from "../fake-github/server.js";
import { policyFrom } from "../support/policy.js";
import { loadPolicy } from "../../src/github/policy-source.js";
import { scheduleAt } from "../calendar/support.js";

let fake: FakeGitHub;
let octokit: Octokit;

beforeAll(async () => {
  fake = await startFakeGitHub();
});
afterAll(() => fake.close());
beforeEach(() => {
  octokit = new Octokit({ auth: "test-token", baseUrl: fake.url });
  fake.resetRequests();
});
afterEach(() => {
  const invalid = fake.requests((record) => record.status === 422 || record.unimplemented);
  expect(invalid.map((record) => `${record.method} ${record.path}: ${JSON.stringify(record.validationErrors ?? "unimplemented")}`)).toEqual([]);
});

let repoCount = 0;
function newRepo(files: Record<string, string> = {}) {
  const name = `repo${++repoCount}`;
  fake.addRepository({ owner: "acme", name, files: { "README.md": "hi\n", ...files } });
  return name;
}

const failing = (name: RenderedCheck["name"], annotations: number, title = "Invalid changegate policy"): RenderedCheck => ({
  name,
  conclusion: "failure",
  title,
  summary: "summary",
  annotations: Array.from({ length: annotations }, (_, index) => ({ path: ".github/changegate.yml", start_line: index + 1, end_line: index + 1, annotation_level: "failure" as const, title: "x", message: `problem ${index}` })),
  enforcedConclusion: "failure",
});
const writes = () => fake.requests((record) => record.method !== "GET" && !record.installationToken);

describe("publishChecks", () => {
  it("creates, leaves alone, updates in place, and sends only annotations a run does not have (GitHub appends them)", async () => {
    const repo = newRepo();
    const pull = fake.openPullRequest({ owner: "acme", repo, changes: { "a.txt": "a\n" } });
    const target = { owner: "acme", repo, headSha: pull.head.sha };
    const first = await publishChecks(octokit, target, [failing("changegate/risk", 120)], null);
    expect(first).toMatchObject([{ action: "created" }]);
    // 1 POST + 2 PATCH: 50 annotations a request.
    expect(writes().map((record) => record.method)).toEqual(["POST", "PATCH", "PATCH"]);
    expect(fake.checkRuns("acme", repo)[0]!.output.annotations).toHaveLength(120);

    fake.resetRequests();
    expect(await publishChecks(octokit, target, [failing("changegate/risk", 120)], null)).toMatchObject([{ action: "unchanged" }]);
    expect(writes()).toEqual([]);

    // A new title with the same annotations: the run is updated, no annotation is sent twice.
    fake.resetRequests();
    await publishChecks(octokit, target, [failing("changegate/risk", 121, "Invalid changegate policy: 121 problems")], null);
    expect(writes()).toHaveLength(1);
    expect(fake.checkRuns("acme", repo)).toHaveLength(1);
    expect(fake.checkRuns("acme", repo)[0]!.output.annotations).toHaveLength(121);

    // With what it published known, a caller makes no read at all.
    fake.resetRequests();
    const known = new Map<string, KnownCheck>((await publishChecks(octokit, target, [failing("changegate/risk", 121, "Invalid changegate policy: 121 problems")], null)).map((check) => [check.name, check.known]));
    fake.resetRequests();
    expect(await publishChecks(octokit, target, [failing("changegate/risk", 121, "Invalid changegate policy: 121 problems")], null, null, { known })).toMatchObject([{ action: "unchanged" }]);
    expect(fake.requests()).toEqual([]);
  });

  it("never creates a second run of one name when a create's answer is lost (a 502 after GitHub made it)", async () => {
    const repo = newRepo();
    const pull = fake.openPullRequest({ owner: "acme", repo, changes: { "a.txt": "a\n" } });
    const target = { owner: "acme", repo, headSha: pull.head.sha };
    const lossy = new Octokit({ auth: "test-token", baseUrl: fake.url });
    let lost = 0;
    lossy.hook.wrap("request", async (request, options) => {
      const response = await request(options);
      if (options.method === "POST" && lost++ === 0) throw new RequestError("Server Error", 502, { request: { method: "POST", url: options.url, headers: {} }, response: { status: 502, url: options.url, headers: {}, data: {} } });
      return response;
    });
    const published = await publishChecks(lossy, target, [failing("changegate/risk", 0), failing("changegate/schedule", 0)], null, null, { createRetryDelayMs: 1 });
    expect(published.map((check) => check.name)).toEqual(["changegate/risk", "changegate/schedule"]);
    expect(fake.checkRuns("acme", repo).map((run) => run.name).sort()).toEqual(["changegate/risk", "changegate/schedule"]);
  });

  it("lists only this app's runs when told its id", async () => {
    const repo = newRepo();
    const pull = fake.openPullRequest({ owner: "acme", repo, changes: { "a.txt": "a\n" } });
    await publishChecks(octokit, { owner: "acme", repo, headSha: pull.head.sha }, [failing("changegate/risk", 0)], null, null, { appId: fake.app.id });
    expect(fake.requests({ method: "GET", route: "GET /repos/{owner}/{repo}/commits/{ref}/check-runs" })[0]!.query).toContain(`app_id=${fake.app.id}`);
  });
});

describe("conditional requests and the policy cache", () => {
  it("asks again with If-None-Match and serves a 304 from the cache; a fresh policy needs no request", async () => {
    const repo = newRepo({ ".github/changegate.yml": "version: 1\ntimezone: UTC\n" });
    const cache = new ConditionalCache();
    useConditionalRequests(octokit, cache, "1");
    const policies = new PolicyCache({ freshMs: 60_000 });
    const first = await policies.load(octokit, { owner: "acme", repo, ref: "main" });
    expect(first.status).toBe("valid");
    expect(fake.countRequests()).toBe(1);
    await policies.load(octokit, { owner: "acme", repo, ref: "main" });
    expect(fake.countRequests()).toBe(1);

    // Stale: asked again, GitHub answers 304 (not counted against the rate limit).
    const again = await policies.load(octokit, { owner: "acme", repo, ref: "main" }, { fresh: true });
    expect(again).toEqual(first);
    expect(fake.requests().map((record) => record.notModified)).toEqual([false, true]);
    expect(cache.notModified).toBe(1);

    // A push that changes it: forgotten, read again, new content.
    fake.setFile("acme", repo, "main", ".github/changegate.yml", "version: 1\ntimezone: Europe/Berlin\n");
    policies.invalidate("acme", repo, "main", true);
    const changed = await policies.load(octokit, { owner: "acme", repo, ref: "main" });
    expect(changed.status === "valid" && changed.policy.timezone).toBe("Europe/Berlin");
  });

  it("forgets a policy that layers the org's defaults when the org's file is pushed", async () => {
    const repo = newRepo({ ".github/changegate.yml": "_extends: .github\nversion: 1\n" });
    if (fake.findRepository("acme", ".github") === undefined) fake.addRepository({ owner: "acme", name: ".github", files: { ".github/changegate.yml": "version: 1\nenforcement: report\n" } });
    const policies = new PolicyCache();
    const loaded = await policies.load(octokit, { owner: "acme", repo, ref: "main" });
    expect(loaded.status === "valid" && loaded.policy.enforcement).toBe("report");
    expect(policies.layersFileOf("acme", ".github", new Set([".github/changegate.yml"]))).toBe(true);
    expect(policies.invalidate("acme", ".github", "main", true)).toEqual([{ owner: "acme", repo, ref: "main" }]);
  });
});

describe("gatherAndEvaluate", () => {
  // The App's way: the REST reader with its caches in front.
  const gatherAndEvaluate = (client: Octokit, request: { owner: string; repo: string; pull: PullRequestFields; policy: typeof policy; at: number }, caches: GatherCaches) =>
    gatherThroughReader(caches.reader(restReader(client, request.owner, request.repo), { scope: "" }), request.pull, request.policy, { at: request.at });
  const body = "```yaml\nchange_request:\n  type: normal\n  implementation_plan: x\n  rollback_plan: y\n```\n";
  const policy = policyFrom("version: 1\napprovals: { low: { count: 1 }, medium: { count: 1 } }\n");

  it("reads files once per head, permissions once per reviewer, and does not count the last pusher", async () => {
    const repo = newRepo();
    fake.setPermission("acme", repo, "bob", "write");
    fake.setPermission("acme", repo, "dave", "write");
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body, changes: { "src/a.ts": "a\n" } });
    const caches = new GatherCaches();
    const snapshot = (await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: "acme", repo, pull_number: pull.number })).data;
    fake.submitReview(pull, { user: "bob", state: "APPROVED" });
    caches.rememberPusher(`acme/${repo}`, pull.head.sha, "bob");
    fake.resetRequests();
    const first = await gatherAndEvaluate(octokit, { owner: "acme", repo, pull: snapshot, policy, at: Date.now() }, caches);
    expect(first.decision.approvals).toMatchObject({ satisfied: false, ignored: [{ login: "bob", reason: "last-pusher" }] });
    expect(fake.requests().map((record) => record.route)).toEqual([
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
      "GET /repos/{owner}/{repo}/collaborators/{username}/permission",
    ]);

    fake.submitReview(pull, { user: "dave", state: "APPROVED" });
    fake.resetRequests();
    const second = await gatherAndEvaluate(octokit, { owner: "acme", repo, pull: snapshot, policy, at: Date.now() }, caches);
    expect(second.decision.approvals).toMatchObject({ satisfied: true, counted: [{ login: "dave" }] });
    // Files are known for this head, bob's permission too: reviews and dave's permission only.
    expect(fake.requests().map((record) => record.route)).toEqual(["GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", "GET /repos/{owner}/{repo}/collaborators/{username}/permission"]);
  });

  it("asks the repository's activity who pushed the head, only when an approval would count", async () => {
    const repo = newRepo();
    fake.setPermission("acme", repo, "bob", "write");
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body, changes: { "src/a.ts": "a\n" } });
    const snapshot = (await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: "acme", repo, pull_number: pull.number })).data;
    const caches = new GatherCaches();
    fake.resetRequests();
    await gatherAndEvaluate(octokit, { owner: "acme", repo, pull: snapshot, policy, at: Date.now() }, caches);
    // No approval yet: nobody's push can matter.
    expect(fake.requests().map((record) => record.route)).toEqual(["GET /repos/{owner}/{repo}/pulls/{pull_number}/files", "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews"]);
    fake.submitReview(pull, { user: "bob", state: "APPROVED" });
    recordPush(fake, "acme", repo, { ref: pull.head.ref, before: pull.base.sha, after: pull.head.sha, actor: "bob" });
    fake.resetRequests();
    const { decision } = await gatherAndEvaluate(octokit, { owner: "acme", repo, pull: snapshot, policy, at: Date.now() }, caches);
    expect(fake.requests().map((record) => record.route)).toContain("GET /repos/{owner}/{repo}/activity");
    expect(decision.approvals).toMatchObject({ satisfied: false, ignored: [{ login: "bob", reason: "last-pusher" }] });
    // Known from then on.
    fake.resetRequests();
    await gatherAndEvaluate(octokit, { owner: "acme", repo, pull: snapshot, policy, at: Date.now() }, caches);
    expect(fake.requests().map((record) => record.route)).not.toContain("GET /repos/{owner}/{repo}/activity");
  });
});

describe("recorded decisions", () => {
  it("records a failed evaluation as a kind of decision beside its next change, and an evaluation as none", async () => {
    const repo = newRepo();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", changes: { "src/a.ts": "a\n" } });
    const target = { owner: "acme", repo, headSha: pull.head.sha };
    const failing: RenderedCheck = { name: "changegate/risk", conclusion: "failure", title: "Could not evaluate: x", summary: "x", annotations: [], enforcedConclusion: "failure" };
    const retryAt = Date.parse("2026-03-01T00:00:00Z");
    await publishChecks(octokit, target, [failing], retryAt, null, { decision: "unavailable" });
    const [run] = (await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", { owner: "acme", repo, ref: pull.head.sha })).data.check_runs;
    expect(recordedDecisionKind(run!)).toBe("unavailable");
    expect(recordedNextChange(run!)).toBe(retryAt);
    await publishChecks(octokit, target, [{ ...failing, conclusion: "success", title: "Risk 5/16: low", enforcedConclusion: "success" }], null, null, { decision: "evaluated" });
    const [again] = (await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", { owner: "acme", repo, ref: pull.head.sha })).data.check_runs;
    expect(recordedDecisionKind(again!)).toBeUndefined();
    expect(recordedNextChange(again!)).toBe("none");
  });
});

describe("merge groups", () => {
  it("finds the pull requests of a group from its branch and its commits", async () => {
    expect(pullNumbersIn("Merge pull request #12 from acme/topic\n\nx")).toEqual([12]);
    expect(pullNumbersIn("Add a thing (#34)")).toEqual([34]);
    const repo = newRepo();
    const base = fake.branchSha("acme", repo, "main")!;
    const first = fake.setFile("acme", repo, "main", "a.txt", "a\n", { message: "First change (#7)" });
    const second = fake.setFile("acme", repo, "main", "b.txt", "b\n", { message: "Merge pull request #9 from acme/b" });
    expect(first.sha).not.toBe(second.sha);
    const numbers = await pullsInMergeGroup(octokit, "acme", repo, { head_sha: second.sha, head_ref: `refs/heads/gh-readonly-queue/main/pr-9-${base}`, base_sha: base, base_ref: "refs/heads/main" });
    expect(numbers).toEqual([7, 9]);
  });

  it("combines each check to its worst conclusion, naming the pull request that decided it", () => {
    const pass = (name: RenderedCheck["name"]): RenderedCheck => ({ name, conclusion: "success", title: "ok", summary: "ok", annotations: [], enforcedConclusion: "success" });
    const combined = combineGroupChecks([
      { number: 1, title: "One", checks: [pass("changegate/risk"), pass("changegate/schedule"), pass("changegate/approvals")] },
      { number: 2, title: "Two", checks: [pass("changegate/risk"), failing("changegate/schedule", 0, "Freeze “Q1” until Thu"), pass("changegate/approvals")] },
    ]);
    expect(combined.map((check) => check.conclusion)).toEqual(["success", "failure", "success"]);
    expect(combined[1]!.title).toBe("#2: Freeze “Q1” until Thu");
    expect(annotationKey(failing("changegate/risk", 1).annotations[0]!)).toContain("problem 0");
  });
});

describe("the calendar's releases and issues past the first page", () => {
  const RELEASES = 'version: 1\ntimezone: UTC\nfreezes:\n  - name: "After a major release"\n    after_release: { tags: ["v*.0.0"], for: "48h" }\n';
  const INCIDENTS = 'version: 1\ntimezone: UTC\nfreezes:\n  - name: "Incident"\n    while_issues_open: { labels: ["incident"] }\n';
  const load = async (repo: string) => {
    const loaded = await loadPolicy(octokit, { owner: "acme", repo, ref: "main" });
    if (loaded.status !== "valid") throw new Error(JSON.stringify(loaded));
    return loaded.policy;
  };
  const listed = (route: string) => fake.requests((record) => record.route === route).length;

  it("a major release behind 100 newer ones still freezes: the next page is read", async () => {
    const repo = newRepo({ ".github/changegate.yml": RELEASES });
    fake.addRelease("acme", repo, { tag: "v3.0.0", publishedAt: new Date(Date.now() - 3_600_000).toISOString() });
    for (let patch = 1; patch <= 100; patch++) fake.addRelease("acme", repo, { tag: `v3.0.${patch}` });
    fake.resetRequests();
    const policy = await load(repo);
    expect(scheduleAt(policy, Date.now()).blockers[0]).toMatchObject({ name: "After a major release: v3.0.0" });
    expect(listed("GET /repos/{owner}/{repo}/releases")).toBe(2);
  });

  it("stops at a page of releases all created before the longest freeze could reach now", async () => {
    const repo = newRepo({ ".github/changegate.yml": RELEASES });
    const realClock = fake.clock;
    fake.clock = () => new Date(Date.now() - 10 * 86_400_000);
    try {
      for (let n = 1; n <= 150; n++) fake.addRelease("acme", repo, { tag: `v1.${n}.0` });
    } finally {
      fake.clock = realClock;
    }
    for (let n = 1; n <= 60; n++) fake.addRelease("acme", repo, { tag: `v2.${n}.0` });
    fake.resetRequests();
    const policy = await load(repo);
    expect(scheduleAt(policy, Date.now()).allowed).toBe(true);
    // Page 1: 60 recent and 40 old; page 2: 100 old, so page 3 (10 more) is not asked for.
    expect(listed("GET /repos/{owner}/{repo}/releases")).toBe(2);
  });

  it("an incident issue behind 100 others with the label, opened by someone who may declare one, still freezes", async () => {
    const repo = newRepo({ ".github/changegate.yml": INCIDENTS });
    fake.setPermission("acme", repo, "alice", "write");
    const incident = fake.createIssue("acme", repo, { title: "Checkout is down", user: "alice", labels: ["incident"] });
    for (let n = 1; n <= 100; n++) fake.createIssue("acme", repo, { title: `Please freeze ${n}`, user: "mallory", labels: ["incident"] });
    fake.resetRequests();
    const policy = await load(repo);
    expect(scheduleAt(policy, Date.now()).blockers[0]).toMatchObject({ name: `Incident: #${incident.number} Checkout is down` });
    expect(listed("GET /repos/{owner}/{repo}/issues")).toBe(2);
  });
});
