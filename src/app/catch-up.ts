import { trailOf } from "../audit/merge.js";
import { indexPath } from "../audit/layout.js";
import type { TrailLocation } from "../audit/github-trail.js";
import { listAll, statusOf } from "../github/access.js";
import type { InstallationClients } from "./clients.js";
import { describeFailure } from "./errors.js";
import type { Locks } from "./lock.js";
import type { Merges } from "./merges.js";
import type { PolicyCache } from "./policy-cache.js";
import type { Client, Logger, MergedPullRequest } from "./service.js";

/**
 * A merge whose webhook never arrived (the App down, a GitHub incident, a job given up) is
 * still recorded: on start and periodically, the pull requests of every enrolled repository
 * merged in the last days are held against their trail's by-PR index (one directory listing
 * per thousand pull request numbers), and each one missing is recorded through Merges, as
 * its webhook would have (the append looks in the index again, under the merge's lock, so a
 * webhook arriving at the same moment does not record it twice). A merge settled once (in
 * the trail, or judged not to be recorded) is not looked at again by this process.
 */
export interface CatchUpOptions {
  /** How far back merges are looked for. */
  windowMs?: number;
}

export interface CatchUpCounts {
  repositories: number;
  merged: number;
  recorded: number;
  failed: number;
}

interface ClosedPull {
  number: number;
  merged_at: string | null;
  updated_at: string;
  base: { ref: string };
}

export class MergeCatchUp {
  readonly #settled = new Set<string>();
  #runs = 0;
  #lastError: string | null = null;

  constructor(private readonly parts: { log: Logger; now: () => number; clients: InstallationClients; policies: PolicyCache; merges: Merges; locks: Locks }) {}

  get stats(): { runs: number; lastError: string | null } {
    return { runs: this.#runs, lastError: this.#lastError };
  }

  async run(options: CatchUpOptions = {}): Promise<CatchUpCounts> {
    const counts: CatchUpCounts = { repositories: 0, merged: 0, recorded: 0, failed: 0 };
    const since = this.parts.now() - (options.windowMs ?? 3 * 86_400_000);
    try {
      const appClient = await this.parts.clients.app();
      const installations = await listAll((page) => appClient.request("GET /app/installations", { per_page: 100, page }));
      for (const installation of installations) {
        if (installation.suspended_at) continue;
        const installationId = Number(installation.id);
        const client = await this.parts.clients.forInstallation(installationId);
        for (let page = 1; ; page++) {
          const { data } = await client.request("GET /installation/repositories", { per_page: 100, page });
          for (const repository of data.repositories) {
            if (repository.archived === true) continue;
            counts.repositories++;
            const where = { installationId, owner: repository.owner.login, repo: repository.name };
            // One replica catches a repository up at a time (the merges' own lock keeps a record single anyway).
            if (!(await this.parts.locks.claim(`catch-up:${where.owner}/${where.repo}`.toLowerCase(), 60_000))) continue;
            await this.#repository(client, where, since, counts);
          }
          if (data.repositories.length < 100) break;
        }
      }
      this.#runs++;
      this.#lastError = null;
    } catch (error) {
      this.#lastError = describeFailure(error);
      this.parts.log.warn({ err: error }, `changegate: the merge catch-up stopped: ${this.#lastError}`);
    }
    return counts;
  }

  async #repository(client: Client, where: { installationId: number; owner: string; repo: string }, since: number, counts: CatchUpCounts): Promise<void> {
    const merged = (
      (await listAll(
        (page) => client.request("GET /repos/{owner}/{repo}/pulls", { owner: where.owner, repo: where.repo, state: "closed", sort: "updated", direction: "desc", per_page: 100, page }),
        Infinity,
        { stopAfter: (page) => page.length === 0 || Date.parse(page[page.length - 1]!.updated_at) < since },
      )) as ClosedPull[]
    ).filter((pull) => pull.merged_at !== null && Date.parse(pull.merged_at) >= since && !this.#settled.has(keyOf(where, pull.number)));
    if (merged.length === 0) return;
    counts.merged += merged.length;
    const recorded = new Map<string, Set<number>>();
    for (const pull of merged) {
      const key = keyOf(where, pull.number);
      try {
        const loaded = await this.parts.policies.load(client, { owner: where.owner, repo: where.repo, ref: pull.base.ref }, { scope: String(where.installationId) });
        if (loaded.status === "not-enrolled") continue;
        if (loaded.status === "valid") {
          const trail = trailOf({ owner: where.owner, repo: where.repo, policy: loaded.policy });
          const trailKey = `${trail.owner}/${trail.repo}@${trail.branch}`;
          const known = recorded.get(trailKey) ?? (await this.#indexed(client, trail, `${where.owner}/${where.repo}`, merged.map((other) => other.number)));
          recorded.set(trailKey, known);
          if (known.has(pull.number)) {
            this.#settled.add(key);
            continue;
          }
        }
        const { data } = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: where.owner, repo: where.repo, pull_number: pull.number });
        const outcome = await this.parts.merges.merged(client, where, data as MergedPullRequest["pull"], null);
        if (outcome === "recorded") {
          counts.recorded++;
          this.parts.log.info({ pull: key }, `changegate: catch-up recorded ${key}, whose merge the App had not recorded`);
        }
        this.#settled.add(key);
      } catch (error) {
        counts.failed++;
        this.parts.log.warn({ err: error, pull: key }, `changegate: the catch-up could not record ${key}: ${describeFailure(error)}`);
      }
    }
  }

  /** The pull request numbers of `repository` recorded in the trail: one listing per index folder that the numbers fall in. */
  async #indexed(client: Client, trail: TrailLocation, repository: string, numbers: readonly number[]): Promise<Set<number>> {
    const found = new Set<number>();
    let tip: string;
    try {
      const { data } = await client.request("GET /repos/{owner}/{repo}/branches/{branch}", { owner: trail.owner, repo: trail.repo, branch: trail.branch });
      tip = data.commit.sha;
    } catch (error) {
      if (statusOf(error) === 404) return found;
      throw error;
    }
    const folders = new Set(numbers.map((number) => indexPath(repository, number).replace(/\/[^/]+$/, "")));
    for (const folder of folders) {
      try {
        const { data } = await client.request("GET /repos/{owner}/{repo}/contents/{path}", { owner: trail.owner, repo: trail.repo, path: folder, ref: tip });
        for (const entry of Array.isArray(data) ? data : []) {
          const number = /^(\d+)\.json$/.exec(entry.name)?.[1];
          if (number !== undefined) found.add(Number(number));
        }
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    }
    return found;
  }
}

function keyOf(where: { owner: string; repo: string }, number: number): string {
  return `${where.owner}/${where.repo}#${number}`.toLowerCase();
}
