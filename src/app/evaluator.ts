import { evaluate, type Decision, type NextChange } from "../engine/evaluate.js";
import { changegateCheckRuns } from "../github/check-runs.js";
import { pullContentKey } from "../github/pull-freshness.js";
import { branchName, pullsInMergeGroup, type MergeGroup } from "../github/merge-group.js";
import type { PolicyCache } from "./policy-cache.js";
import type { LoadedPolicy } from "../github/policy-source.js";
import { restReader } from "../github/rest-reader.js";
import { mergeGroupChecks } from "../pipeline/merge-group.js";
import { evaluateAndPublish, publishDecision } from "../pipeline/pipeline.js";
import type { CheckPublisher } from "../pipeline/publisher.js";
import type { PullRequestReader } from "../pipeline/reader.js";
import { blockingChecks } from "../report/blocking.js";
import { CHECK_NAMES, type RenderedCheck } from "../report/checks.js";
import { renderNotEnrolled } from "../report/not-enrolled.js";
import type { GatherCaches, PullSnapshot } from "./caching-reader.js";
import type { AppCheckPublisher } from "./check-publisher.js";
import type { InstallationClients } from "./clients.js";
import { describeFailure } from "./errors.js";
import type { Locks } from "./lock.js";
import type { PullMemory } from "./pull-memory.js";
import type { ReviewRequester } from "./review-requests.js";
import { isClosing, pullId, urgency, type Boundary, type BoundaryKind, type PullKey, type Scheduler, type WorkQueue } from "./scheduler.js";
import type { Client, EvaluateOutcome, EvaluateRequest, Logger, ServiceOptions, Trigger } from "./service.js";
import { URGENCY, withUrgency, type UrgencyLevel } from "./write-urgency.js";

/**
 * Evaluates a pull request and publishes its three checks, the App's one way through: under
 * a lock per head commit (replicas write each run once), through the pipeline (the REST
 * reader behind the App's caches; render; publish), failing closed (a failure is published
 * and a retry scheduled), and leaving its next boundary with the Scheduler. Merge groups go
 * the same way, each member judged by the policy of the branch the group merges into.
 */
const CHECK_ORDER = [CHECK_NAMES.risk, CHECK_NAMES.schedule, CHECK_NAMES.approvals];

export interface EvaluatorParts {
  appId: number;
  log: Logger;
  now: () => number;
  clients: InstallationClients;
  policies: PolicyCache;
  caches: GatherCaches;
  locks: Locks;
  memory: PullMemory;
  publisher: AppCheckPublisher;
  scheduler: Scheduler;
  queue: WorkQueue;
  /** `approvals.request_reviews`: asks the missing teams for reviews (app/review-requests.ts). */
  reviewRequests: ReviewRequester;
  options: Pick<ServiceOptions, "retryDelaysMs">;
}

export class Evaluator {
  #evaluations = 0;
  #failures = 0;
  #stopped = false;

  constructor(private readonly parts: EvaluatorParts) {}

