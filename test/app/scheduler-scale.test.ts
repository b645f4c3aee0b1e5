import { describe, expect, it } from "vitest";
import { pullRequestEvent, pullRequestReviewEvent, type PullRequestRef } from "../fake-github/index.js";
import { appSuite, CHANGE_REQUEST, conclusions, type startApp, waitFor, type App } from "./harness.js";

/**
 * Issue 11, finding 8: under traffic classes every open pull request's next boundary is the
 * same instant (the risk's timing moves then). The scheduler's work stays with what changes
 * there: a webhook evaluates its own pull request once and makes no other due, and only the
 * passes a boundary revokes are flipped ahead of it. The App's clock is set to a Tuesday
 * afternoon just before 17:00, when traffic turns to peak; the fake GitHub keeps real time.
 */
const TRAFFIC = `risk:\n  defaults: { blast_radius: 2, reversibility: 2, confidence: 3, timing: 1 }\n  traffic:\n    peak: [{ days: [mon, tue, wed, thu, fri, sat, sun], from: "17:00", to: "21:00" }]\n`;
const PEAK = Date.parse("2026-03-03T17:00:00Z");

const { fake, app: startSuiteApp, repository } = await appSuite("traffic");

/** The App with its clock at `at` now (and running on from there). */
async function appAt(at: number, options: Parameters<typeof startApp>[1] = {}): Promise<{ app: App; realTimeOf: (instant: number) => number }> {
  const offset = at - Date.now();
  const app = await startSuiteApp({ now: () => Date.now() + offset, ...options });
  return { app, realTimeOf: (instant) => instant - offset };
}

const keyOf = (repo: string, ref: PullRequestRef) => ({ installationId: fake.repository("acme", repo).installationId!, owner: "acme", repo, number: ref.number });

describe("the scheduler under traffic classes", () => {
  it("evaluates the pull request a webhook is about once, and makes no other due, however many share its next boundary", async () => {
    // 90 s before peak, with production's lead (60 s) and write budget (1.5 s a flip): counting
    // every open pull request, the 21st would already have made the whole lot due.
    const { app } = await appAt(PEAK - 90_000, { leadMs: 60_000, perFlipMs: 1_500 });
    const repo = repository(`version: 1\ntimezone: UTC\n${TRAFFIC}approvals: { low: { count: 1 }, medium: { count: 1 }, high: { count: 1 }, critical: { count: 1 } }\n`);
    const refs = Array.from({ length: 40 }, (_, i) => fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { [`f${i}.txt`]: `${i}\n` } }));
    const before = app.service.health().evaluations;
    for (const ref of refs) await app.deliver(pullRequestEvent(fake, "opened", ref));
    const review = fake.submitReview(refs[0]!, { user: "alice", state: "APPROVED" });
    await app.deliver(pullRequestReviewEvent(fake, "submitted", refs[0]!, review));
    await app.service.idle();

    expect(app.service.health().evaluations - before).toBe(41);
    // Peak raises every score but blocks nothing that passes (one approval at every tier): rewritten at 17:00 itself.
    for (const ref of refs) expect(app.service.boundaryOf(keyOf(repo, ref))).toMatchObject({ at: PEAK, kind: "changes" });
    expect(conclusions(fake, "acme", repo, refs[0]!.head.sha)).toEqual(["success", "success", "success"]);
  }, 60_000);

  it("flips a pass that peak traffic revokes before peak begins, and leaves one blocked anyway to the instant", async () => {
    // Due 10 s ahead of peak (its lead, with the harness's 50 ms a flip): time enough to set up first, on a loaded machine too.
    const { app, realTimeOf } = await appAt(PEAK - 20_000, { leadMs: 10_000 });
    // Off-peak the score is 8 (medium, one approval); at peak 11 (high, two).
    const repo = repository(`version: 1\ntimezone: UTC\n${TRAFFIC}approvals: { low: { count: 1 }, medium: { count: 1 }, high: { count: 2 } }\n`);
    const open = (i: number) => fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { [`g${i}.txt`]: `${i}\n` } });
    const [approved, waiting] = [open(0), open(1)];
    fake.submitReview(approved, { user: "alice", state: "APPROVED" });
    for (const ref of [approved, waiting]) await app.deliver(pullRequestEvent(fake, "opened", ref));
    expect(conclusions(fake, "acme", repo, approved.head.sha)).toEqual(["success", "success", "success"]);
    expect(app.service.boundaryOf(keyOf(repo, approved))).toMatchObject({ at: PEAK, kind: "closes", mergeable: true });
    expect(app.service.boundaryOf(keyOf(repo, waiting))).toMatchObject({ at: PEAK, kind: "changes" });

    await waitFor(() => conclusions(fake, "acme", repo, approved.head.sha)[2], (value) => value === "failure", 15_000, "peak to revoke the approval's pass");
    expect(Date.now()).toBeLessThan(realTimeOf(PEAK));
  }, 60_000);
});
