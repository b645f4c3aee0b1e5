import { describe, expect, it } from "vitest";
import { KeyedMutex, Locks, type RedisLike } from "../../src/app/lock.js";
import { startRedisServer } from "../support/redis-server.js";
import { PRIORITY, Scheduler, WorkQueue, type Boundary } from "../../src/app/scheduler.js";

const pull = (number: number) => ({ installationId: 1, owner: "acme", repo: "shop", number });

describe("Scheduler", () => {
  it("hands an opening over at its instant, a revocation ahead of it by the lead and its batch's write time, another closing by the lead", () => {
    let now = 0;
    const due: Boundary[] = [];
    const scheduler = new Scheduler({ leadMs: 60_000, perFlipMs: 1_000, now: () => now, onDue: (boundary) => due.push(boundary) });
    scheduler.set(pull(1), { at: 600_000, kind: "opens", mergeable: true, headSha: "a" });
    // Five revocations (mergeable now, blocked then) and five closings of pull requests blocked anyway.
    for (let number = 2; number <= 11; number++) scheduler.set(pull(number), { at: 600_000, kind: "closes", mergeable: number % 2 === 0, headSha: "b" });
    scheduler.set(pull(12), { at: 600_000, kind: "changes", mergeable: false, headSha: "c" });

    now = 600_000 - 60_000 - 5 * 1_000 - 1;
    scheduler.fire();
    expect(due).toEqual([]);
    // The whole batch of revocations at once.
    now += 1;
    scheduler.fire();
    expect(due.map((boundary) => boundary.pull.number)).toEqual([2, 4, 6, 8, 10]);
    now = 600_000 - 60_000;
    scheduler.fire();
    expect(due.map((boundary) => boundary.pull.number)).toEqual([2, 4, 6, 8, 10, 3, 5, 7, 9, 11]);
    now = 599_999;
    scheduler.fire();
    expect(due).toHaveLength(10);
    now = 600_000;
    scheduler.fire();
    expect(due.slice(10).map((boundary) => boundary.pull.number)).toEqual([1, 12]);
    expect(scheduler.size).toBe(0);
    scheduler.stop();
  });

  it("budgets a boundary's lead by the passes it revokes, not by the open pull requests: thousands blocked anyway or only re-described make nobody due early", () => {
    const hour = 3_600_000;
    let now = 0;
    const due: Boundary[] = [];
    const scheduler = new Scheduler({ leadMs: 60_000, perFlipMs: 1_500, now: () => now, onDue: (boundary) => due.push(boundary) });
    // 10,000 open pull requests whose next boundary is in an hour: at 1.5 s each, a lead of hours if all counted.
    for (let number = 1; number <= 5_000; number++) scheduler.set(pull(number), { at: hour, kind: "closes", mergeable: false, headSha: "x" });
    for (let number = 5_001; number <= 10_000; number++) scheduler.set(pull(number), { at: hour, kind: "changes", mergeable: true, headSha: "y" });
    scheduler.fire();
    expect(due).toEqual([]);
    // Three that pass now and are blocked then: their lead is theirs alone.
    for (let number = 10_001; number <= 10_003; number++) scheduler.set(pull(number), { at: hour, kind: "closes", mergeable: true, headSha: "z" });
    expect(scheduler.dueAt(pull(10_003))).toBe(hour - 60_000 - 3 * 1_500);
    expect(scheduler.dueAt(pull(1))).toBe(hour - 60_000);
    expect(scheduler.dueAt(pull(5_001))).toBe(hour);
    // A new pull request, mergeable or not, makes no other due.
    scheduler.set(pull(20_000), { at: hour, kind: "closes", mergeable: false, headSha: "n" });
    scheduler.set(pull(20_001), { at: hour, kind: "changes", mergeable: true, headSha: "n" });
    now = hour / 2;
    scheduler.fire();
    expect(due).toEqual([]);
    now = hour - 60_000 - 3 * 1_500;
    scheduler.fire();
    expect(due.map((boundary) => boundary.pull.number)).toEqual([10_001, 10_002, 10_003]);
    scheduler.stop();
  });

  it("replaces a pull request's boundary, and forgets a closed one", () => {
    let now = 0;
    const due: Boundary[] = [];
    const scheduler = new Scheduler({ leadMs: 0, perFlipMs: 0, now: () => now, onDue: (boundary) => due.push(boundary) });
    scheduler.set(pull(1), { at: 1_000, kind: "opens", mergeable: false, headSha: "a" });
    scheduler.set(pull(1), { at: 5_000, kind: "opens", mergeable: false, headSha: "b" });
    scheduler.set(pull(2), { at: 2_000, kind: "retry", mergeable: false, headSha: null });
    scheduler.delete(pull(2));
    now = 4_999;
    scheduler.fire();
    expect(due).toEqual([]);
    now = 5_000;
    scheduler.fire();
    expect(due).toMatchObject([{ headSha: "b" }]);
    scheduler.stop();
  });
});

describe("WorkQueue", () => {
  it("runs the most urgent first, one job per id, a job pushed while its id runs after it", async () => {
    const order: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const queue = new WorkQueue({ concurrency: 1 });
    queue.push({ id: "blocker", priority: 0, run: () => gate.then(() => void order.push("blocker")) });
    queue.push({ id: "reconcile", priority: PRIORITY.reconcile, run: async () => void order.push("reconcile") });
    queue.push({ id: "flip", priority: PRIORITY.closing, run: async () => void order.push("flip") });
    queue.push({ id: "flip", priority: PRIORITY.closingMergeable, run: async () => void order.push("flip (urgent)") });
    queue.push({ id: "blocker", priority: 0, run: async () => void order.push("blocker again") });
    release();
    await queue.idle();
    // The job pushed again while it ran waits for it, then takes its turn among equals.
    expect(order).toEqual(["blocker", "flip (urgent)", "blocker again", "reconcile"]);
  });
});

describe("Locks", () => {
  it("queues sections of one key in a process, and across processes through Redis", async () => {
    const mutex = new KeyedMutex();
    const trace: string[] = [];
    const section = (name: string, ms: number) => async () => {
      trace.push(`${name}+`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      trace.push(`${name}-`);
    };
    await Promise.all([mutex.run("k", section("a", 20)), mutex.run("k", section("b", 1)), mutex.run("other", section("c", 1))]);
    expect(trace.indexOf("b+")).toBeGreaterThan(trace.indexOf("a-"));

    // Two processes: two connections to a real redis-server.
    const server = await startRedisServer();
    try {
      const [a, b] = [server.client(), server.client()];
      const one = new Locks(a as unknown as RedisLike, { pollMs: 5 });
      const two = new Locks(b as unknown as RedisLike, { pollMs: 5 });
      trace.length = 0;
      // The second asks once the first holds the lock (which of two first asks wins is Redis's arrival order, not the test's).
      const first = one.run("head", section("x", 30));
      while (!trace.includes("x+")) await new Promise((resolve) => setTimeout(resolve, 1));
      await Promise.all([first, two.run("head", section("y", 1))]);
      expect(trace).toEqual(["x+", "x-", "y+", "y-"]);
      expect(await a.keys("changegate:lock:*")).toEqual([]);
      expect(await one.claim("redeliver:1", 1_000)).toBe(true);
      expect(await two.claim("redeliver:1", 1_000)).toBe(false);
      // A holder that dies keeps its lock no longer than its TTL.
      const short = new Locks(a as unknown as RedisLike, { ttlMs: 200, pollMs: 5 });
      expect(await short.claim("crashed", 200)).toBe(true);
      expect(await b.pttl("changegate:lock:crashed")).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await two.claim("crashed", 1_000)).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