  get stats(): { evaluations: number; failures: number } {
    return { evaluations: this.#evaluations, failures: this.#failures };
  }

  stop(): void {
    this.#stopped = true;
  }

  /** What an evaluation reads through: the REST reader with this process's caches in front. */
  reader(client: Client, installationId: number, owner: string, repo: string, fresh = false): PullRequestReader {
    return this.parts.caches.reader(restReader(client, owner, repo), { scope: String(installationId), fresh });
  }

  /**
   * Evaluates one pull request and publishes its checks. Never throws: a failure is published
   * (fail closed) and retried. Its writes queue at the urgency of its trigger (a revoking run
   * goes first whatever the trigger: check-publisher.ts).
   */
  evaluatePull(request: EvaluateRequest): Promise<EvaluateOutcome> {
    return withUrgency({ level: urgencyOf(request.trigger), since: this.parts.now() }, () => this.#evaluatePull(request));
  }

  async #evaluatePull(request: EvaluateRequest): Promise<EvaluateOutcome> {
    const key: PullKey = { installationId: request.installationId, owner: request.owner, repo: request.repo, number: request.number };
    let client: Client;
    let pull: PullSnapshot;
    let fromPayload: boolean;
    try {
      // The installation's own client, kept for most of its token's hour with conditional
      // requests installed once (every client of one installation shares its write pace: octokit.ts).
      client = await this.parts.clients.forInstallation(request.installationId);
      ({ pull, fromPayload } = await this.#currentPull(client, key, request.pull));
    } catch (error) {
      return this.#failed(key, null, null, error);
    }
    for (;;) {
      if (pull.state === "closed") {
        this.forget(key);
        return { status: "closed", writes: 0 };
      }
      const lockKey = `${request.owner}/${request.repo}@${pull.head.sha}`.toLowerCase();
      const decided = pull;
      try {
        const outcome = await this.parts.locks.run(lockKey, () => this.#evaluateLocked(client, key, decided, request, fromPayload));
        if (!("newer" in outcome)) return outcome;
        // GitHub holds a newer pull request than the payload said: decided on again.
        pull = outcome.newer;
        fromPayload = false;
      } catch (error) {
        return this.#failed(key, client, decided, error);
      }
    }
  }

  /** Forgets a closed pull request. */
  forget(key: PullKey): void {
    this.parts.scheduler.delete(key);
    this.parts.memory.forget(key);
  }

  /** Queues an evaluation (policy changes, reconciliation). */
  enqueue(request: Omit<EvaluateRequest, "client">, priority: number): void {
    this.parts.queue.push({ id: pullId(request), priority, run: async () => void (await this.evaluatePull(request)) });
  }

  /** A boundary the Scheduler found due. */
  enqueueBoundary(boundary: Boundary): void {
    this.parts.queue.push({
      id: pullId(boundary.pull),
      priority: urgency(boundary),
      run: async () => void (await this.evaluatePull({ ...boundary.pull, pull: null, trigger: boundary.kind === "retry" ? "retry" : "schedule", boundary })),
    });
  }

  async #currentPull(client: Client, key: PullKey, given: PullSnapshot | null): Promise<{ pull: PullSnapshot; fromPayload: boolean }> {
    // A payload is a hint: unless its stamp proves it newer than what was decided on, GitHub is asked.
    if (given !== null && this.parts.memory.provesCurrent(key, given)) return { pull: given, fromPayload: true };
    return { pull: await this.#readPull(client, key), fromPayload: false };
  }

  async #readPull(client: Client, key: PullKey): Promise<PullSnapshot> {
    const { data } = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: key.owner, repo: key.repo, pull_number: key.number });
    return data as PullSnapshot;
  }

  async #evaluateLocked(client: Client, key: PullKey, pull: PullSnapshot, request: EvaluateRequest, fromPayload: boolean): Promise<EvaluateOutcome | { newer: PullSnapshot }> {
    const { scheduler, memory } = this.parts;
    this.#evaluations++;
    const now = this.parts.now();
    const remember = () => memory.remember(key, pull, 0, now);
    const loaded = await this.parts.policies.load(client, { owner: key.owner, repo: key.repo, ref: pull.base.ref }, { scope: String(key.installationId), fresh: request.fresh === true });
    if (loaded.status === "not-enrolled") {
      scheduler.delete(key);
      // Runs from when the branch had a policy (or the PR had another base) turn neutral; elsewhere a not-enrolled PR costs nothing.
      const retargeted = request.trigger === "retarget" || (memory.get(key)?.baseRef ?? pull.base.ref) !== pull.base.ref;
      const writes = request.trigger === "policy-change" || request.fresh === true || retargeted ? await this.#neutralize(client, key, pull) : 0;
      remember();
      return { status: "not-enrolled", writes };
    }

    const onHead = this.parts.publisher.on(client, key.installationId, key.owner, key.repo, pull.head.sha, { pull, policyFiles: loaded.files });
    const seen: { newer: PullSnapshot | null } = { newer: null };
    const publisher: CheckPublisher = fromPayload ? this.#confirmingPasses(client, key, pull, onHead, seen) : onHead;
    if (loaded.status === "invalid") {
      const decision: Decision = { kind: "policy-invalid", problems: loaded.problems };
      const { checks, writes } = await publishDecision(publisher, decision, null);
      remember();
      scheduler.delete(key);
      return { status: "published", writes, decision, checks };
    }

