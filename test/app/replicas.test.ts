import { afterAll, beforeAll, expect, it } from "vitest";
import { pullRequestEvent, pullRequestReviewEvent, type FakeGitHub } from "../fake-github/index.js";
import { CHANGE_REQUEST, checks, conclusions, startApp, startFake, type App } from "./harness.js";
import type { Redis } from "ioredis";
import type { RedisLike } from "../../src/app/lock.js";
import { busiestWindow } from "../support/busiest-window.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { verifyChain } from "../../src/audit/chain.js";
import { HEAD_PATH } from "../../src/audit/layout.js";

/**
 * Several replicas behind a load balancer, sharing a real Redis (redis-server, started for
 * this file): one pull request evaluated by two at once writes once.
 */
let fake: FakeGitHub;
let server: RedisServer;
let redis: Redis;
/** The first replica's connection, which can lose its plain SETs (as a connection that drops would). */
let flaky: DroppingSets;
const apps: App[] = [];

class DroppingSets implements RedisLike {
  failPlainSets = false;
  constructor(private readonly redis: Redis) {}
  set(key: string, value: string, px: "PX", ttl: number, nx?: "NX"): Promise<"OK" | null> {
    if (nx === undefined && this.failPlainSets) return Promise.reject(new Error("connection lost"));
    return nx === undefined ? this.redis.set(key, value, px, ttl) : this.redis.set(key, value, px, ttl, nx);
  }
  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }
  del(key: string): Promise<number> {
    return this.redis.del(key);
  }
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown> {
    return this.redis.eval(script, numKeys, ...args);
  }
}

beforeAll(async () => {
  fake = await startFake();
  server = await startRedisServer();
  redis = server.client();
  flaky = new DroppingSets(server.client());
  apps.push(await startApp(fake, { redis: flaky }), await startApp(fake, { redis: server.client() as unknown as RedisLike }));
});
afterAll(async () => {
  for (const app of apps) await app.stop();
  await server?.stop();
  await fake?.close();
});

const settled = () => Promise.all(apps.map((app) => app.settled()));

