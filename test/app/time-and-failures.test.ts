import { describe, expect, it } from "vitest";
import { pullRequestEvent, pullRequestReviewEvent } from "../fake-github/index.js";
import { appSuite, CHANGE_REQUEST, checks, conclusions, waitFor } from "./harness.js";

/**
 * What no webhook announces: a freeze that starts and ends while pull requests are open, a
 * restart in the middle, and GitHub failing for a while.
 */
const POLICY = "version: 1\ntimezone: UTC\napprovals: { low: { count: 1 }, medium: { count: 1 } }\n";

const { fake, app, repository, greenPull } = await appSuite("svc");
const iso = (instant: number) => new Date(instant).toISOString();

describe("time", () => {
  it("a freeze turns open pull requests blocked before it starts and green again when it ends, with no webhook", async () => {
    const target = await app();
    // Whole seconds: the policy's instants have no milliseconds.
    const start = Math.ceil((Date.now() + 4_000) / 1_000) * 1_000;
    const end = start + 3_000;
    const repo = repository(POLICY + `freezes:\n  - { name: "Release freeze", start: "${iso(start)}", end: "${iso(end)}" }\n`);
    const pulls = [await greenPull(target, repo, "a.txt"), await greenPull(target, repo, "b.txt")];
    for (const pull of pulls) expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);

    for (const pull of pulls) {
      await waitFor(() => conclusions(fake, "acme", repo, pull.head.sha)[1], (value) => value === "failure", 6_000, "the freeze to block");
    }
    // Flipped before the boundary, not after.
    expect(Date.now()).toBeLessThan(start);
    expect(checks(fake, "acme", repo, pulls[0]!.head.sha)["changegate/schedule"]!.title).toMatch(/^Freeze “Release freeze” until/);

    for (const pull of pulls) {
      await waitFor(() => conclusions(fake, "acme", repo, pull.head.sha)[1], (value) => value === "success", 8_000, "the freeze to end");
    }
    // Opened on time, not early.
    expect(Date.now()).toBeGreaterThanOrEqual(end);
    for (const pull of pulls) expect(checks(fake, "acme", repo, pull.head.sha)["changegate/schedule"]!.count).toBe(1);
  });

  it("a restart in the middle loses nothing: failed deliveries are asked for again and boundaries are read back from GitHub", async () => {
    const first = await app();
    const start = Math.ceil((Date.now() + 5_000) / 1_000) * 1_000;
    const repo = repository(POLICY + `freezes:\n  - { name: "Launch", start: "${iso(start)}", end: "${iso(start + 60_000)}" }\n`);
    const waiting = await greenPull(first, repo, "a.txt");
    const reviewed = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "b.txt": "b\n" } });
    await first.deliver(pullRequestEvent(fake, "opened", reviewed));
    expect(conclusions(fake, "acme", repo, reviewed.head.sha)).toEqual(["success", "success", "failure"]);
    await first.stop();

    // While the App is down, a review is submitted: GitHub's delivery fails.
    const review = fake.submitReview(reviewed, { user: "bob", state: "APPROVED" });
    await expect(first.deliver(pullRequestReviewEvent(fake, "submitted", reviewed, review))).rejects.toThrow();

    const second = await app();
    fake.resetRequests();
    expect(await second.service.redeliverFailed({ settleMs: 0 })).toBe(1);
    expect(fake.redeliveries()).toHaveLength(1);
    await waitFor(() => conclusions(fake, "acme", repo, reviewed.head.sha)[2], (value) => value === "success", 5_000, "the redelivered review");

    // The other pull request's boundary comes back from its check runs, with no evaluation.
    await second.service.reconcile();
    await second.service.idle();
    expect(second.service.boundaryOf({ installationId: fake.repository("acme", repo).installationId!, owner: "acme", repo, number: waiting.number })).toMatchObject({ at: start });
    await waitFor(() => conclusions(fake, "acme", repo, waiting.head.sha)[1], (value) => value === "failure", 8_000, "the freeze after the restart");
    expect(Date.now()).toBeLessThan(start);
    for (const check of Object.values(checks(fake, "acme", repo, waiting.head.sha))) expect(check.count).toBe(1);
  });
});

describe("GitHub failing", () => {
  it("500s and 502s past the retries fail closed, say why and that changegate retries, then recover on their own", async () => {
    const target = await app();
    const repo = repository(POLICY);
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
    // Three answers: the request and its two retries.
    fake.failNext({ status: 502, count: 3, route: "GET /repos/{owner}/{repo}/pulls/{pull_number}/files" });
    const answer = await target.deliver(pullRequestEvent(fake, "opened", pull));
    expect(answer.status).toBe(500);
    const failed = checks(fake, "acme", repo, pull.head.sha);
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["failure", "failure", "failure"]);
    expect(failed["changegate/risk"]!.title).toBe(`Could not evaluate: GitHub answered 502 to GET /repos/acme/${repo}/pulls/${pull.number}/files, also when asked again`);
    expect(failed["changegate/risk"]!.summary).toContain("changegate retries on its own");
    await waitFor(() => conclusions(fake, "acme", repo, pull.head.sha), (value) => value.join() === "success,success,failure", 5_000, "the retry");

    // A 500 on creating a check run: nothing created twice.
    const second = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "b.txt": "b\n" } });
    fake.failNext({ status: 500, count: 1, route: "POST /repos/{owner}/{repo}/check-runs" });
    expect((await target.deliver(pullRequestEvent(fake, "opened", second))).status).toBe(200);
    for (const check of Object.values(checks(fake, "acme", repo, second.head.sha))) expect(check.count).toBe(1);
    // The process is up and answers.
    expect((await fetch(target.url.replace("/api/github/webhooks", "/healthz"))).status).toBe(200);
  });

  it("a rate limit that resets soon is waited out; one that resets in an hour is not: fail closed, retry later", async () => {
    const target = await app({}, { maxRateLimitWaitS: 30 });
    const repo = repository(POLICY);
    const soon = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
    fake.failNext({ status: 403, rateLimit: "secondary", retryAfter: 2, count: 1, route: "GET /repos/{owner}/{repo}/pulls/{pull_number}/files" });
    expect((await target.deliver(pullRequestEvent(fake, "opened", soon))).status).toBe(200);
    expect(conclusions(fake, "acme", repo, soon.head.sha)).toEqual(["success", "success", "failure"]);

    const late = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "b.txt": "b\n" } });
    fake.failNext({ status: 403, rateLimit: "primary", resetInSeconds: 3_600, count: 1, route: "GET /repos/{owner}/{repo}/pulls/{pull_number}/files" });
    const started = Date.now();
    expect((await target.deliver(pullRequestEvent(fake, "opened", late))).status).toBe(500);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(checks(fake, "acme", repo, late.head.sha)["changegate/risk"]!.title).toMatch(/^Could not evaluate: GitHub's rate limit was reached/);
    await waitFor(() => conclusions(fake, "acme", repo, late.head.sha), (value) => value.join() === "success,success,failure", 5_000, "the retry");
  });
});