    const boundary = request.boundary ?? null;
    // A closing is flipped ahead of its instant, decided as of that instant (the pipeline
    // publishes what holds now instead when the boundary would open something).
    const at = boundary !== null && isClosing(boundary.kind) && boundary.at > now ? boundary.at : now;
    const reader = this.reader(client, key.installationId, key.owner, key.repo, request.fresh === true);
    const policy = loaded.policy;
    const result = await evaluateAndPublish(reader, publisher, pull, policy, {
      at,
      now,
      annotate: async ({ decision, input }) =>
        policy.approvals.request_reviews ? { reviewRequests: await this.parts.reviewRequests.request(client, key, pull, decision, input, reader) } : {},
    });
    if (seen.newer !== null) return { newer: seen.newer };
    remember();
    const { decision, checks, writes } = result;
    if (result.deferred) {
      // Not a closing after all: open on time.
      scheduler.set(key, { at: boundary!.at, kind: "opens", mergeable: mergeableAfter(checks, "opens"), headSha: pull.head.sha });
      return { status: "deferred", writes, decision, checks };
    }
    const next = decision.nextChange;
    if (next !== null && next !== undefined) {
      // What the next boundary does to what this decision blocks (the engine again, as of it): the Scheduler budgets its lead by the passes it revokes.
      const kind = boundaryKind(decision, evaluate({ ...result.input, at: next.at }), next.kind);
      scheduler.set(key, { at: next.at, kind, mergeable: mergeableAfter(checks, kind), headSha: pull.head.sha });
    } else {
      scheduler.delete(key);
    }
    return { status: "published", writes, decision, checks };
  }

  /**
   * A payload proven newer than the last decision may still be older than what GitHub holds
   * (an edit after it, delivered later): it may take a pass away, but a pass it would give
   * stands only if the pull request, read now, says what the payload said. Otherwise nothing
   * is published and `seen.newer` holds the pull request as read, to be decided on.
   */
  #confirmingPasses(client: Client, key: PullKey, pull: PullSnapshot, publisher: CheckPublisher, seen: { newer: PullSnapshot | null }): CheckPublisher {
    return {
      publish: async (checks, nextChange, decision, input) => {
        if (await this.parts.publisher.wouldGrant(key.installationId, key.owner, key.repo, pull.head.sha, checks)) {
          const read = await this.#readPull(client, key);
          if (pullContentKey(read) !== pullContentKey(pull)) {
            seen.newer = read;
            return 0;
          }
        }
        return publisher.publish(checks, nextChange, decision, input);
      },
    };
  }

  /** A branch without a policy: changegate's runs already on the head (from when it had one) turn neutral. */
  async #neutralize(client: Client, key: PullKey, pull: PullSnapshot): Promise<number> {
    const runs = await changegateCheckRuns(client, { owner: key.owner, repo: key.repo, headSha: pull.head.sha }, { appId: this.parts.appId });
    if (runs.length === 0) return 0;
    const checks = renderNotEnrolled(pull.base.ref, CHECK_ORDER.filter((name) => runs.some((run) => run.name === name)));
    return this.parts.publisher.on(client, key.installationId, key.owner, key.repo, pull.head.sha).publishNeutral(checks);
  }

  /** Fails closed: the checks say why and that changegate retries; a retry is scheduled. */
  async #failed(key: PullKey, client: Client | null, pull: PullSnapshot | null, error: unknown): Promise<EvaluateOutcome> {
    this.#failures++;
    const reason = describeFailure(error);
    const id = pullId(key);
    const failures = this.parts.memory.failed(key, pull, this.parts.now());
    const delays = this.parts.options.retryDelaysMs ?? [30_000, 120_000, 300_000, 600_000];
    const retryAt = this.parts.now() + (delays[Math.min(failures, delays.length) - 1] ?? 600_000);
    this.parts.log.warn({ err: error, pull: id, failures }, `changegate: could not evaluate ${id}: ${reason}`);
    let writes = 0;
    if (client !== null && pull !== null) {
      try {
        writes = (await publishDecision(this.parts.publisher.on(client, key.installationId, key.owner, key.repo, pull.head.sha), { kind: "unavailable", reason }, retryAt)).writes;
      } catch (publishError) {
        this.parts.log.warn({ err: publishError, pull: id }, "changegate: could not publish the failure either");
      }
    }
    if (!this.#stopped) this.parts.scheduler.set(key, { at: retryAt, kind: "retry", mergeable: false, headSha: pull?.head.sha ?? null });
    return { status: "failed", writes, error: reason };
  }

  /** The three checks on a merge group's head, from the pull requests in it (the merge queue waits for them). */
  evaluateMergeGroup(client: Client, installationId: number, owner: string, repo: string, group: MergeGroup): Promise<EvaluateOutcome> {
    return withUrgency({ level: URGENCY.person, since: this.parts.now() }, () => this.#evaluateMergeGroup(client, installationId, owner, repo, group));
  }

  async #evaluateMergeGroup(client: Client, installationId: number, owner: string, repo: string, group: MergeGroup): Promise<EvaluateOutcome> {
    this.parts.clients.prepare(client, installationId);
    const publisher = this.parts.publisher.on(client, installationId, owner, repo, group.head_sha);
    try {
      return await this.parts.locks.run(`${owner}/${repo}@${group.head_sha}`.toLowerCase(), async () => {
        const loaded: LoadedPolicy = await this.parts.policies.load(client, { owner, repo, ref: branchName(group.base_ref) }, { scope: String(installationId) });
        if (loaded.status === "not-enrolled") return { status: "not-enrolled" as const, writes: 0 };
        if (loaded.status === "invalid") {
          const { checks, writes } = await publishDecision(publisher, { kind: "policy-invalid", problems: loaded.problems }, null);
          return { status: "published" as const, writes, checks };
        }
        const readPull = async (number: number) => (await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner, repo, pull_number: number })).data as PullSnapshot;
        const numbers = await pullsInMergeGroup(client, owner, repo, group);
        const checks = await mergeGroupChecks(this.reader(client, installationId, owner, repo), readPull, numbers, loaded.policy, { at: this.parts.now() });
        const writes = await publisher.publishNeutral(checks);
        return { status: "published" as const, writes, checks };
      });
    } catch (error) {
      const reason = describeFailure(error);
      this.parts.log.warn({ err: error, group: group.head_sha }, `changegate: could not evaluate merge group ${group.head_sha}: ${reason}`);
      const writes = await publishDecision(publisher, { kind: "unavailable", reason }, null).then((published) => published.writes, () => 0);
      return { status: "failed", writes, error: reason };
    }
  }
}

