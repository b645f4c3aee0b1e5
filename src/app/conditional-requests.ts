import type { Octokit } from "@octokit/core";
import { LruCache } from "./cache.js";
import { statusOf } from "../github/access.js";

/**
 * Conditional requests: every GET that GitHub answered with an ETag is asked again with
 * `If-None-Match`, and a 304 answer (which GitHub does not count against the rate limit)
 * is served from the cached response. The adapters see an ordinary 200.
 *
 * The cache is keyed by a scope (the installation: what one token may see) and the full URL
 * with its Accept header, and bounded by entries and by bytes.
 */
export interface ConditionalEntry {
  etag: string;
  status: number;
  url: string;
  headers: Record<string, string | number | undefined>;
  data: unknown;
  bytes: number;
}

export interface ConditionalCacheOptions {
  maxEntries?: number;
  maxBytes?: number;
}

export class ConditionalCache {
  readonly #entries: LruCache<string, ConditionalEntry>;
  readonly #maxBytes: number;
  #bytes = 0;
  /** Answers served from the cache after a 304, for the logs and the benchmark. */
  notModified = 0;

  constructor(options: ConditionalCacheOptions = {}) {
    this.#entries = new LruCache(options.maxEntries ?? 20_000);
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  get(key: string): ConditionalEntry | undefined {
    return this.#entries.peek(key)?.value;
  }

  set(key: string, entry: ConditionalEntry): void {
    const previous = this.#entries.peek(key)?.value;
    if (previous !== undefined) this.#bytes -= previous.bytes;
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
    if (this.#bytes <= this.#maxBytes && this.#entries.size <= this.#entries.maxEntries) return;
    // Over budget: drop the least recently used until under it (LruCache iterates oldest first).
    let total = 0;
    for (const [, value] of this.#entries.entries()) total += value.bytes;
    this.#bytes = total;
    for (const [oldKey, value] of [...this.#entries.entries()]) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(oldKey);
      this.#bytes -= value.bytes;
    }
  }

  delete(key: string): void {
    const previous = this.#entries.peek(key)?.value;
    if (previous === undefined) return;
    this.#bytes -= previous.bytes;
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}

type Hookable = Pick<Octokit, "hook" | "request">;

interface EndpointOptionsLike {
  method?: string;
  url?: string;
  headers?: Record<string, string | number | undefined>;
  request?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Wraps an Octokit's requests with conditional GETs against `cache`, within `scope`. */
export function useConditionalRequests(octokit: Hookable, cache: ConditionalCache, scope: string): void {
  octokit.hook.wrap("request", async (request, rawOptions) => {
    const options = rawOptions as unknown as EndpointOptionsLike;
    if ((options.method ?? "GET").toUpperCase() !== "GET" || options.request?.["conditional"] === false) return request(rawOptions);
    const parsed = octokit.request.endpoint.parse(rawOptions);
    const key = `${scope} ${parsed.url} ${String(parsed.headers["accept"] ?? "")}`;
    const cached = cache.get(key);
    // Hooks are bound to one options object: only changing it in place reaches the inner ones.
    if (cached !== undefined) options.headers = { ...options.headers, "if-none-match": cached.etag };
    try {
      const response = await request(rawOptions);
      const etag = response.headers.etag;
      if (typeof etag === "string" && etag !== "") {
        const length = Number(response.headers["content-length"]);
        const bytes = Number.isFinite(length) && length > 0 ? length : approximateBytes(response.data);
        cache.set(key, { etag, status: response.status, url: response.url, headers: { ...response.headers }, data: response.data, bytes });
      } else if (cached !== undefined) {
        cache.delete(key);
      }
      return response;
    } catch (error) {
      if (cached !== undefined && statusOf(error) === 304) {
        cache.notModified++;
        return { status: cached.status, url: cached.url, headers: { ...cached.headers, "x-changegate-cache": "not-modified" }, data: cached.data } as Awaited<ReturnType<typeof request>>;
      }
      throw error;
    }
  });
}

function approximateBytes(data: unknown): number {
  try {
    return JSON.stringify(data)?.length ?? 0;
  } catch {
    return 0;
  }
}
