import { afterAll, beforeAll, expect, it } from "vitest";
import { pullRequestEvent, pullRequestReviewEvent, type FakeGitHub } from "../fake-github/index.js";
import { CHANGE_REQUEST, checks, conclusions, startApp, startFake, type App } from "./harness.js";
import { MemoryRedis } from "./memory-redis.js";

/** Several replicas behind a load balancer, sharing a Redis: one pull request evaluated by two at once writes once. */
let fake: FakeGitHub;
const apps: App[] = [];

beforeAll(async () => {
  fake = await startFake();
  const redis = new MemoryRedis();
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
