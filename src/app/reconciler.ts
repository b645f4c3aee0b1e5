import { listAll } from "../github/access.js";
import { changegateCheckRuns, recordedDecisionKind, recordedInputs, recordedNextChange } from "../github/check-runs.js";
import { decisionInputs, runIsCurrent } from "../github/decision-inputs.js";
import { pullReviews } from "../github/rest-reader.js";
import type { PolicyCache } from "./policy-cache.js";
import type { PullSnapshot } from "./caching-reader.js";
import type { InstallationClients } from "./clients.js";
import { describeFailure } from "./errors.js";
import type { Evaluator } from "./evaluator.js";
import type { PullMemory } from "./pull-memory.js";
import { PRIORITY, pullId, type PullKey, type Scheduler, type WorkQueue } from "./scheduler.js";
import type { Client, Logger } from "./service.js";

/**
 * Every open pull request of every installation, compared with what this process knows
 * (PullMemory): what changed since its last evaluation (or was never evaluated by this
 * process) is evaluated again; after a restart, a pull request whose check runs are current
 * only has its next boundary read back from them. Listing uses conditional requests: a
 * repository whose open pull requests did not change costs a 304.
 */
export interface ReconcilerParts {
  appId: number;
  log: Logger;
  now: () => number;
  clients: InstallationClients;
  policies: PolicyCache;
  memory: PullMemory;
  evaluator: Evaluator;
  scheduler: Scheduler;
  queue: WorkQueue;
  /** Open pull requests read per repository. */
  maxOpenPulls: number;
}

export interface ReconcileCounts {
  repositories: number;
  pulls: number;
  queued: number;
}

export class Reconciler {
  #reconciled = 0;
  #lastAt = 0;
  #lastError: string | null = null;
  #stopped = false;

  constructor(private readonly parts: ReconcilerParts) {}

  get stats(): { reconciled: number; lastReconcileAt: number; lastReconcileError: string | null } {
    return { reconciled: this.#reconciled, lastReconcileAt: this.#lastAt, lastReconcileError: this.#lastError };
  }

  stop(): void {
    this.#stopped = true;
  }

  async reconcile(): Promise<ReconcileCounts> {
    const result = { repositories: 0, pulls: 0, queued: 0 };
    try {
      const appClient = await this.parts.clients.app();
      const installations = await listAll((page) => appClient.request("GET /app/installations", { per_page: 100, page }));
      for (const installation of installations) {
        if (this.#stopped) break;
        if (installation.suspended_at) continue;
        add(result, await this.#reconcileInstallation(Number(installation.id)));
      }
      this.#lastAt = this.parts.now();
      this.#lastError = null;
      this.#reconciled++;
    } catch (error) {
      this.#lastError = describeFailure(error);
      this.parts.log.warn({ err: error }, `changegate: reconciliation stopped: ${this.#lastError}`);
    }
    return result;
  }

  /** Reconciles one installation (a new one, or one that gained repositories). */
  async reconcileInstallation(installationId: number): Promise<ReconcileCounts> {
    try {
      return await this.#reconcileInstallation(installationId);
    } catch (error) {
      this.parts.log.warn({ err: error, installationId }, `changegate: could not reconcile installation ${installationId}: ${describeFailure(error)}`);
      return { repositories: 0, pulls: 0, queued: 0 };
    }
  }

  async #reconcileInstallation(installationId: number): Promise<ReconcileCounts> {
    const result = { repositories: 0, pulls: 0, queued: 0 };
    const client = await this.parts.clients.forInstallation(installationId);
    // Listed 100 a page under `repositories` (not a bare array), so the pages are walked here.
    const repositories: { name: string; owner: { login: string }; archived?: boolean }[] = [];
    for (let page = 1; ; page++) {
      const { data } = await client.request("GET /installation/repositories", { per_page: 100, page });
      repositories.push(...data.repositories);
      if (data.repositories.length < 100) break;
    }
    for (const repository of repositories) {
      if (repository.archived === true || this.#stopped) continue;
      result.repositories++;
      const counts = await this.#reconcileRepository(client, installationId, repository.owner.login, repository.name);
      result.pulls += counts.pulls;
      result.queued += counts.queued;
    }
    return result;
  }

  async #reconcileRepository(client: Client, installationId: number, owner: string, repo: string): Promise<{ pulls: number; queued: number }> {
    const pulls = (await listAll(
      (page) => client.request("GET /repos/{owner}/{repo}/pulls", { owner, repo, state: "open", sort: "updated", direction: "desc", per_page: 100, page }),
      this.parts.maxOpenPulls,
    )) as PullSnapshot[];
    let queued = 0;
    const enrolled = new Map<string, boolean>();
    for (const pull of pulls) {
      const key: PullKey = { installationId, owner, repo, number: pull.number };
      if (this.parts.memory.isCurrent(key, pull)) continue;
      if (!enrolled.has(pull.base.ref)) {
        const loaded = await this.parts.policies.load(client, { owner, repo, ref: pull.base.ref }, { scope: String(installationId) });
        enrolled.set(pull.base.ref, loaded.status !== "not-enrolled");
      }
      if (enrolled.get(pull.base.ref) !== true) continue;
      queued++;
      if (this.parts.memory.get(key) === undefined) {
        // Not seen by this process (a restart): read back what the check runs recorded first.
        this.parts.queue.push({ id: pullId(key), priority: PRIORITY.reconcile, run: () => this.#restore(client, key, pull) });
      } else {
        this.parts.evaluator.enqueue({ ...key, pull, trigger: "reconcile" }, PRIORITY.reconcile);
      }
    }
    return { pulls: pulls.length, queued };
  }

  /**
   * After a restart: a pull request whose runs are each current (they recorded the inputs
   * GitHub holds now: the PR's fields, its reviews, the policy's blobs; and their next
   * change is ahead; a failed evaluation records none) gets its boundary back from them;
   * any other is evaluated.
   */
  async #restore(client: Client, key: PullKey, pull: PullSnapshot): Promise<void> {
    const runs = await changegateCheckRuns(client, { owner: key.owner, repo: key.repo, headSha: pull.head.sha }, { appId: this.parts.appId });
    const now = this.parts.now();
    const recorded = runs.map((run) => recordedNextChange(run));
    let current = false;
    if (runs.length === 3 && runs.every((run) => recordedInputs(run) !== null && recordedDecisionKind(run) !== "unavailable")) {
      const loaded = await this.parts.policies.load(client, { owner: key.owner, repo: key.repo, ref: pull.base.ref }, { scope: String(key.installationId) });
      const reviews = loaded.status === "valid" ? await pullReviews(client, key.owner, key.repo, key.number) : [];
      const inputs = decisionInputs(pull, reviews, loaded.status === "not-enrolled" ? null : loaded.files);
      current = runs.every((run) => runIsCurrent(run, inputs, now));
    }
    if (!current) {
      await this.parts.evaluator.evaluatePull({ ...key, pull, trigger: "restore" });
      return;
    }
    this.parts.memory.remember(key, pull, 0, now);
    const next = recorded.find((value): value is number => typeof value === "number");
    if (next !== undefined) {
      const mergeable = runs.every((run) => run.conclusion !== "failure");
      this.parts.scheduler.set(key, { at: next, kind: "unknown", mergeable, headSha: pull.head.sha });
    }
  }
}

function add(total: ReconcileCounts, counts: ReconcileCounts): void {
  total.repositories += counts.repositories;
  total.pulls += counts.pulls;
  total.queued += counts.queued;
}
