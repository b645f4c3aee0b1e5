import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mergeGroupEvent, pullRequestEvent, pullRequestReviewEvent, type FakeGitHub } from "../fake-github/index.js";
import { CHANGE_REQUEST, checks, conclusions, SECRET, startApp, startFake, waitFor, type App } from "./harness.js";

/**
 * Issue 11, "never a stale pass": each test reproduces one finding against the fake GitHub
 * behaving as GitHub does (1-second timestamps, late and out-of-order deliveries, lost
 * answers, hung connections, rate limits) and holds the App to the right check.
 */
const POLICY = "version: 1\ntimezone: UTC\napprovals: { low: { count: 1 }, medium: { count: 1 }, high: { count: 2 } }\n";

let fake: FakeGitHub;
let repoCount = 0;
const apps: App[] = [];

beforeAll(async () => {
  fake = await startFake();
});
afterAll(async () => {
  for (const app of apps) await app.stop();
  await fake?.close();
});
afterEach(() => {
  fake.clock = () => new Date();
  fake.clearFaults();
  const invalid = fake.requests((record) => record.status === 422 || record.unimplemented);
  expect(invalid.map((record) => `${record.method} ${record.path}: ${JSON.stringify(record.validationErrors ?? "unimplemented")}`)).toEqual([]);
  fake.resetRequests();
});

async function app(options: Parameters<typeof startApp>[1] = {}, limits: Parameters<typeof startApp>[2] = {}): Promise<App> {
  const started = await startApp(fake, options, limits);
  apps.push(started);
  return started;
}

function repository(policy = POLICY, files: Record<string, string> = {}): string {
  const name = `stale${++repoCount}`;
  fake.addRepository({ owner: "acme", name, files: { ".github/changegate.yml": policy, ...files } });
  for (const login of ["alice", "bob"]) fake.setPermission("acme", name, login, "write");
  return name;
}

/** A pull request opened with `body` and approved once, its checks written by a new App. */
async function openedAndApproved(body: string): Promise<{ target: App; repo: string; pull: ReturnType<FakeGitHub["openPullRequest"]> }> {
  const target = await app();
  const repo = repository();
  const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body, changes: { "a.txt": "a\n" } });
  await target.deliver(pullRequestEvent(fake, "opened", pull));
  await target.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" })));
  return { target, repo, pull };
}

const HIGH = CHANGE_REQUEST("normal", "risk_level: high");
const LOW = CHANGE_REQUEST("normal");
/** Freezes the fake's clock inside one second (GitHub's timestamps have no finer resolution). */
const oneSecond = (at: number) => {
  fake.clock = () => new Date(at);
};
const approvalsTitle = (repo: string, sha: string) => checks(fake, "acme", repo, sha)["changegate/approvals"]?.title;

