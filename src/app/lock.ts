import { randomUUID } from "node:crypto";
import { LockTimeoutError } from "./errors.js";

/**
 * Exclusive sections per key (a pull request's head commit). Within one process a keyed
 * mutex queues them; across replicas, with REDIS_URL, a short Redis lock (SET NX PX, kept
 * alive while the section runs, released only by its holder) does. The section runs after
 * the lock is taken and reads GitHub afresh, so two replicas evaluating the same pull
 * request write at most once: the second finds the checks already saying what it would.
 */
export interface RedisLike {
  set(key: string, value: string, px: "PX", ttl: number, nx?: "NX"): Promise<"OK" | null>;
  get(key: string): Promise<string | null>;
  del(key: string): Promise<number>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

export interface LockOptions {
  /** How long a lock lives without renewal (a crashed holder's lock goes after this). */
  ttlMs?: number;
  /** How long to wait for a lock another replica holds before giving up. */
  waitMs?: number;
  pollMs?: number;
  prefix?: string;
}

export { LockTimeoutError } from "./errors.js";

export class KeyedMutex {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, section: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(section, section);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  get size(): number {
    return this.#tails.size;
  }
}

const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const RENEW = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

export class Locks {
  readonly #mutex = new KeyedMutex();
  readonly #redis: RedisLike | null;
  readonly #ttlMs: number;
  readonly #waitMs: number;
  readonly #pollMs: number;
  readonly #prefix: string;

  constructor(redis: RedisLike | null = null, options: LockOptions = {}) {
    this.#redis = redis;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#waitMs = options.waitMs ?? 60_000;
    this.#pollMs = options.pollMs ?? 100;
    this.#prefix = options.prefix ?? "changegate:lock:";
  }

  /** True when another replica may be writing too (then nothing known in-process is trusted). */
  get shared(): boolean {
    return this.#redis !== null;
  }

  run<T>(key: string, section: () => Promise<T>): Promise<T> {
    return this.#mutex.run(key, () => (this.#redis === null ? section() : this.#withRedis(this.#redis, key, section)));
  }

  /** Takes a key only if free (no waiting): for work one replica should do, such as a redelivery. */
  async claim(key: string, ttlMs: number): Promise<boolean> {
    if (this.#redis === null) return true;
    return (await this.#redis.set(this.#prefix + key, randomUUID(), "PX", ttlMs, "NX")) === "OK";
  }

  async #withRedis<T>(redis: RedisLike, key: string, section: () => Promise<T>): Promise<T> {
    const name = this.#prefix + key;
    const token = randomUUID();
    const deadline = Date.now() + this.#waitMs;
    while ((await redis.set(name, token, "PX", this.#ttlMs, "NX")) !== "OK") {
      if (Date.now() >= deadline) throw new LockTimeoutError(`another replica held the lock on ${key} for over ${Math.round(this.#waitMs / 1000)}s`);
      await new Promise((resolve) => setTimeout(resolve, this.#pollMs));
    }
    const renew = setInterval(() => {
      void redis.eval(RENEW, 1, name, token, this.#ttlMs).catch(() => undefined);
    }, Math.max(1_000, Math.floor(this.#ttlMs / 3)));
    renew.unref();
    try {
      return await section();
    } finally {
      clearInterval(renew);
      await redis.eval(RELEASE, 1, name, token).catch(() => undefined);
    }
  }
}
