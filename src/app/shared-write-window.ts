import { randomUUID } from "node:crypto";
import type { RedisLike } from "./lock.js";
import { OwnWriteWindow } from "./own-write-window.js";
import { longestWindowMs, type Room, type WindowLimits, type WriteWindow } from "./write-window.js";

/**
 * One installation's write window shared by every replica on one Redis (REDIS_URL), so that
 * N replicas together send at most `perMinute` writes in any rolling window for it, not N
 * times as many, and a pause GitHub gave one replica holds them all.
 *
 * Per installation a sorted set of the writes admitted (score: the time in ms, member: unique
 * per write) and a pause key (PX: what is left of GitHub's `retry-after`). One script,
 * atomic, per write: while the pause key lives, answer its time to live; else drop the
 * entries older than the longest window, admit the write (add it) if fewer than `perMinute`
 * are within the minute (and `perHour` within the hour, when counted), else answer how long
 * until the oldest that must leave has left. When the write's answer has come, its entry is
 * moved to that time (write-window.ts: GitHub counts a write on arrival, between the two).
 * Time is Redis's (`TIME` in the scripts), so replicas' clocks do not matter. One round trip
 * before each write, well under a millisecond next to GitHub's answer to the write itself
 * (hundreds of ms), and one after it that nothing waits for; the entries expire with the
 * window.
 *
 * What is shared is the count, not the order: each replica's queue (write-pace.ts) keeps its
 * own urgency order, so a revocation on one replica may wait while another replica's writes
 * take the window's room; it waits at most until room comes, one window at worst (GitHub's
 * limit binds the installation as a whole, so any order across replicas would wait as long).
 *
 * When Redis fails or does not answer within `timeoutMs`, the replica paces by its own window
 * (own-write-window.ts, which counts every write this replica sent, shared or not) for
 * `retryMs`, then asks Redis again; it logs once per outage. Writing never stops for Redis: a
 * blocked write queue would hold revocations, i.e. leave passes standing that must not. The
 * cost of the fallback is the limit's: N replicas may send up to N × `perMinute` until Redis
 * answers again, and GitHub's own rate-limit answers still pause each replica that gets one.
 */
export interface SharedWriteWindowOptions {
  log: { warn(object: unknown, message?: string): void; info(object: unknown, message?: string): void };
  /** How long one answer from Redis may take before the replica's own window decides (500 ms). */
  timeoutMs?: number;
  /** After a failure, how long the own window decides before Redis is asked again (5 s). */
  retryMs?: number;
  /** The keys' prefix, as the App's other Redis keys (`changegate:`). */
  prefix?: string;
}

const TAKE = `
local paused = redis.call("PTTL", KEYS[2])
if paused > 0 then return paused end
local time = redis.call("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local minuteMs = tonumber(ARGV[1])
local perMinute = tonumber(ARGV[2])
local perHour = tonumber(ARGV[3])
local longest = minuteMs
if perHour > 0 then longest = 60 * minuteMs end
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now - longest)
local wait = 0
local inMinute = redis.call("ZCOUNT", KEYS[1], "(" .. (now - minuteMs), "+inf")
if inMinute >= perMinute then
  local leaving = redis.call("ZRANGEBYSCORE", KEYS[1], "(" .. (now - minuteMs), "+inf", "WITHSCORES", "LIMIT", inMinute - perMinute, 1)
  wait = tonumber(leaving[2]) + minuteMs - now
end
if perHour > 0 then
  local total = redis.call("ZCARD", KEYS[1])
  if total >= perHour then
    local leaving = redis.call("ZRANGE", KEYS[1], total - perHour, total - perHour, "WITHSCORES")
    wait = math.max(wait, tonumber(leaving[2]) + longest - now)
  end
end
if wait > 0 then return wait end
redis.call("ZADD", KEYS[1], now, ARGV[4])
redis.call("PEXPIRE", KEYS[1], longest + 1000)
return 0
`;

const ANSWERED = `
local time = redis.call("TIME")
redis.call("ZADD", KEYS[1], tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000), ARGV[1])
redis.call("PEXPIRE", KEYS[1], tonumber(ARGV[2]) + 1000)
return 0
`;