describe("finding 1: stamps that do not prove a payload newer", () => {
  it("two edits in one second delivered out of order: the newer text decides", async () => {
    const { target, repo, pull } = await openedAndApproved(HIGH);
    expect(approvalsTitle(repo, pull.head.sha)).toMatch(/^Needs 1 more approval for high risk/);

    oneSecond(Math.floor(Date.now() / 1000) * 1000 + 5_250);
    fake.editPullRequest(pull, { body: LOW });
    const lowered = pullRequestEvent(fake, "edited", pull, { changes: { body: { from: HIGH } } });
    fake.editPullRequest(pull, { body: HIGH });
    const raised = pullRequestEvent(fake, "edited", pull, { changes: { body: { from: LOW } } });
    await target.deliver(raised);
    await target.deliver(lowered);
    expect(conclusions(fake, "acme", repo, pull.head.sha)[2]).toBe("failure");
    expect(approvalsTitle(repo, pull.head.sha)).toMatch(/^Needs 1 more approval for high risk/);
  });

  it("a payload newer than what was decided on, but older than GitHub's latest, may take a pass away, never grant one: the pull request is read first", async () => {
    const { target, repo, pull } = await openedAndApproved(HIGH);
    expect(approvalsTitle(repo, pull.head.sha)).toMatch(/^Needs 1 more approval for high risk/);

    // Lowered a second later, raised again the second after: the lowering's delivery arrives first, alone.
    const second = Math.floor(Date.now() / 1000) * 1000;
    oneSecond(second + 2_000);
    fake.editPullRequest(pull, { body: LOW });
    const lowered = pullRequestEvent(fake, "edited", pull, { changes: { body: { from: HIGH } } });
    oneSecond(second + 3_000);
    fake.editPullRequest(pull, { body: HIGH });
    await target.deliver(lowered);
    expect(conclusions(fake, "acme", repo, pull.head.sha)[2]).toBe("failure");
    expect(approvalsTitle(repo, pull.head.sha)).toMatch(/^Needs 1 more approval for high risk/);
  });

  it("a payload newer than what was decided on that takes a pass away is used as it is: no read", async () => {
    const { target, repo, pull } = await openedAndApproved(LOW);
    expect(conclusions(fake, "acme", repo, pull.head.sha)[2]).toBe("success");
    oneSecond(Math.floor(Date.now() / 1000) * 1000 + 2_000);
    fake.editPullRequest(pull, { body: HIGH });
    fake.resetRequests();
    await target.deliver(pullRequestEvent(fake, "edited", pull, { changes: { body: { from: LOW } } }));
    expect(conclusions(fake, "acme", repo, pull.head.sha)[2]).toBe("failure");
    expect(fake.countRequests({ route: "GET /repos/{owner}/{repo}/pulls/{pull_number}" })).toBe(0);
  });

  it("reconciliation evaluates a pull request whose updated_at equals the remembered one when it changed within that second", async () => {
    let now = Math.floor(Date.now() / 1000) * 1000 + 100;
    fake.clock = () => new Date(now);
    const target = await app({ now: () => now });
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { "a.txt": "a\n" } });
    await target.deliver(pullRequestEvent(fake, "opened", pull));
    now += 100;
    await target.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" })));
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);
    // Raised to high risk in the same second; its delivery never arrives.
    now += 300;
    fake.editPullRequest(pull, { body: HIGH });
    await target.service.reconcile();
    await target.service.idle();
    expect(conclusions(fake, "acme", repo, pull.head.sha)[2]).toBe("failure");
  });
});

describe("finding 2: no input is skipped because it cannot exist yet", () => {
  it("an opened delivered after a review requesting changes still sees the review", async () => {
    const target = await app();
    const repo = repository(POLICY + 'standard_changes:\n  scale-deployment: { paths: ["k8s/**/replicas.yaml"] }\n');
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("standard", "standard_change: scale-deployment"), changes: { "k8s/web/replicas.yaml": "replicas: 4\n" } });
    const opened = pullRequestEvent(fake, "opened", pull);
    await target.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "CHANGES_REQUESTED" })));
    expect(conclusions(fake, "acme", repo, pull.head.sha)[2]).toBe("failure");
    await target.deliver(opened);
    expect(conclusions(fake, "acme", repo, pull.head.sha)[2]).toBe("failure");
  });

  it("an opened delivered after the approval of a low-risk pull request counts the approval", async () => {
    const target = await app();
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { "a.txt": "a\n" } });
    const opened = pullRequestEvent(fake, "opened", pull);
    await target.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" })));
    await target.deliver(opened);
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);
  });
});

describe("finding 4: every request has a deadline", () => {
  it("a request that never answers fails closed within its deadline, and the pull request recovers", async () => {
    const target = await app({}, { requestTimeoutMs: 300 });
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { "a.txt": "a\n" } });
    await target.deliver(pullRequestEvent(fake, "opened", pull));
    const review = fake.submitReview(pull, { user: "alice", state: "APPROVED" });
    await target.deliver(pullRequestReviewEvent(fake, "submitted", pull, review));
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);

    // Changes requested; every read of the reviews hangs (the first attempt and both retries).
    const hungBefore = fake.network.hung;
    fake.hang({ route: "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", count: 3 });
    const started = Date.now();
    const answer = await target.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "bob", state: "CHANGES_REQUESTED" })));
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(fake.network.hung - hungBefore).toBe(3);
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["failure", "failure", "failure"]);
    expect(checks(fake, "acme", repo, pull.head.sha)["changegate/approvals"]!.title).toMatch(/^Could not evaluate: No answer from GitHub to GET \/repos\/acme\/stale\d+\/pulls\/\d+\/reviews \(GitHub did not answer within 0.3 s\)/);
    // The retry scheduled after a failure (300 ms here) reads the reviews and blocks for the right reason.
    await waitFor(() => approvalsTitle(repo, pull.head.sha) ?? "", (title) => title.startsWith("Changes requested"), 5_000, "the retry");
  });
});

