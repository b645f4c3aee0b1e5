import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deliverWebhook, type FakeGitHub } from "../fake-github/index.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { startAppProcess, type AppProcess } from "./app-process.js";
import { apiRequests, SECRET, startApp, startFake, waitFor, type App } from "./harness.js";
import { auditComments, gatedRepository, mergedPull, QUICK_RETRY, recordCount, stallOnce } from "./durable-support.js";

/**
 * A restart with work in flight: the App runs in a process of its own and is killed
 * (SIGKILL) in the middle of recording a merge. In process, the job dies with it; what
 * brings the work back is GitHub's record of the delivery as failed (it never got an
 * answer), asked for again by the next process's redelivery loop. With REDIS_URL the job
 * lives in Redis: another replica takes it over when the dead worker's lock runs out.
 */
const FILES = "/repos/{owner}/{repo}/pulls/{pull_number}/files";
let fake: FakeGitHub;
let redis: RedisServer;
const processes: AppProcess[] = [];
const apps: App[] = [];

beforeAll(async () => {
  fake = await startFake();
  redis = await startRedisServer();
});
afterAll(async () => {
  for (const child of processes) await child.kill();
  for (const app of apps) await app.stop();
  await redis?.stop();
  await fake?.close();
});
afterEach(() => {
  fake.clearFaults();
  fake.setLatency(0);
});

async function child(options: Parameters<typeof startAppProcess>[1], env: NodeJS.ProcessEnv = {}): Promise<AppProcess> {
  const started = await startAppProcess(fake, options, env);
  processes.push(started);
  return started;
}

async function app(options: Parameters<typeof startApp>[1]): Promise<App> {
  const started = await startApp(fake, options);
  apps.push(started);
  return started;
}

/** Delivers the merge to `target` and kills it while the merge's first read of the pull request's files is held. */
async function killMidMerge(target: AppProcess, closed: Parameters<AppProcess["deliver"]>[0]): Promise<void> {
  const seen = fake.requests({ route: `GET ${FILES}` }).length;
  stallOnce(fake, FILES, 15_000);
  const answer = target.deliver(closed).then(
    (result) => result.status,
    () => "no answer",
  );
  await waitFor(() => fake.requests({ route: `GET ${FILES}` }).length, (count) => count > seen, 20_000, "the merge's work to start");
  await target.kill();
  expect(await answer).toBe("no answer");
  fake.setLatency(0);
}

describe("in process", () => {
  it("a job killed with its process is lost with it; the failed delivery, asked for again after the restart, records the merge once", { timeout: 90_000 }, async () => {
    const repo = gatedRepository(fake);
    const { pull, closed } = mergedPull(fake, repo);
    await killMidMerge(await child({ deliveryRetry: QUICK_RETRY }), closed);
    expect(recordCount(fake, repo)).toBe(0);
    expect(fake.deliveries.filter((delivery) => delivery.guid === closed.id).map((delivery) => delivery.statusCode)).toEqual([0]);

    const restarted = await app({ deliveryRetry: QUICK_RETRY });
    expect(await restarted.service.redeliverFailed({ settleMs: 0 })).toBe(1);
    await waitFor(() => recordCount(fake, repo), (records) => records === 1, 20_000, "the redelivered merge's record");
    await restarted.started.app.deliveries!.idle();
    expect(recordCount(fake, repo)).toBe(1);
    expect(auditComments(fake, repo, pull.number)).toBe(1);
    await restarted.stop();
  });
});

describe("with REDIS_URL", () => {
  it("another replica takes over the job of one that died, and finishes it once; a redelivery of it then does nothing", { timeout: 90_000 }, async () => {
    const repo = gatedRepository(fake);
    const { pull, closed } = mergedPull(fake, repo);
    const options = { deliveryRetry: QUICK_RETRY, deliveryLockMs: 1_000 };
    await killMidMerge(await child(options, { REDIS_URL: redis.url }), closed);
    expect(recordCount(fake, repo)).toBe(0);

    // Nothing asks GitHub for the delivery again: the job is in Redis.
    const redelivered = fake.redeliveries().length;
    const other = await app({ ...options, redisUrl: redis.url });
    await waitFor(() => recordCount(fake, repo), (records) => records === 1, 30_000, "the other replica to finish the job");
    await other.started.app.deliveries!.idle();
    expect(fake.redeliveries()).toHaveLength(redelivered);
    expect(recordCount(fake, repo)).toBe(1);
    expect(auditComments(fake, repo, pull.number)).toBe(1);

    fake.resetRequests();
    const again = await deliverWebhook(fake, closed, { url: other.url, secret: SECRET, redelivery: true });
    expect(again.status).toBe(200);
    expect(apiRequests(fake)).toEqual([]);
    expect(recordCount(fake, repo)).toBe(1);
  });

  it("one delivery given to two replicas at once is one job", { timeout: 60_000 }, async () => {
    const first = await app({ deliveryRetry: QUICK_RETRY, redisUrl: redis.url });
    const second = await app({ deliveryRetry: QUICK_RETRY, redisUrl: redis.url });
    const repo = gatedRepository(fake);
    const { pull, closed } = mergedPull(fake, repo);
    const finishedBefore = apps.reduce((sum, replica) => sum + replica.started.app.deliveries!.stats.finished, 0);
    const answers = await Promise.all([first.deliver(closed), second.deliver(closed)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    // Run once, by one of the replicas sharing the queue (the previous test's too).
    const finished = () => apps.reduce((sum, replica) => sum + replica.started.app.deliveries!.stats.finished, 0);
    expect(finished() - finishedBefore).toBe(1);
    expect(recordCount(fake, repo)).toBe(1);
    expect(auditComments(fake, repo, pull.number)).toBe(1);
  });
});
