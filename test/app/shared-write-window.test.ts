import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisLike } from "../../src/app/lock.js";
import { SharedWriteWindow } from "../../src/app/shared-write-window.js";
import { WritePace } from "../../src/app/write-pace.js";
import { URGENCY } from "../../src/app/write-urgency.js";
import { busiestWindow } from "../support/busiest-window.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";

/**
 * Two replicas' write queues on one real Redis (redis-server, started for this file), each
 * with its own connection, on a window scaled down to 5 writes a second: together they keep
 * one installation's limit, and a pause one of them was given holds the other. When Redis dies
 * or stops answering, writes go on, each replica within its own window.
 */
const LIMITS = { perMinute: 5, minuteMs: 1_000 };
/**
 * How much two writes admitted a window apart may seem closer, as this process sees them
 * start: an admission is Redis's, its write starts when the answer is read here, later on a
 * loaded machine.
 */
const SLACK_MS = 150;

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

interface Log {
  warnings: string[];
  infos: string[];
  warn(object: unknown, message?: string): void;
  info(object: unknown, message?: string): void;
}
function log(): Log {
  const kept: Log = { warnings: [], infos: [], warn: (_object, message) => kept.warnings.push(message ?? ""), info: (_object, message) => kept.infos.push(message ?? "") };
  return kept;
}

/** A connection to `redis` whose errors (the server stopped or gone) are the test's to cause: not printed. */
function connection(redis: RedisServer): RedisLike {
  const client = redis.client();
  client.on("error", () => undefined);
  return client as unknown as RedisLike;
}

/** Resolves once `check` holds (polled; a loaded machine takes its time), or fails after 5 s. */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A replica's write queue sharing its window through `redis`. */
function replica(redis: RedisLike, replicaLog: Log = log(), timing: { timeoutMs?: number; retryMs?: number } = {}): WritePace {
  const pace = new WritePace(LIMITS);
  pace.share((limits) => new SharedWriteWindow(redis, limits, { log: replicaLog, ...timing }));
  return pace;
}

type Sent = { replica: string; key: string; at: number }[];

function write(pace: WritePace, sent: Sent, name: string, key: string): Promise<void> {
  return pace.schedule(key, { level: URGENCY.background, since: 0 }, async () => {
    sent.push({ replica: name, key, at: Date.now() });
  });
}

/** The most writes of `key` within any window a little shorter than the limit's (the slack). */
function busiest(sent: Sent, key: string): number {
  return busiestWindow(sent.filter((entry) => entry.key === key).map((entry) => entry.at), LIMITS.minuteMs - SLACK_MS);
}

/** `each` writes of `key` on each of the two replicas, interleaved. */
function onBoth([a, b]: WritePace[], sent: Sent, key: string, each: number): Promise<void[]> {
  return Promise.all(Array.from({ length: each }, () => [write(a!, sent, "a", key), write(b!, sent, "b", key)]).flat());
}

/** Two replicas on a redis-server of their own (which the test stops, kills, starts again), answering fast or falling back fast. */
async function onOwnServer(test: (own: RedisServer, replicas: WritePace[], logs: Log[]) => Promise<void>): Promise<void> {
  const own = await startRedisServer();
  try {
    const logs = [log(), log()];
    const timing = { timeoutMs: 400, retryMs: 300 };
    await test(own, [replica(connection(own), logs[0], timing), replica(connection(own), logs[1], timing)], logs);
  } finally {
    await own.stop();
  }
}