describe("finding 9: a rate limit is a rate limit", () => {
  const patch = "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}";
  const counts = (repo: string, sha: string) => Object.values(checks(fake, "acme", repo, sha)).map((check) => check.count);

  for (const [kind, status] of [
    ["primary", 403],
    ["primary", 429],
    ["secondary", 403],
  ] as const) {
    it(`a ${kind} rate limit (${status}) on updating a run creates no second run; the flip lands once the limit allows`, async () => {
      const target = await app();
      const repo = repository();
      const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { "a.txt": "a\n" } });
      await target.deliver(pullRequestEvent(fake, "opened", pull));
      await target.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" })));
      expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);

      // Longer than the App waits (60 s): the evaluation fails and is retried later.
      fake.resetRequests();
      fake.failNext({ status, rateLimit: kind, resetInSeconds: 3_600, retryAfter: 3_600, route: patch, count: 2 });
      fake.editPullRequest(pull, { body: HIGH });
      await target.deliver(pullRequestEvent(fake, "edited", pull, { changes: { body: { from: LOW } } }));
      expect(fake.countRequests({ method: "POST", route: "POST /repos/{owner}/{repo}/check-runs" })).toBe(0);
      expect(counts(repo, pull.head.sha)).toEqual([1, 1, 1]);
      await waitFor(() => conclusions(fake, "acme", repo, pull.head.sha)[2], (value) => value === "failure", 5_000, "the retry to block");
      expect(approvalsTitle(repo, pull.head.sha)).toMatch(/^Needs 1 more approval for high risk/);
      expect(counts(repo, pull.head.sha)).toEqual([1, 1, 1]);
    });
  }

  it("a secondary rate limit that asks for a short wait is waited out and written in place", async () => {
    const target = await app();
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { "a.txt": "a\n" } });
    await target.deliver(pullRequestEvent(fake, "opened", pull));
    fake.failNext({ status: 403, rateLimit: "secondary", retryAfter: 2, route: patch });
    fake.editPullRequest(pull, { body: HIGH });
    expect((await target.deliver(pullRequestEvent(fake, "edited", pull, { changes: { body: { from: LOW } } }))).status).toBe(200);
    expect(approvalsTitle(repo, pull.head.sha)).toMatch(/^Needs 2 more approvals for high risk/);
    expect(counts(repo, pull.head.sha)).toEqual([1, 1, 1]);
    expect(fake.countRequests({ route: patch, status: 403 })).toBe(1);
  });
});

describe("finding 11: the small ones", () => {
  it("a pull request retargeted to a branch with no policy turns its runs neutral, not enrolled", async () => {
    const target = await app();
    const repo = repository();
    fake.createBranch("acme", repo, "scratch");
    fake.deleteFile("acme", repo, "scratch", ".github/changegate.yml");
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { "a.txt": "a\n" } });
    await target.deliver(pullRequestEvent(fake, "opened", pull));
    await target.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" })));
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);
    const from = { ref: { from: pull.base.ref }, sha: { from: pull.base.sha } };
    fake.editPullRequest(pull, { base: "scratch" });
    await target.deliver(pullRequestEvent(fake, "edited", pull, { changes: { base: from } }));
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["neutral", "neutral", "neutral"]);
    expect(approvalsTitle(repo, pull.head.sha)).toBe("Not enrolled: scratch has no .github/changegate.yml");
    for (const check of Object.values(checks(fake, "acme", repo, pull.head.sha))) expect(check.count).toBe(1);
  });

  it("an old payload replayed right after a restart is not trusted: the pull request is read again", async () => {
    const first = await app();
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { "a.txt": "a\n" } });
    await first.deliver(pullRequestEvent(fake, "opened", pull));
    await first.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" })));
    const old = pullRequestEvent(fake, "edited", pull, { changes: { body: { from: "" } } });
    fake.editPullRequest(pull, { body: HIGH });
    await first.deliver(pullRequestEvent(fake, "edited", pull, { changes: { body: { from: LOW } } }));
    expect(conclusions(fake, "acme", repo, pull.head.sha)[2]).toBe("failure");
    await first.stop();

    const second = await app();
    await second.deliver(old);
    expect(conclusions(fake, "acme", repo, pull.head.sha)[2]).toBe("failure");
    expect(approvalsTitle(repo, pull.head.sha)).toMatch(/^Needs 1 more approval for high risk/);
  });
});

