import { LruCache } from "./cache.js";
import { listingUnchanged, payloadProvesCurrent, pullContentKey, type PullReading } from "../github/pull-freshness.js";
import type { PullSnapshot } from "./caching-reader.js";
import { pullId, type PullKey } from "./scheduler.js";

/**
 * What this process remembers of each pull request it evaluated: the head, base and update
 * time it was evaluated at, and how many evaluations failed in a row. The evaluator writes
 * it; reconciliation reads it to tell what changed since (a restart forgets it, and
 * reconciliation then reads each pull request's state back from its check runs).
 */
export interface PullState extends PullReading {
  headSha: string;
  baseRef: string;
  failures: number;
}

export class PullMemory {
  readonly #pulls = new LruCache<string, PullState>(50_000);

  get(key: PullKey): PullState | undefined {
    return this.#pulls.get(pullId(key));
  }

  /** Evaluated (failures 0) or failed again, on the pull request as read at `readAt`. */
  remember(key: PullKey, pull: PullSnapshot, failures: number, readAt: number): void {
    this.#pulls.set(pullId(key), { headSha: pull.head.sha, baseRef: pull.base.ref, updatedAt: pull.updated_at ?? null, contentKey: pullContentKey(pull), readAt, failures });
  }

  /** One more failure in a row; returns how many. */
  failed(key: PullKey, pull: PullSnapshot | null, now: number): number {
    const known = this.get(key);
    const failures = (known?.failures ?? 0) + 1;
    if (known !== undefined) this.#pulls.set(pullId(key), { ...known, failures });
    else if (pull !== null) this.remember(key, pull, failures, now);
    return failures;
  }

  /** A payload is a hint: only when its stamp proves it newer than what was decided on may it be used as it is. */
  provesCurrent(key: PullKey, given: PullSnapshot): boolean {
    return payloadProvesCurrent(given, this.get(key));
  }

  /** Nothing happened to it since it was evaluated, as a listing shows it. */
  isCurrent(key: PullKey, pull: PullSnapshot): boolean {
    const known = this.get(key);
    return known !== undefined && known.failures === 0 && listingUnchanged(pull, known);
  }

  forget(key: PullKey): void {
    this.#pulls.delete(pullId(key));
  }
}
