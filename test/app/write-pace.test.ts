import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WritePace } from "../../src/app/write-pace.js";
import { URGENCY, type WriteUrgency } from "../../src/app/write-urgency.js";

/** The installation write queue on Vitest's clock: what it sends, when and in what order. */
let sent: { key: string; name: string; at: number }[];

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  sent = [];
});
afterEach(() => {
  vi.useRealTimers();
});

const background = (since = 0): WriteUrgency => ({ level: URGENCY.background, since });
const person = (since = 0): WriteUrgency => ({ level: URGENCY.person, since });
const revocation = (since = 0): WriteUrgency => ({ level: URGENCY.revocation, since });

function write(pace: WritePace, key: string, name: string, urgency: WriteUrgency): Promise<string> {
  return pace.schedule(key, urgency, async () => {
    sent.push({ key, name, at: Date.now() });
    return name;
  });
}

describe("WritePace: each installation's writes, most urgent first, within GitHub's window", () => {
  it("a burst within the window goes out at once; the write past it waits until the oldest leaves the window", async () => {
    const pace = new WritePace({ perMinute: 3, minuteMs: 60_000 });
    const writes = ["a", "b", "c", "d"].map((name) => write(pace, "1", name, background()));
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((entry) => entry.name)).toEqual(["a", "b", "c"]);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(sent).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.map((entry) => [entry.name, entry.at - 1_000_000])).toEqual([
      ["a", 0],
      ["b", 0],
      ["c", 0],
      ["d", 60_000],
    ]);
    expect(await Promise.all(writes)).toEqual(["a", "b", "c", "d"]);
  });

  it("a write holds its place in the window until its answer has come, and one window after (GitHub counts it on arrival, somewhere between)", async () => {
    const pace = new WritePace({ perMinute: 1, minuteMs: 1_000 });
    const slow = pace.schedule("1", background(), async () => {
      sent.push({ key: "1", name: "slow", at: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, 500));
    });
    void write(pace, "1", "next", background());
    await vi.advanceTimersByTimeAsync(1_499);
    await slow;
    expect(sent.map((entry) => entry.name)).toEqual(["slow"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.map((entry) => [entry.name, entry.at - 1_000_000])).toEqual([
      ["slow", 0],
      ["next", 1_500],
    ]);
  });

  it("a revocation queued last, behind a queue of background writes, is the next one sent", async () => {
    const pace = new WritePace({ perMinute: 1, minuteMs: 1_000 });
    for (let index = 0; index < 10; index++) void write(pace, "1", `background ${index}`, background(index));
    void write(pace, "1", "person", person(20));
    void write(pace, "1", "revocation", revocation(30));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(sent.map((entry) => entry.name)).toEqual(["background 0", "revocation", "person"]);
  });

  it("within one urgency the work begun first goes first, whatever order its writes arrive in", async () => {
    const pace = new WritePace({ perMinute: 1, minuteMs: 1_000 });
    void write(pace, "1", "first", person(0));
    void write(pace, "1", "late 2", person(200));
    void write(pace, "1", "early 2", person(100));
    void write(pace, "1", "late 1", person(200));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(sent.map((entry) => entry.name)).toEqual(["first", "early 2", "late 2", "late 1"]);
  });

  it("two installations do not share a pace: one at its limit leaves the other's writes going out at once", async () => {
    const pace = new WritePace({ perMinute: 2, minuteMs: 60_000 });
    for (const name of ["a1", "a2", "a3", "a4"]) void write(pace, "acme", name, background());
    await vi.advanceTimersByTimeAsync(0);
    for (const name of ["b1", "b2"]) void write(pace, "globex", name, revocation());
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((entry) => entry.name)).toEqual(["a1", "a2", "b1", "b2"]);
    expect(pace.waiting("acme")).toBe(2);
    expect(pace.waiting("globex")).toBe(0);
  });

  it("at most `concurrency` writes in flight: the next starts when an answer comes", async () => {
    const pace = new WritePace({ perMinute: 80, minuteMs: 60_000, concurrency: 2 });
    let answer: () => void = () => undefined;
    const first = pace.schedule("1", background(), () => new Promise<void>((resolve) => (answer = resolve)));
    void pace.schedule("1", background(), () => new Promise<void>(() => undefined));
    void write(pace, "1", "second", revocation());
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sent).toEqual([]);
    answer();
    await first;
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((entry) => entry.name)).toEqual(["second"]);
  });

  it("after GitHub says to wait, none of the installation's writes goes before the pause ends; a failed write frees its place", async () => {
    const pace = new WritePace({ perMinute: 80, minuteMs: 60_000 });
    await expect(pace.schedule("1", background(), () => Promise.reject(new Error("secondary rate limit")))).rejects.toThrow("secondary rate limit");
    pace.pause("1", Date.now() + 30_000);
    void write(pace, "1", "after", revocation());
    void write(pace, "2", "other installation", background());
    await vi.advanceTimersByTimeAsync(29_999);
    expect(sent.map((entry) => entry.name)).toEqual(["other installation"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.map((entry) => entry.name)).toEqual(["other installation", "after"]);
  });

  it("writes that notify people are spaced apart, and the other writes go past one that waits for its spacing", async () => {
    const pace = new WritePace({ perMinute: 80, minuteMs: 60_000, notificationIntervalMs: 3_000 });
    const notify = (name: string) => pace.schedule("1", person(), async () => void sent.push({ key: "1", name, at: Date.now() }), true);
    void notify("comment 1");
    void notify("comment 2");
    await vi.advanceTimersByTimeAsync(0);
    void write(pace, "1", "check run", background());
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((entry) => entry.name)).toEqual(["comment 1", "check run"]);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(sent.map((entry) => [entry.name, entry.at - 1_000_000])).toEqual([
      ["comment 1", 0],
      ["check run", 0],
      ["comment 2", 3_000],
    ]);
  });

  it("an hourly limit, when set, holds past the minute's", async () => {
    const pace = new WritePace({ perMinute: 2, minuteMs: 1_000, perHour: 3 });
    for (const name of ["a", "b", "c", "d"]) void write(pace, "1", name, background());
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent.map((entry) => entry.name)).toEqual(["a", "b", "c"]);
    await vi.advanceTimersByTimeAsync(58_999);
    expect(sent).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.map((entry) => entry.name)).toEqual(["a", "b", "c", "d"]);
    // The sustained pace the scheduler budgets: the hour's, when it is the slower.
    expect(pace.intervalMs).toBe(20_000);
    expect(new WritePace({ perMinute: 80, minuteMs: 60_000 }).intervalMs).toBe(750);
  });
});