const PAUSE = `
if redis.call("PTTL", KEYS[1]) < tonumber(ARGV[1]) then redis.call("SET", KEYS[1], "1", "PX", ARGV[1]) end
return 0
`;

type Answer = { ok: true; value: unknown } | { ok: false; reason: unknown };

export class SharedWriteWindow implements WriteWindow {
  readonly #own: OwnWriteWindow;
  readonly #timeoutMs: number;
  readonly #retryMs: number;
  readonly #prefix: string;
  readonly #replica = randomUUID();
  #seq = 0;
  /** Date.now() until which the own window decides (Redis failed). */
  #ownUntil = -Infinity;
  #down = false;

  constructor(
    private readonly redis: RedisLike,
    private readonly limits: WindowLimits,
    private readonly options: SharedWriteWindowOptions,
  ) {
    this.#own = new OwnWriteWindow(limits);
    this.#timeoutMs = options.timeoutMs ?? 500;
    this.#retryMs = options.retryMs ?? 5_000;
    this.#prefix = options.prefix ?? "changegate:writes:";
  }

  take(key: string, now: number): Room | Promise<Room> {
    if (Date.now() < this.#ownUntil) return this.#own.take(key, now);
    return this.#takeShared(key, now);
  }

  pause(key: string, forMs: number): void {
    if (Date.now() < this.#ownUntil || forMs <= 0) return;
    void this.#call(PAUSE, [this.#prefix + key + ":paused"], [Math.ceil(forMs)]).then((answer) => this.#settle(answer));
  }

  async #takeShared(key: string, now: number): Promise<Room> {
    const asked = Date.now();
    const sent = this.#prefix + key + ":sent";
    const member = `${this.#replica}:${++this.#seq}`;
    const answer = await this.#call(TAKE, [sent, this.#prefix + key + ":paused"], [this.limits.minuteMs, this.limits.perMinute, this.limits.perHour ?? 0, member]);
    // `now` is the queue's clock when it asked; the answer came this much later.
    const at = now + (Date.now() - asked);
    if (!this.#settle(answer)) return this.#own.take(key, at);
    if (answer.value > 0) return { waitMs: answer.value };
    // Admitted: counted in the own window too, the fallback's count should Redis fail next.
    const own = this.#own.record(key, at);
    return {
      place: {
        answered: (answeredAt) => {
          own.answered(answeredAt);
          if (Date.now() >= this.#ownUntil) void this.#call(ANSWERED, [sent], [member, longestWindowMs(this.limits)]).then((moved) => this.#settle(moved));
        },
      },
    };
  }

  /** Whether Redis answered; logs the first failure of an outage and the recovery after it. */
  #settle(answer: Answer): answer is { ok: true; value: number } {
    if (answer.ok && typeof answer.value === "number") {
      if (this.#down) this.options.log.info({}, "changegate: the shared write window answers again: writes are paced across replicas");
      this.#down = false;
      return true;
    }
    this.#ownUntil = Date.now() + this.#retryMs;
    if (!this.#down) this.options.log.warn({ err: answer.ok ? new Error(`unexpected answer ${JSON.stringify(answer.value)}`) : answer.reason }, "changegate: the shared write window (Redis) did not answer: this replica paces its writes by its own window until it does");
    this.#down = true;
    return false;
  }

  /** One script, answered within `timeoutMs` (a timer that fires late first takes the answer already in). */
  #call(script: string, keys: string[], args: (string | number)[]): Promise<Answer> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (answer: Answer) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(answer);
      };
      const timer = setTimeout(() => setImmediate(() => finish({ ok: false, reason: new Error(`Redis did not answer within ${this.#timeoutMs} ms`) })), this.#timeoutMs);
      timer.unref();
      let sent: Promise<unknown>;
      try {
        sent = this.redis.eval(script, keys.length, ...keys, ...args);
      } catch (error) {
        sent = Promise.reject(error);
      }
      sent.then(
        (value) => finish({ ok: true, value }),
        (reason: unknown) => finish({ ok: false, reason }),
      );
    });
  }
}
