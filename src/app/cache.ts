/**
 * A bounded in-process cache: least recently used entries go first, and each entry has an
 * age. Used for what is cheap to forget and costly to ask GitHub again for (team members,
 * permissions, a head commit's changed files). Nothing in it is needed for correctness
 * after a restart: every entry can be read from GitHub again.
 */
export interface CacheEntry<V> {
  value: V;
  storedAt: number;
}

export class LruCache<K, V> {
  readonly #entries = new Map<K, CacheEntry<V>>();

  constructor(
    readonly maxEntries: number,
    /** How long an entry is fresh; `get` forgets older ones, `peek` still shows them. */
    readonly ttlMs = Infinity,
    readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The value while fresh. */
  get(key: K): V | undefined {
    const entry = this.peek(key);
    if (entry === undefined || this.now() - entry.storedAt >= this.ttlMs) return undefined;
    return entry.value;
  }

  /** The entry, fresh or not (for a conditional request that revalidates it). */
  peek(key: K): CacheEntry<V> | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    // Map order is insertion order: re-inserting marks it most recently used.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, storedAt: this.now() });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  deleteWhere(predicate: (key: K, value: V) => boolean): number {
    let removed = 0;
    for (const [key, entry] of this.#entries) {
      if (predicate(key, entry.value)) {
        this.#entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  *entries(): IterableIterator<[K, V]> {
    for (const [key, entry] of this.#entries) yield [key, entry.value];
  }

  clear(): void {
    this.#entries.clear();
  }
}

/**
 * Memoises concurrent calls with the same key: ten events for one repository at once read
 * its policy once.
 */
export class InFlight<V> {
  readonly #pending = new Map<string, Promise<V>>();

  run(key: string, call: () => Promise<V>): Promise<V> {
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    const started = call().finally(() => this.#pending.delete(key));
    this.#pending.set(key, started);
    return started;
  }
}
