import type { GitHubClient } from "../github/access.js";
import { InFlight, LruCache } from "./cache.js";
import { loadPolicy, type LoadedPolicy } from "../github/policy-source.js";

/**
 * The policy of each (repository, branch), as loadPolicy reads it (`_extends` layers
 * included), kept for a short while: an entry younger than `freshMs` is used with no
 * request at all; an older one is read again, which with conditional requests is a 304
 * that GitHub does not count against the rate limit. A push that touches a policy file
 * forgets the entries it can change (`invalidate`), so "a short while" bounds only what a
 * lost push webhook can leave stale.
 */
export interface PolicyKey {
  owner: string;
  repo: string;
  ref: string;
}

export interface PolicyCacheOptions {
  freshMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export class PolicyCache {
  readonly #entries: LruCache<string, { key: PolicyKey; loaded: LoadedPolicy }>;
  readonly #inFlight = new InFlight<LoadedPolicy>();
  /** Bumped by every invalidation, so a load that began before one does not store a stale answer. */
  #generation = 0;
  loads = 0;
  hits = 0;

  constructor(options: PolicyCacheOptions = {}) {
    this.#entries = new LruCache(options.maxEntries ?? 10_000, options.freshMs ?? 60_000, options.now ?? Date.now);
  }

  async load(client: GitHubClient, key: PolicyKey, options: { scope?: string; fresh?: boolean } = {}): Promise<LoadedPolicy> {
    const id = cacheId(key, options.scope);
    if (options.fresh !== true) {
      const hit = this.#entries.get(id);
      if (hit !== undefined) {
        this.hits++;
        return hit.loaded;
      }
    }
    return this.#inFlight.run(id, async () => {
      const generation = this.#generation;
      this.loads++;
      const loaded = await loadPolicy(client, key);
      if (generation === this.#generation) this.#entries.set(id, { key, loaded });
      return loaded;
    });
  }

  /**
   * Forgets what a push to `owner/repo` on `ref` can change: that branch's own policy, and,
   * when `ref` is the repository's default branch (where `_extends` reads from), every
   * cached policy that layers a file of that repository. Returns those other keys, whose
   * open pull requests a caller may want to evaluate again.
   */
  invalidate(owner: string, repo: string, ref: string, isDefaultBranch: boolean): PolicyKey[] {
    this.#generation++;
    const dependents: PolicyKey[] = [];
    this.#entries.deleteWhere((_, { key, loaded }) => {
      const sameRepo = same(key.owner, owner) && same(key.repo, repo);
      if (sameRepo && key.ref === ref) return true;
      const layered = isDefaultBranch && !sameRepo && loaded.status !== "not-enrolled" && loaded.files.some((file) => same(file.owner, owner) && same(file.repo, repo));
      if (layered) dependents.push(key);
      return layered;
    });
    return dependents;
  }

  /** Whether a cached policy layers one of these files of `owner/repo` (`_extends`). */
  layersFileOf(owner: string, repo: string, paths: ReadonlySet<string>): boolean {
    for (const [, { key, loaded }] of this.#entries.entries()) {
      if (loaded.status === "not-enrolled" || (same(key.owner, owner) && same(key.repo, repo))) continue;
      if (loaded.files.some((file) => same(file.owner, owner) && same(file.repo, repo) && paths.has(file.path))) return true;
    }
    return false;
  }

  /** The cached policies of `owner/repo` (every ref), for the App's issue events. */
  cachedFor(owner: string, repo: string): LoadedPolicy[] {
    const found: LoadedPolicy[] = [];
    for (const [, { key, loaded }] of this.#entries.entries()) if (same(key.owner, owner) && same(key.repo, repo)) found.push(loaded);
    return found;
  }

  /** Forgets every cached policy of `owner/repo` (their calendars read issues that changed). */
  forgetRepository(owner: string, repo: string): void {
    this.#generation++;
    this.#entries.deleteWhere((_, { key }) => same(key.owner, owner) && same(key.repo, repo));
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function cacheId(key: PolicyKey, scope = ""): string {
  return `${scope}|${key.owner.toLowerCase()}/${key.repo.toLowerCase()}|${key.ref}`;
}
