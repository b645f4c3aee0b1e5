import { LruCache } from "./cache.js";
import type { KnownCheck } from "../github/check-runs.js";
import type { RedisLike } from "./lock.js";

/**
 * What changegate's runs on a head commit say, so that an unchanged decision writes nothing
 * and needs no listing. One replica keeps it in memory; several share it in Redis, where an
 * entry is taken away before a write and put back after it succeeds: an entry is never older
 * than what GitHub holds (a lost write leaves none, and the runs are listed).
 */
const PREFIX = "changegate:runs:";
/** A shared entry outlives no head for long: a day, then the runs are listed again. */
const TTL_MS = 24 * 3_600_000;

export class KnownRuns {
  readonly #memory = new LruCache<string, Map<string, KnownCheck>>(20_000);

  constructor(private readonly redis: RedisLike | null) {}

  /** What the runs say, taken away until `remember` puts it back (null: list them). A Redis failure fails the evaluation, closed. */
  async take(key: string): Promise<Map<string, KnownCheck> | null> {
    if (this.redis === null) return this.#memory.get(key) ?? null;
    const stored = await this.redis.get(PREFIX + key).catch(() => null);
    await this.redis.del(PREFIX + key);
    if (stored === null) return null;
    try {
      return new Map(JSON.parse(stored) as [string, KnownCheck][]);
    } catch {
      return null;
    }
  }

  /** What the runs say, left in place (null: not known). */
  async peek(key: string): Promise<Map<string, KnownCheck> | null> {
    if (this.redis === null) return this.#memory.get(key) ?? null;
    const stored = await this.redis.get(PREFIX + key).catch(() => null);
    if (stored === null) return null;
    try {
      return new Map(JSON.parse(stored) as [string, KnownCheck][]);
    } catch {
      return null;
    }
  }

  async remember(key: string, runs: Map<string, KnownCheck>): Promise<void> {
    if (this.redis === null) {
      this.#memory.set(key, runs);
      return;
    }
    await this.redis.set(PREFIX + key, JSON.stringify([...runs]), "PX", TTL_MS).catch(() => null);
  }

  /** A write failed: what GitHub holds is not known any more. */
  forget(key: string): void {
    this.#memory.delete(key);
  }
}
