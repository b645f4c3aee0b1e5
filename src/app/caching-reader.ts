import type { Permission, Review } from "../engine/approvals.js";
import type { ChangedFiles } from "../engine/paths.js";
import { InFlight, LruCache } from "./cache.js";
import type { LoadedPolicy } from "../github/policy-source.js";
import type { PullRequestFields, PullRequestReader } from "../pipeline/reader.js";

/**
 * The App's caching decorator of a reader (the REST one): a long-running process keeps what
 * is costly to ask GitHub again for and cheap to forget.
 *
 * - changed files: once per head commit and base branch (a head commit's diff against its
 *   merge base changes only with a push or a retarget);
 * - reviews: never cached (they are what most events change; even for a pull request opened
 *   a moment ago, whose `opened` may be delivered after its first review);
 * - reviewers' permissions and team members: kept for minutes (`permissionsTtlMs`, `teamsTtlMs`);
 * - who pushed the head commit: known from the `synchronize` webhook's sender, else asked once;
 * - the policy as the pull request edits it: once per head commit.
 *
 * Keys are per scope (the installation: what a token may see differs). Concurrent reads of
 * one key share one request. The base policy has its own cache (policy-cache.ts).
 */
export type { PullSnapshot } from "../pipeline/reader.js";

export interface GatherCachesOptions {
  permissionsTtlMs?: number;
  teamsTtlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export class GatherCaches {
  readonly #files: LruCache<string, ChangedFiles>;
  readonly #permissions: LruCache<string, Permission>;
  readonly #teams: LruCache<string, string[]>;
  readonly #pushers: LruCache<string, string | null>;
  readonly #proposed: LruCache<string, LoadedPolicy>;
  readonly #inFlight = new InFlight<unknown>();

  constructor(options: GatherCachesOptions = {}) {
    const max = options.maxEntries ?? 20_000;
    const now = options.now ?? Date.now;
    this.#files = new LruCache(Math.min(max, 5_000), Infinity, now);
    this.#permissions = new LruCache(max, options.permissionsTtlMs ?? 10 * 60_000, now);
    this.#teams = new LruCache(2_000, options.teamsTtlMs ?? 5 * 60_000, now);
    this.#pushers = new LruCache(max, Infinity, now);
    this.#proposed = new LruCache(max, Infinity, now);
  }

  /** A push or a membership change makes these stale: forget them for one scope (installation). */
  forgetScope(scope: string): void {
    const prefix = `${scope}|`;
    for (const cache of [this.#files, this.#permissions, this.#teams, this.#proposed] as LruCache<string, unknown>[]) cache.deleteWhere((key) => key.startsWith(prefix));
  }

  /** Records who pushed a commit (a `synchronize` webhook's sender). */
  rememberPusher(headRepo: string, sha: string, login: string): void {
    this.#pushers.set(pusherKey(headRepo, sha), login);
  }

  /**
   * `inner` with these caches in front, for one evaluation: `scope` is the installation;
   * `fresh` reads files, permissions and teams again (the Re-evaluate button).
   */
  reader(inner: PullRequestReader, options: { scope: string; fresh?: boolean }): PullRequestReader {
    const fresh = options.fresh === true;
    const repoKey = `${options.scope}|${inner.owner}/${inner.repo}`.toLowerCase();
    const orgKey = `${options.scope}|${inner.owner}`.toLowerCase();
    const headRepo = (pull: PullRequestFields) => pull.head.repo?.full_name ?? `${inner.owner}/${inner.repo}`;
    return {
      owner: inner.owner,
      repo: inner.repo,
      changedFiles: (pull) => this.#cached(this.#files, `${repoKey}#${pull.number}@${pull.head.sha}:${pull.base?.ref ?? ""}`, fresh, () => inner.changedFiles(pull)),
      reviews: (pull): Promise<Review[]> => inner.reviews(pull),
      permission: (login) => this.#cached(this.#permissions, `${repoKey}|${login.toLowerCase()}`, fresh, () => inner.permission(login)),
      teamMembers: (team) => this.#cached(this.#teams, `${orgKey}|${team}`.toLowerCase(), fresh, () => inner.teamMembers(team)),
      lastPusher: (pull) => this.#cached(this.#pushers, pusherKey(headRepo(pull), pull.head.sha), false, () => inner.lastPusher(pull)),
      policyAt: (ref) => inner.policyAt(ref),
      proposedPolicy: (pull) => this.#cached(this.#proposed, `${repoKey}@${pull.head.sha}`, false, () => inner.proposedPolicy(pull)),
    };
  }

  async #cached<V>(cache: LruCache<string, V>, key: string, fresh: boolean, load: () => Promise<V>): Promise<V> {
    if (!fresh) {
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
    }
    return (this.#inFlight as InFlight<V>).run(key, async () => {
      const value = await load();
      cache.set(key, value);
      return value;
    });
  }
}

function pusherKey(headRepo: string, sha: string): string {
  return `${headRepo.toLowerCase()}@${sha}`;
}
