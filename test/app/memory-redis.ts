import type { RedisLike } from "../../src/app/lock.js";

/** Redis as far as the lock uses it: SET NX PX, and the compare-and-delete / compare-and-expire scripts. */
export class MemoryRedis implements RedisLike {
  readonly values = new Map<string, { value: string; expires: number }>();
  async set(key: string, value: string, _px: "PX", ttl: number, _nx: "NX"): Promise<"OK" | null> {
    const current = this.values.get(key);
    if (current !== undefined && current.expires > Date.now()) return null;
    this.values.set(key, { value, expires: Date.now() + ttl });
    return "OK";
  }
  async eval(script: string, _keys: number, key: string | number, token: string | number, ttl?: string | number): Promise<unknown> {
    const current = this.values.get(String(key));
    if (current === undefined || current.value !== token) return 0;
    if (script.includes('"del"')) this.values.delete(String(key));
    else current.expires = Date.now() + Number(ttl);
    return 1;
  }
}