it("two replicas given the same events write each check run once", async () => {
  fake.addRepository({ owner: "acme", name: "shop", files: { ".github/changegate.yml": "version: 1\napprovals: { medium: { count: 1 } }\n" } });
  fake.setPermission("acme", "shop", "alice", "write");
  const pull = fake.openPullRequest({ owner: "acme", repo: "shop", user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
  const opened = pullRequestEvent(fake, "opened", pull);
  await Promise.all(apps.map((app) => app.deliver(opened)));
  // Counted from when both are done (a delivery is answered after 7 s even while its work goes on).
  await settled();
  expect(conclusions(fake, "acme", "shop", pull.head.sha)).toEqual(["success", "success", "failure"]);

  const review = pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" }));
  fake.resetRequests();
  await Promise.all(apps.map((app) => app.deliver(review)));
  await settled();
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
  await settled();

  const review = pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" }));
  fake.resetRequests();
  await apps[1]!.deliver(review);
  await settled();
  const made = fake.requests({ excludeInstallationToken: true });
  // The single-replica budget of an approval that gives the pass: 5 (the pull request is read: a payload may take a pass away, never give one).
  expect(made.length, made.map((request) => `${request.method} ${request.path}`).join("\n")).toBeLessThanOrEqual(5);
  expect(made.some((request) => request.method === "GET" && /check-runs/.test(request.path))).toBe(false);
  expect(conclusions(fake, "acme", "web", pull.head.sha)).toEqual(["success", "success", "success"]);

  fake.resetRequests();
  await apps[0]!.deliver(review);
  await settled();
  expect(fake.requests({ excludeInstallationToken: true }).filter((request) => request.method !== "GET")).toEqual([]);
});

it("when what the runs say could not be stored after a write, nothing stale is kept: the next evaluation lists the runs", async () => {
  fake.addRepository({ owner: "acme", name: "api", files: { ".github/changegate.yml": "version: 1\napprovals: { medium: { count: 1 } }\n" } });
  fake.setPermission("acme", "api", "alice", "write");
  const pull = fake.openPullRequest({ owner: "acme", repo: "api", user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
  await apps[0]!.deliver(pullRequestEvent(fake, "opened", pull));
  const stored = async () => (await redis.keys("changegate:runs:*")).filter((key) => key.includes("acme/api"));
  expect(await stored()).toHaveLength(1);

  // The approval is written to GitHub, but Redis loses the new state: the old one must not survive.
  const review = pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" }));
  flaky.failPlainSets = true;
  try {
    await apps[0]!.deliver(review);
  } finally {
    flaky.failPlainSets = false;
  }
  expect(conclusions(fake, "acme", "api", pull.head.sha)).toEqual(["success", "success", "success"]);
  expect(await stored()).toEqual([]);

  fake.resetRequests();
  await apps[1]!.deliver(review);
  expect(fake.requests({ method: "GET", route: /check-runs/ }).length).toBeGreaterThan(0);
  expect(fake.requests({ excludeInstallationToken: true }).filter((request) => request.method !== "GET")).toEqual([]);
  for (const check of Object.values(checks(fake, "acme", "api", pull.head.sha))) expect(check.count).toBe(1);
});

it("merges delivered to two replicas at once go into one trail through the Redis lock: every record once, chained, no conflicting ref update", async () => {
  fake.addRepository({ owner: "acme", name: "svc", files: { ".github/changegate.yml": "version: 1\napprovals: { medium: { count: 1 } }\n" } });
  fake.setPermission("acme", "svc", "alice", "write");
  const closed = Array.from({ length: 6 }, (_, index) => {
    const pull = fake.openPullRequest({ owner: "acme", repo: "svc", user: "carol", body: CHANGE_REQUEST("normal"), changes: { [`src/${index}.ts`]: "x\n" } });
    fake.submitReview(pull, { user: "alice", state: "APPROVED" });
    fake.mergePullRequest(pull, { by: "alice" });
    return pullRequestEvent(fake, "closed", pull);
  });
  fake.resetRequests();
  const results = await Promise.all(closed.map((event, index) => apps[index % 2]!.deliver(event)));
  expect(results.map((result) => result.status)).toEqual(Array(6).fill(200));
  const paths = fake.listFiles("acme", "svc", "changegate/audit", "records");
  const files = paths.map((path) => ({ path, bytes: Buffer.from(fake.getFile("acme", "svc", "changegate/audit", path)!) }));
  const head = JSON.parse(fake.getFile("acme", "svc", "changegate/audit", HEAD_PATH)!) as { seq: number; hash: string };
  expect(verifyChain(files, head)).toMatchObject({ intact: true, count: 6 });
  // The replicas took turns under the lock: no ref update was refused, none had to be rebuilt.
  expect(fake.requests({ method: "PATCH", route: "PATCH /repos/{owner}/{repo}/git/refs/{ref}", status: 422 })).toEqual([]);
  expect(fake.countRequests({ route: "POST /repos/{owner}/{repo}/git/commits" })).toBe(fake.countRequests({ route: /git\/refs/ }));
});

it("two replicas write one installation's burst within one shared window: no more than the limit in any window, as GitHub receives them", async () => {
  // GitHub's 80 a minute scaled to 10 in any 1.5 s; the other installations' Apps above are not paced.
  const window = { perMinute: 10, minuteMs: 1_500 };
  // As production runs them: REDIS_URL, each replica its own connection (and the durable queue in Redis).
  const paced = [await startApp(fake, {}, { writes: window }, { REDIS_URL: server.url }), await startApp(fake, {}, { writes: window }, { REDIS_URL: server.url })];
  try {
    fake.addRepository({ owner: "globex", name: "paced", files: { ".github/changegate.yml": "version: 1\n" } });
    const opened = Array.from({ length: 10 }, (_, index) => pullRequestEvent(fake, "opened", fake.openPullRequest({ owner: "globex", repo: "paced", user: "carol", body: CHANGE_REQUEST("normal"), changes: { [`f${index}.txt`]: "x\n" } })));
    fake.resetRequests();
    // The burst spread over both replicas, as a load balancer does.
    await Promise.all(opened.map((event, index) => paced[index % 2]!.deliver(event)));
    await Promise.all(paced.map((app) => app.settled()));
    const writes = fake.requests((record) => record.method !== "GET" && !record.installationToken && record.path.startsWith("/repos/globex/"));
    // Three runs a pull request, both replicas writing.
    expect(writes.filter((record) => record.route === "POST /repos/{owner}/{repo}/check-runs")).toHaveLength(30);
    // A write reaches GitHub a little after its admission: two admitted a window apart may arrive closer (the slack).
    expect(busiestWindow(writes.map((record) => record.timestamp), window.minuteMs - 300)).toBeLessThanOrEqual(window.perMinute);
  } finally {
    for (const app of paced) await app.stop();
  }
});

it("paced, the throttling plugin keeps its queues in process: none in Redis, whose limiters expire after 2 minutes idle and stalled the next request ~60 s", async () => {
  const app = await startApp(fake, {}, {}, { REDIS_URL: server.url });
  try {
    fake.addRepository({ owner: "initech", name: "tps", files: { ".github/changegate.yml": "version: 1\n" } });
    const pull = fake.openPullRequest({ owner: "initech", repo: "tps", user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
    await app.deliver(pullRequestEvent(fake, "opened", pull));
    await app.settled();
    expect(conclusions(fake, "initech", "tps", pull.head.sha)).toHaveLength(3);
    // Bottleneck's clustered limiters live under b_<id>… keys (the throttling plugin's ids are octokit-global, -write, …).
    expect(await redis.keys("b_*")).toEqual([]);
  } finally {
    await app.stop();
  }
});
