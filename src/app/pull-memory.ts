import { LruCache } from "./cache.js";
import type { PullSnapshot } from "./caching-reader.js";
import { pullId, type PullKey } from "./scheduler.js";

/**
 * What this process remembers of each pull request it evaluated: the head, base and update
 * time it was evaluated at, and how many evaluations failed in a row. The evaluator writes
 * it; reconciliation reads it to tell what changed since (a restart forgets it, and
 * reconciliation then reads each pull request's state back from its check runs).
 */
export interface PullState {
  headSha: string;
  baseRef: string;
  updatedAt: string | null;
  failures: number;
}

export class PullMemory {
  readonly #pulls = new LruCache<string, PullState>(50_000);

  get(key: PullKey): PullState | undefined {
    return this.#pulls.get(pullId(key));
  }

  /** Evaluated (failures 0) or failed again. */
  remember(key: PullKey, pull: Pick<PullSnapshot, "head" | "base" | "updated_at">, failures = 0): void {
    this.#pulls.set(pullId(key), { headSha: pull.head.sha, baseRef: pull.base.ref, updatedAt: pull.updated_at ?? null, failures });
  }

  /** One more failure in a row; returns how many. */
  failed(key: PullKey, pull: Pick<PullSnapshot, "head" | "base" | "updated_at"> | null): number {
    const known = this.get(key);
    const failures = (known?.failures ?? 0) + 1;
    if (known !== undefined) this.#pulls.set(pullId(key), { ...known, failures });
    else if (pull !== null) this.remember(key, pull, failures);
    return failures;
  }

  /** Would this snapshot be older than what was evaluated? (Deliveries can arrive out of order.) */
  isOlder(key: PullKey, pull: Pick<PullSnapshot, "updated_at">): boolean {
    const known = this.get(key);
    return known?.updatedAt != null && pull.updated_at != null && Date.parse(pull.updated_at) < Date.parse(known.updatedAt);
  }

  /** Nothing happened to it since it was evaluated, as a listing shows it. */
  isCurrent(key: PullKey, pull: Pick<PullSnapshot, "head" | "base" | "updated_at">): boolean {
    const known = this.get(key);
    return known !== undefined && known.failures === 0 && known.headSha === pull.head.sha && known.baseRef === pull.base.ref && (known.updatedAt ?? "") >= (pull.updated_at ?? "");
  }

  forget(key: PullKey): void {
    this.#pulls.delete(pullId(key));
  }
}