describe("findings 3, 5 and 7: each run records its inputs; what changes nothing visible writes nothing", () => {
  const writesOn = (repo: string) => fake.requests((record) => (record.method === "PATCH" || record.method === "POST") && record.path.startsWith(`/repos/acme/${repo}/check-runs`));

  it("an evaluation minutes later that changes nothing visible writes nothing", async () => {
    let now = Date.now();
    const target = await app({ now: () => now });
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { "a.txt": "a\n" } });
    await target.deliver(pullRequestEvent(fake, "opened", pull));
    fake.resetRequests();
    now += 3 * 60_000;
    await target.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "bob", state: "COMMENTED" })));
    expect(writesOn(repo).map((record) => record.path)).toEqual([]);
  });

  it("a flip that changes only the schedule writes only the schedule run, going in and coming out", async () => {
    const target = await app();
    const start = Math.ceil((Date.now() + 3_000) / 1_000) * 1_000;
    const repo = repository(POLICY + `freezes:\n  - { name: "Launch", start: "${new Date(start).toISOString()}", end: "${new Date(start + 2_000).toISOString()}" }\n`);
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { "a.txt": "a\n" } });
    await target.deliver(pullRequestEvent(fake, "opened", pull));
    await target.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" })));
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);
    const ids = Object.fromEntries(fake.checkRuns("acme", repo, { headSha: pull.head.sha }).map((run) => [run.id, run.name]));
    fake.resetRequests();
    await waitFor(() => conclusions(fake, "acme", repo, pull.head.sha)[1], (value) => value === "failure", 6_000, "the freeze to block");
    await waitFor(() => conclusions(fake, "acme", repo, pull.head.sha)[1], (value) => value === "success", 8_000, "the freeze to end");
    await target.service.idle();
    expect(writesOn(repo).map((record) => ids[Number(record.path.split("/").pop())])).toEqual(["changegate/schedule", "changegate/schedule"]);
  });

  it("killed between two check writes: after a restart the stale run is found (its recorded inputs differ) and repaired", async () => {
    // The delivery is answered 202 soon (as GitHub's 10 s limit makes the App do), so that the process can stop.
    const first = await app({ webhookIntake: { path: "/api/github/webhooks", secret: SECRET, answerWithinMs: 300 } }, { requestTimeoutMs: 60_000 });
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { "a.txt": "a\n" } });
    await first.deliver(pullRequestEvent(fake, "opened", pull));
    await first.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" })));
    // Answered 202 after 300 ms: the evaluation may still be writing.
    await waitFor(() => conclusions(fake, "acme", repo, pull.head.sha), (shown) => shown.every((conclusion) => conclusion === "success"), 10_000, "the approval");
    await first.service.idle();
    const approvals = fake.checkRuns("acme", repo, { headSha: pull.head.sha, name: "changegate/approvals" })[0]!;
    expect(approvals.externalId).toMatch(/^changegate:next=none;pr=[\w-]{16};rv=[\w-]{16};po=[\w-]{16}$/);

    // Raised to high risk: the risk run is rewritten, then the approvals write never completes and the process dies.
    const hungBefore = fake.network.hung;
    fake.hang({ route: "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", count: 1 });
    fake.editPullRequest(pull, { body: HIGH });
    const edited = pullRequestEvent(fake, "edited", pull, { changes: { body: { from: LOW } } });
    void first.deliver(edited).catch(() => undefined);
    await waitFor(() => fake.network.hung - hungBefore, (hung) => hung === 1, 5_000, "the write to hang");
    await first.stop({ drainMs: 0 });
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);

    const second = await app();
    await second.service.reconcile();
    await second.service.idle();
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "failure"]);
    expect(approvalsTitle(repo, pull.head.sha)).toMatch(/^Needs 1 more approval for high risk/);
  });
});

describe("SIGTERM drains what is in flight, bounded", () => {
  it("an evaluation in flight finishes its writes before stop resolves", async () => {
    const target = await app();
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { "a.txt": "a\n" } });
    fake.setLatency(400, (method, route) => method === "POST" && route === "/repos/{owner}/{repo}/check-runs");
    try {
      const delivered = target.deliver(pullRequestEvent(fake, "opened", pull));
      await waitFor(() => fake.countRequests({ route: "GET /repos/{owner}/{repo}/pulls/{pull_number}/files" }), (count) => count === 1, 5_000, "the evaluation to start");
      await target.stop({ drainMs: 10_000 });
      expect(Object.keys(checks(fake, "acme", repo, pull.head.sha)).sort()).toEqual(["changegate/approvals", "changegate/risk", "changegate/schedule"]);
      expect((await delivered).status).toBe(200);
    } finally {
      fake.setLatency(0);
    }
  });

  it("a drain is bounded: a request that never answers does not hold the shutdown", async () => {
    const target = await app({}, { requestTimeoutMs: 60_000 });
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { "a.txt": "a\n" } });
    const hungBefore = fake.network.hung;
    fake.hang({ route: "GET /repos/{owner}/{repo}/pulls/{pull_number}/files" });
    void target.deliver(pullRequestEvent(fake, "opened", pull)).catch(() => undefined);
    await waitFor(() => fake.network.hung - hungBefore, (hung) => hung === 1, 5_000, "the request to hang");
    const started = Date.now();
    await target.stop({ drainMs: 300 });
    expect(Date.now() - started).toBeLessThan(3_000);
    fake.releaseHung();
  });
});

