import { afterAll, beforeAll, expect, it } from "vitest";
import { pullRequestEvent, pullRequestReviewEvent, type FakeGitHub } from "../fake-github/index.js";
import { CHANGE_REQUEST, checks, conclusions, startApp, startFake, type App } from "./harness.js";
import { MemoryRedis } from "./memory-redis.js";

/** Several replicas behind a load balancer, sharing a Redis: one pull request evaluated by two at once writes once. */
let fake: FakeGitHub;
let redis: MemoryRedis;
const apps: App[] = [];

beforeAll(async () => {
  fake = await startFake();
  redis = new MemoryRedis();
  apps.push(await startApp(fake, { redis }), await startApp(fake, { redis }));
});
afterAll(async () => {
  for (const app of apps) await app.stop();
  await fake?.close();
});

it("two replicas given the same events write each check run once", async () => {
  fake.addRepository({ owner: "acme", name: "shop", files: { ".github/changegate.yml": "version: 1\napprovals: { medium: { count: 1 } }\n" } });
  fake.setPermission("acme", "shop", "alice", "write");
  const pull = fake.openPullRequest({ owner: "acme", repo: "shop", user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
  const opened = pullRequestEvent(fake, "opened", pull);
  await Promise.all(apps.map((app) => app.deliver(opened)));
  expect(conclusions(fake, "acme", "shop", pull.head.sha)).toEqual(["success", "success", "failure"]);

  const review = pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" }));
  fake.resetRequests();
  await Promise.all(apps.map((app) => app.deliver(review)));
  expect(conclusions(fake, "acme", "shop", pull.head.sha)).toEqual(["success", "success", "success"]);
  expect(fake.requests({ method: "PATCH" })).toHaveLength(1);
  for (const check of Object.values(checks(fake, "acme", "shop", pull.head.sha))) expect(check.count).toBe(1);
});

it("replicas share what the check runs say: a review costs the single-replica budget, and a redelivery to the other replica writes nothing", async () => {
  fake.addRepository({ owner: "acme", name: "web", files: { ".github/changegate.yml": "version: 1\napprovals: { medium: { count: 1 } }\n" } });
  fake.setPermission("acme", "web", "alice", "write");
  const pull = fake.openPullRequest({ owner: "acme", repo: "web", user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
  // Both replicas have seen the policy and the files (the budget's premise); one of them wrote the runs.
  const opened = pullRequestEvent(fake, "opened", pull);
  await apps[0]!.deliver(opened);
  await apps[1]!.deliver(opened);

  const review = pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" }));
  fake.resetRequests();
  await apps[1]!.deliver(review);
  const made = fake.requests({ excludeInstallationToken: true });
  expect(made.length, made.map((request) => `${request.method} ${request.path}`).join("\n")).toBeLessThanOrEqual(4);
  expect(made.some((request) => request.method === "GET" && /check-runs/.test(request.path))).toBe(false);
  expect(conclusions(fake, "acme", "web", pull.head.sha)).toEqual(["success", "success", "success"]);

  fake.resetRequests();
  await apps[0]!.deliver(review);
  expect(fake.requests({ excludeInstallationToken: true }).filter((request) => request.method !== "GET")).toEqual([]);
});

it("when what the runs say could not be stored after a write, nothing stale is kept: the next evaluation lists the runs", async () => {
  fake.addRepository({ owner: "acme", name: "api", files: { ".github/changegate.yml": "version: 1\napprovals: { medium: { count: 1 } }\n" } });
  fake.setPermission("acme", "api", "alice", "write");
  const pull = fake.openPullRequest({ owner: "acme", repo: "api", user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
  await apps[0]!.deliver(pullRequestEvent(fake, "opened", pull));
  const stored = () => [...redis.values.keys()].filter((key) => key.startsWith("changegate:runs:") && key.includes("acme/api"));
  expect(stored()).toHaveLength(1);

  // The approval is written to GitHub, but Redis loses the new state: the old one must not survive.
  const review = pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" }));
  redis.failPlainSets = true;
  try {
    await apps[0]!.deliver(review);
  } finally {
    redis.failPlainSets = false;
  }
  expect(conclusions(fake, "acme", "api", pull.head.sha)).toEqual(["success", "success", "success"]);
  expect(stored()).toEqual([]);

  fake.resetRequests();
  await apps[1]!.deliver(review);
  expect(fake.requests({ method: "GET", route: /check-runs/ }).length).toBeGreaterThan(0);
  expect(fake.requests({ excludeInstallationToken: true }).filter((request) => request.method !== "GET")).toEqual([]);
  for (const check of Object.values(checks(fake, "acme", "api", pull.head.sha))) expect(check.count).toBe(1);
});
