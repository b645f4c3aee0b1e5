import type { RedisLike } from "../../src/app/lock.js";

/** Redis as far as changegate uses it: SET [NX] PX, GET, DEL, and the compare-and-delete / compare-and-expire scripts. */
export class MemoryRedis implements RedisLike {
  readonly values = new Map<string, { value: string; expires: number }>();
  /** Makes plain SETs (not SET NX) fail, as a Redis that drops the connection would. */
  failPlainSets = false;
  async set(key: string, value: string, _px: "PX", ttl: number, nx?: "NX"): Promise<"OK" | null> {
    if (nx === undefined && this.failPlainSets) throw new Error("connection lost");
    const current = this.values.get(key);
    if (nx === "NX" && current !== undefined && current.expires > Date.now()) return null;
    this.values.set(key, { value, expires: Date.now() + ttl });
    return "OK";
  }
  async get(key: string): Promise<string | null> {
    const current = this.values.get(key);
    return current !== undefined && current.expires > Date.now() ? current.value : null;
  }
  async del(key: string): Promise<number> {
    return this.values.delete(key) ? 1 : 0;
  }
  async eval(script: string, _keys: number, key: string | number, token: string | number, ttl?: string | number): Promise<unknown> {
    const current = this.values.get(String(key));
    if (current === undefined || current.value !== token) return 0;
    if (script.includes('"del"')) this.values.delete(String(key));
    else current.expires = Date.now() + Number(ttl);
    return 1;
  }
}
