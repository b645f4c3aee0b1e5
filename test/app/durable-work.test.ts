import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deliverWebhook, pullRequestEvent, pullRequestReviewEvent, pushEvent, type FakeGitHub } from "../fake-github/index.js";
import { apiRequests, CHANGE_REQUEST, conclusions, SECRET, startApp, startFake, waitFor, type App } from "./harness.js";
import { auditComments, gatedRepository, mergedPull, POLICY, QUICK_RETRY, recordCount, stallOnce } from "./durable-support.js";

/**
 * Nothing lost, nothing doubled (SPEC §9), in one process: a delivery's work goes on past
 * the webhook's answer and through a burst of 5xx until it is done, a redelivery of
 * finished work does nothing, and a merge whose webhook never arrived is recorded by the
 * catch-up, once.
 */
let fake: FakeGitHub;
let app: App;

beforeAll(async () => {
  fake = await startFake();
  app = await startApp(fake, { deliveryRetry: QUICK_RETRY });
});
afterAll(async () => {
  await app?.stop();
  await fake?.close();
});
afterEach(() => {
  fake.clearFaults();
  fake.setLatency(0);
  const invalid = fake.requests((record) => (record.status === 422 ? !/git\/refs/.test(record.path) : record.unimplemented));
  expect(invalid.map((record) => `${record.method} ${record.path}: ${JSON.stringify(record.validationErrors ?? "unimplemented")}`)).toEqual([]);
});

const deliveries = () => app.started.app.deliveries!;