/**
 * What a boundary does, from the decision published now and the one at the boundary: it
 * closes when anything passing now is blocked then (a schedule closing always does), opens
 * when anything blocked now passes then, and otherwise only changes what the checks say (a
 * risk score that moves within what the gates require).
 */
export function boundaryKind(published: Decision, atBoundary: Decision, engineKind: NextChange["kind"]): BoundaryKind {
  const before = blockingChecks(published);
  const after = blockingChecks(atBoundary);
  if (engineKind === "schedule-closes" || [...after].some((name) => !before.has(name))) return "closes";
  if (engineKind === "schedule-opens" || [...before].some((name) => !after.has(name))) return "opens";
  return "changes";
}

/** A webhook's evaluation is one a person waits for; the rest is background work. */
function urgencyOf(trigger: Trigger): UrgencyLevel {
  switch (trigger) {
    case "opened":
    case "webhook":
    case "retarget":
    case "rerequested":
      return URGENCY.person;
    case "policy-change":
    case "schedule":
    case "retry":
    case "reconcile":
    case "restore":
      return URGENCY.background;
  }
}

/** Whether the pull request can merge once the boundary passes (its other checks pass). */
function mergeableAfter(checks: readonly RenderedCheck[], kind: BoundaryKind): boolean {
  const relevant = kind === "opens" ? checks.filter((check) => check.name !== CHECK_NAMES.schedule) : checks;
  return relevant.every((check) => check.conclusion !== "failure");
}
