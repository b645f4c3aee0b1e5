import { randomBytes, timingSafeEqual } from "node:crypto";
import type { RedisLike } from "../lock.js";

/**
 * Each repository's calendar-feed secret: random, made on first need, replaced by a
 * rotation (the old URL then answers 404). In Redis when the App has one, so every replica
 * knows the same secrets and a restart keeps them; else in this process's memory (a restart
 * then makes new ones: old URLs stop working, they never start working again).
 */
export class FeedSecrets {
  private readonly memory = new Map<string, string>();

  constructor(private readonly redis: RedisLike | null) {}

  async secret(repository: string): Promise<string> {
    const key = keyOf(repository);
    if (this.redis === null) {
      let secret = this.memory.get(key);
      if (secret === undefined) this.memory.set(key, (secret = fresh()));
      return secret;
    }
    // NX: replicas racing to make the first secret agree on whichever landed.
    await this.redis.set(key, fresh(), "PX", FOREVER_MS, "NX");
    const stored = await this.redis.get(key);
    if (stored === null) throw new Error("Redis lost the feed secret it just stored");
    return stored;
  }

  async rotate(repository: string): Promise<string> {
    const secret = fresh();
    if (this.redis === null) this.memory.set(keyOf(repository), secret);
    else await this.redis.set(keyOf(repository), secret, "PX", FOREVER_MS);
    return secret;
  }

  async matches(repository: string, given: string): Promise<boolean> {
    const secret = await this.secret(repository);
    const a = Buffer.from(secret);
    const b = Buffer.from(given);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

const FOREVER_MS = 10 * 365 * 86_400_000;
const keyOf = (repository: string) => `changegate:feed:${repository.toLowerCase()}`;
const fresh = () => randomBytes(24).toString("base64url");