describe("finding 7: writes are paced per installation on the webhook path too", () => {
  it("two installations' writes do not share one pace", async () => {
    const target = await app({}, { writes: { perMinute: 1, minuteMs: 1_000 } });
    const repos = ["acme", "globex"].map((owner) => {
      const name = `paced${++repoCount}`;
      fake.addRepository({ owner, name, files: { ".github/changegate.yml": POLICY } });
      return { owner, name };
    });
    const pulls = repos.flatMap(({ owner, name }) => [0, 1].map((i) => fake.openPullRequest({ owner, repo: name, user: "carol", body: LOW, changes: { [`f${i}.txt`]: `${i}\n` } })));
    fake.resetRequests();
    await Promise.all(pulls.map((pull) => target.deliver(pullRequestEvent(fake, "opened", pull))));
    // A delivery is answered 202 after 9 s: the last writes may come after that.
    const creates = () => fake.requests((record) => record.method === "POST" && repos.some(({ owner, name }) => record.path === `/repos/${owner}/${name}/check-runs`));
    await waitFor(() => creates().length, (count) => count === 12, 15_000, "the twelve creates");
    const writes = creates().map((record) => ({ at: record.timestamp, installation: record.installationId }));
    // One limiter for both would start the 12 writes a second apart (11 s at least); one per installation, 6 each side by side (5 s).
    const span = Math.max(...writes.map((write) => write.at)) - Math.min(...writes.map((write) => write.at));
    expect(span).toBeLessThan(9_000);
    for (const pull of pulls) expect(Object.keys(checks(fake, pull.owner, pull.repo, pull.head.sha))).toHaveLength(3);
  });
});

describe("finding 5: a revocation is written before the installation's other queued writes", () => {
  it("with writes paced and a queue of background writes, a pass that a webhook revokes is the next write", async () => {
    const repo = repository();
    const pulls = Array.from({ length: 10 }, (_, i) => fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { [`f${i}.txt`]: `${i}\n` } }));
    const revoked = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { "r.txt": "r\n" } });
    // Set up unpaced: ten pull requests waiting for an approval, one approved and green.
    const setUp = await startApp(fake);
    for (const pull of [...pulls, revoked]) await setUp.deliver(pullRequestEvent(fake, "opened", pull));
    await setUp.deliver(pullRequestReviewEvent(fake, "submitted", revoked, fake.submitReview(revoked, { user: "alice", state: "APPROVED" })));
    await setUp.stop();
    expect(conclusions(fake, "acme", repo, revoked.head.sha)).toEqual(["success", "success", "success"]);

    // One write every 500 ms; ten background evaluations at once, so that all their writes queue together.
    const target = await app({ concurrency: 10 }, { writes: { perMinute: 1, minuteMs: 500 } });
    const installationId = (pullRequestEvent(fake, "opened", revoked).payload["installation"] as { id: number }).id;
    // Approvals given without a webhook, found by a background re-evaluation: each one write that revokes nothing.
    for (const pull of pulls) fake.submitReview(pull, { user: "bob", state: "APPROVED" });
    fake.resetRequests();
    for (const pull of pulls) target.service.enqueue({ installationId, owner: "acme", repo, number: pull.number, pull: null, trigger: "reconcile" }, 7);
    const writes = () => fake.requests((record) => record.method === "PATCH" && record.route === "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}");
    await waitFor(() => writes().length, (count) => count >= 1, 10_000, "the background writes to start");

    const revokedRun = fake.checkRuns("acme", repo, { headSha: revoked.head.sha, name: "changegate/approvals" })[0]!;
    const deliveredAt = Date.now();
    await target.deliver(pullRequestReviewEvent(fake, "submitted", revoked, fake.submitReview(revoked, { user: "alice", state: "CHANGES_REQUESTED" })));
    expect(conclusions(fake, "acme", repo, revoked.head.sha)[2]).toBe("failure");
    await target.service.idle();
    await waitFor(() => writes().length, (count) => count === 11, 15_000, "every write");

    const order = writes().map((record) => (record.path.endsWith(`/check-runs/${revokedRun.id}`) ? "revocation" : record.timestamp >= deliveredAt ? "background, after the delivery" : "background, before"));
    const revocation = order.indexOf("revocation");
    // The write going out when the revocation was queued may precede it; nothing else does.
    expect(order.slice(0, revocation).filter((entry) => entry === "background, after the delivery").length).toBeLessThanOrEqual(1);
    // And the queue was full of background writes when it came: most of them went after it.
    expect(order.slice(revocation + 1).length).toBeGreaterThanOrEqual(6);
    for (const pull of pulls) expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);
  });
});