describe("SharedWriteWindow: one installation's window across replicas, through Redis", () => {
  it("two replicas' writes of one installation together never exceed the limit in any window", async () => {
    const sent: Sent = [];
    await onBoth([replica(connection(server)), replica(connection(server))], sent, "101", 10);
    expect(sent).toHaveLength(20);
    // Both replicas wrote, and never more than five between them within a window.
    expect(new Set(sent.map((entry) => entry.replica))).toEqual(new Set(["a", "b"]));
    expect(busiest(sent, "101")).toBeLessThanOrEqual(LIMITS.perMinute);
  });

  it("a write holds its place until its answer has come: the next write waits one window from the first answer, not from the first start", async () => {
    const sent: Sent = [];
    const [a, b] = [replica(connection(server)), replica(connection(server))];
    const answers: number[] = [];
    const slow = (pace: WritePace, name: string) =>
      pace.schedule("111", { level: URGENCY.background, since: 0 }, async () => {
        sent.push({ replica: name, key: "111", at: Date.now() });
        await new Promise((resolve) => setTimeout(resolve, 400));
        answers.push(Date.now());
      });
    // Five writes answered after 400 ms fill the window; the sixth waits for one of them.
    await Promise.all([slow(a, "a"), slow(a, "a"), slow(a, "a"), slow(b, "b"), slow(b, "b"), slow(b, "b")]);
    const sixth = sent.map((entry) => entry.at).sort((x, y) => x - y)[5]!;
    expect(sixth).toBeGreaterThanOrEqual(Math.min(...answers) + LIMITS.minuteMs - SLACK_MS);
  });

  it("two installations do not limit each other: one at its limit leaves the other's writes going out", async () => {
    const sent: Sent = [];
    const [a, b] = [replica(connection(server)), replica(connection(server))];
    const first = Array.from({ length: 10 }, () => write(a, sent, "a", "201"));
    // The first installation's window is full on replica a; the other's writes on b go all the same.
    await until(() => sent.filter((entry) => entry.key === "201").length === 5, "the first installation's window to fill");
    await Promise.all(Array.from({ length: 5 }, () => write(b, sent, "b", "202")));
    expect(sent.filter((entry) => entry.key === "202")).toHaveLength(5);
    expect(a.waiting("201")).toBe(5);
    await Promise.all(first);
  });

  it("a pause GitHub gave one replica holds the installation's writes on the other, and only that installation's", async () => {
    const sent: Sent = [];
    const [a, b] = [replica(connection(server)), replica(connection(server))];
    const pausedUntil = Date.now() + 800;
    a.pause("301", pausedUntil);
    // The pause reaches Redis in one round trip.
    const redis = server.client();
    await until(async () => (await redis.pttl("changegate:writes:301:paused")) > 0, "the pause in Redis");
    await Promise.all([write(b, sent, "b", "301"), write(b, sent, "b", "302")]);
    expect(sent.map((entry) => entry.key)).toEqual(["302", "301"]);
    expect(sent[1]!.at).toBeGreaterThanOrEqual(pausedUntil - 20);
  });
});

describe("SharedWriteWindow when Redis fails", () => {
  it("Redis stops answering, then dies: writes go on, each replica within its own window, logged once; no unhandled rejection", () =>
    onOwnServer(async (own, replicas, logs) => {
      const sent: Sent = [];
      const byReplica = (name: string) => busiest(sent.filter((entry) => entry.replica === name), "401");
      await onBoth(replicas, sent, "401", 1);
      expect(logs.flatMap((kept) => kept.warnings)).toEqual([]);

      // Stopped: the connections stay open and nothing answers; each replica decides alone after the timeout.
      own.signal("SIGSTOP");
      await onBoth(replicas, sent, "401", 7);
      own.signal("SIGCONT");
      expect(sent).toHaveLength(16);
      for (const name of ["a", "b"]) expect(byReplica(name)).toBeLessThanOrEqual(LIMITS.perMinute);

      // Killed, its clients still connected (reconnecting): the same.
      own.signal("SIGKILL");
      await onBoth(replicas, sent, "401", 6);
      expect(sent).toHaveLength(28);
      for (const name of ["a", "b"]) expect(byReplica(name)).toBeLessThanOrEqual(LIMITS.perMinute);
      // One warning a replica for the whole outage.
      expect(logs.map((kept) => kept.warnings.length)).toEqual([1, 1]);
    }));

  it("once Redis answers again, the replicas share the window again", () =>
    onOwnServer(async (own, replicas, logs) => {
      own.signal("SIGSTOP");
      await onBoth(replicas, [], "501", 1);
      own.signal("SIGCONT");
      // After `retryMs` each replica asks Redis again; from then on the limit is both replicas'.
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      const shared: Sent = [];
      await onBoth(replicas, shared, "501", 6);
      expect(busiest(shared, "501")).toBeLessThanOrEqual(LIMITS.perMinute);
      expect(logs.map((kept) => [kept.warnings.length, kept.infos.length])).toEqual([
        [1, 1],
        [1, 1],
      ]);
    }));
});