describe("a 5xx burst past the 9-second answer", () => {
  it("the push's policy re-evaluation and the merged PR's audit record still happen, once", { timeout: 60_000 }, async () => {
    // A merged pull request, never evaluated by this process (nothing of it is cached).
    const merging = gatedRepository(fake);
    const { pull: merged, closed } = mergedPull(fake, merging);
    // An approved pull request whose policy is then pushed to require two approvals.
    const pushing = gatedRepository(fake);
    const open = fake.openPullRequest({ owner: "acme", repo: pushing, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
    await app.deliver(pullRequestEvent(fake, "opened", open));
    await app.deliver(pullRequestReviewEvent(fake, "submitted", open, fake.submitReview(open, { user: "bob", state: "APPROVED" })));
    expect(conclusions(fake, "acme", pushing, open.head.sha)).toEqual(["success", "success", "success"]);
    fake.setFile("acme", pushing, "main", ".github/changegate.yml", POLICY.replace("medium: { count: 1 }", "medium: { count: 2 }"));
    const push = pushEvent(fake, { owner: "acme", repo: pushing, ref: "main" });

    // GitHub answers 502, slowly at first: each delivery's first attempt outlasts Probot's 9 s.
    stallOnce(fake, "/repos/{owner}/{repo}/pulls/{pull_number}/commits", 9_500);
    stallOnce(fake, "/repos/{owner}/{repo}/pulls", 9_500);
    fake.failNext({ status: 502, count: 10_000, route: "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits" });
    fake.failNext({ status: 502, count: 10_000, route: "GET /repos/{owner}/{repo}/pulls" });
    const retriedBefore = deliveries().stats.retried;
    const answers = await Promise.all([app.deliver(closed), app.deliver(push)]);
    // Answered as failed before Probot's "202 still processing" (which GitHub takes as done and never redelivers).
    expect(answers.map((answer) => answer.status)).toEqual([500, 500]);
    expect(answers.map((answer) => answer.body)).toEqual([expect.stringContaining("still working"), expect.stringContaining("still working")]);
    // The slow attempts fail, and are retried while the burst lasts.
    await waitFor(() => deliveries().stats.retried - retriedBefore, (retried) => retried >= 4, 30_000, "the attempts to fail and be retried");
    expect(recordCount(fake, merging)).toBe(0);
    expect(conclusions(fake, "acme", pushing, open.head.sha)[2]).toBe("success");

    fake.clearFaults();
    await waitFor(() => recordCount(fake, merging), (records) => records === 1, 15_000, "the merge's record");
    await waitFor(() => conclusions(fake, "acme", pushing, open.head.sha)[2], (conclusion) => conclusion === "failure", 15_000, "the re-evaluation under the pushed policy");
    await deliveries().idle();
    await app.service.idle();
    expect(recordCount(fake, merging)).toBe(1);
    expect(auditComments(fake, merging, merged.number)).toBe(1);
    expect(fake.requests({ method: "POST", route: "POST /repos/{owner}/{repo}/issues/{issue_number}/comments" }).filter((record) => record.status === 201 && record.path.includes(`/${merging}/`))).toHaveLength(1);
  });
});

describe("redeliveries", () => {
  it("a redelivery of a finished job is not a second job: nothing is read or written again", async () => {
    const repo = gatedRepository(fake);
    const { pull, closed } = mergedPull(fake, repo);
    expect((await app.deliver(closed)).status).toBe(200);
    expect(recordCount(fake, repo)).toBe(1);

    fake.resetRequests();
    const accepted = deliveries().stats.accepted;
    const again = await deliverWebhook(fake, closed, { url: app.url, secret: SECRET, redelivery: true });
    expect(again.status).toBe(200);
    expect(apiRequests(fake)).toEqual([]);
    expect(deliveries().stats.accepted).toBe(accepted);
    const health = (await (await fetch(app.url.replace("/api/github/webhooks", "/healthz"))).json()) as { deliveries: { duplicates: number; pending: number } };
    expect(health.deliveries.duplicates).toBeGreaterThanOrEqual(1);
    expect(recordCount(fake, repo)).toBe(1);
    expect(auditComments(fake, repo, pull.number)).toBe(1);
  });

  it("a redelivery while the job waits for its retry runs it now, as the same job", async () => {
    const repo = gatedRepository(fake);
    const { pull, closed } = mergedPull(fake, repo);
    const slow = await startApp(fake, { deliveryRetry: { delaysMs: [600_000], maxAttempts: 5 } });
    try {
      fake.failNext({ status: 502, count: 3, route: "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits" });
      expect((await slow.deliver(closed)).status).toBe(500);
      expect(recordCount(fake, repo)).toBe(0);
      // Its retry is ten minutes away; GitHub's redelivery brings it forward.
      const again = await deliverWebhook(fake, closed, { url: slow.url, secret: SECRET, redelivery: true });
      expect(again.status).toBe(200);
      expect(recordCount(fake, repo)).toBe(1);
      expect(auditComments(fake, repo, pull.number)).toBe(1);
      expect(slow.started.app.deliveries!.stats).toMatchObject({ accepted: 1, duplicates: 1, finished: 1 });
    } finally {
      await slow.stop();
    }
  });
});

describe("the merge catch-up", () => {
  it("records a merge whose webhook never arrived, once; a second pass writes nothing", async () => {
    const repo = gatedRepository(fake);
    const heard = mergedPull(fake, repo, "a.txt");
    await app.deliver(heard.closed);
    const missed = mergedPull(fake, repo, "b.txt");
    expect(recordCount(fake, repo)).toBe(1);

    const first = await app.service.catchUp();
    expect(first.recorded).toBe(1);
    expect(recordCount(fake, repo)).toBe(2);
    expect(auditComments(fake, repo, missed.pull.number)).toBe(1);
    expect(auditComments(fake, repo, heard.pull.number)).toBe(1);

    fake.resetRequests();
    const second = await app.service.catchUp();
    expect(second.recorded).toBe(0);
    expect(fake.requests((record) => record.method !== "GET")).toHaveLength(0);
    expect(recordCount(fake, repo)).toBe(2);
  });

  it("a merge delivered while the catch-up runs is recorded once", async () => {
    const repo = gatedRepository(fake);
    const { pull, closed } = mergedPull(fake, repo);
    await Promise.all([app.deliver(closed), app.service.catchUp()]);
    await deliveries().idle();
    expect(recordCount(fake, repo)).toBe(1);
    expect(auditComments(fake, repo, pull.number)).toBe(1);
  });

  it("costs, for R repositories with merges in the window: 2 + 4R requests from a fresh process, then one conditional request (a 304) per repository", { timeout: 60_000 }, async () => {
    const own = await startFake();
    const recorder = await startApp(own, { deliveryRetry: QUICK_RETRY });
    const restarted = await startApp(own, { deliveryRetry: QUICK_RETRY });
    try {
      const repos = [gatedRepository(own), gatedRepository(own), gatedRepository(own)];
      for (const repo of repos) for (const file of ["a.txt", "b.txt"]) await recorder.deliver(mergedPull(own, repo, file).closed);
      own.resetRequests();
      expect(await restarted.service.catchUp()).toEqual({ repositories: 3, merged: 6, recorded: 0, failed: 0 });
      // Installations, repositories; per repository: its closed pull requests, its policy, the trail's tip, one index folder.
      const counted = own.requests({ excludeInstallationToken: true });
      expect(counted.map((record) => record.method)).toEqual(Array(2 + 4 * 3).fill("GET"));
      own.resetRequests();
      await restarted.service.catchUp();
      const quiet = own.requests({ excludeInstallationToken: true, route: "GET /repos/{owner}/{repo}/pulls" });
      expect(quiet.map((record) => record.notModified)).toEqual([true, true, true]);
      expect(own.requests({ excludeInstallationToken: true })).toHaveLength(2 + 3);
    } finally {
      await recorder.stop();
      await restarted.stop();
      await own.close();
    }
  });

  it("leaves alone what it must not record: a repository without a policy, merges older than its window", async () => {
    fake.addRepository({ owner: "acme", name: "ungated", files: { "README.md": "x\n" } });
    const ungated = fake.openPullRequest({ owner: "acme", repo: "ungated", user: "carol", body: "x", changes: { "a.txt": "a\n" } });
    fake.mergePullRequest(ungated, { by: "alice" });
    const repo = gatedRepository(fake);
    mergedPull(fake, repo);
    await app.service.catchUp({ windowMs: 0 });
    expect(recordCount(fake, repo)).toBe(0);
    await app.service.catchUp();
    expect(recordCount(fake, repo)).toBe(1);
    expect(fake.listFiles("acme", "ungated", "changegate/audit")).toEqual([]);
  });
});