describe("finding 7: every path writes through its installation's pace", () => {
  it("a merge group's checks, the audit trail of a merge and a pull request's checks share the installation's window", async () => {
    const windowMs = 1_500;
    const target = await app({}, { writes: { perMinute: 2, minuteMs: windowMs } });
    const repo = repository(POLICY.replace("low: { count: 1 }", "low: { count: 0 }").replace("medium: { count: 1 }", "medium: { count: 0 }"), { "README.md": "x\n" });
    const merged = fake.openPullRequest({ owner: "acme", repo, user: "carol", title: "Merged", body: LOW, changes: { "m.txt": "m\n" } });
    fake.mergePullRequest(merged, { by: "alice" });
    const grouped = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { "g.txt": "g\n" } });
    const opened = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { "o.txt": "o\n" } });
    fake.resetRequests();
    // The merge's audit trail and the merge group go through the webhook's event client; the opened pull request through the installation's own.
    await Promise.all([target.deliver(pullRequestEvent(fake, "closed", merged)), target.deliver(mergeGroupEvent(fake, grouped)), target.deliver(pullRequestEvent(fake, "opened", opened))]);
    const records = () => fake.listFiles("acme", repo, "changegate/audit", "records").length;
    const recorded = () => {
      try {
        return records();
      } catch {
        return 0; // No trail branch yet.
      }
    };
    await waitFor(recorded, (count) => count === 1, 30_000, "the merge's record");
    await target.service.idle();
    const writes = fake.requests((record) => record.method !== "GET" && !record.installationToken && record.path.startsWith(`/repos/acme/${repo}/`));
    const kinds = new Set(writes.map((record) => record.route));
    expect(kinds).toContain("POST /repos/{owner}/{repo}/git/commits");
    expect(kinds).toContain("POST /repos/{owner}/{repo}/check-runs");
    expect(writes.length).toBeGreaterThanOrEqual(8);
    // Never more than two of the installation's writes within one window (arrival times: a little slack for the way there).
    const at = writes.map((record) => record.timestamp).sort((a, b) => a - b);
    const crowded = at.filter((start, index) => at.filter((other, otherIndex) => otherIndex >= index && other < start + windowMs - 150).length > 2);
    expect(crowded).toEqual([]);
  });
});

describe("finding 7: less than 80 a minute when GitHub says so", () => {
  it("after a secondary rate limit on one write, none of the installation's writes goes before the retry-after has passed", async () => {
    // retry-after is in seconds; here a second is 400 ms. One write in flight: none is on its way when the answer comes.
    const target = await app({}, { rateLimitUnitMs: 400, writes: { minuteMs: 0, concurrency: 1 } });
    const repo = repository();
    const pulls = [0, 1, 2].map((i) => fake.openPullRequest({ owner: "acme", repo, user: "carol", body: LOW, changes: { [`f${i}.txt`]: `${i}\n` } }));
    for (const pull of pulls) await target.deliver(pullRequestEvent(fake, "opened", pull));
    fake.resetRequests();
    fake.failNext({ status: 403, rateLimit: "secondary", retryAfter: 2, route: "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}" });
    await Promise.all(pulls.map((pull) => target.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" })))));
    const patches = fake.requests((record) => record.route === "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}");
    const limited = patches.find((record) => record.status === 403)!;
    const after = patches.filter((record) => record.timestamp > limited.timestamp);
    expect(after.map((record) => record.status)).toEqual([200, 200, 200]);
    // Every write after the answer waited out its 2 "seconds" (800 ms; arrival times, a little slack).
    for (const record of after) expect(record.timestamp - limited.timestamp).toBeGreaterThanOrEqual(750);
    for (const pull of pulls) expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);
  });
});
