import { decisionRecord, type UnsealedDeploymentRecord } from "../audit/deployment-record.js";
import { appendRecord } from "../audit/github-trail.js";
import { deploymentIndexPath } from "../audit/layout.js";
import { trailOf } from "../audit/merge.js";
import type { GateDecision } from "../engine/gate.js";
import { describeGateBlocker, gateReason } from "../report/gate.js";
import type { Policy } from "../engine/policy.js";
import { POLICY_PATH } from "../engine/policy-path.js";
import { formatProblem } from "../engine/problems.js";
import { statusOf } from "../github/access.js";
import { changesToDeploy, TooManyCommitsError } from "../github/changes-to-deploy.js";
import { judgeDeployment } from "../github/judge-deployment.js";
import { formatInstant } from "../report/checks.js";
import { recoverHolds, type RecoveryOptions } from "./deployment-recovery.js";
import { holdKey, MemoryHoldStore, type DeploymentDeps, type Hold, type HoldStore, type ProtectionRequest } from "./deployment-holds.js";
import type { Client } from "./service.js";
import { atLevel, URGENCY } from "./write-urgency.js";

/**
 * The App as a custom deployment protection rule (SPEC §12). On `deployment_protection_rule`
 * it decides as the Action's `mode: gate` does (judgeDeployment) and answers through the
 * run's callback:
 *
 * - allowed: approved, the comment says why;
 * - blocked only by time (a window, a blackout, a freeze): held. The run is told why and until
 *   when (a comment without a state), the hold is stored, and a timer releases it when the
 *   block ends: everything is read afresh then (a freeze declared meanwhile still holds it)
 *   and it is approved. No webhook and no request while it waits;
 * - anything else (missing approvals, no change request, direct pushes, no or an invalid
 *   policy): rejected at once, the comment says what is missing.
 *
 * One answer per run and environment: a redelivered webhook finds it answered (the store),
 * and a callback that fails or whose answer is lost is sent again only after the run's
 * pending deployments show the environment still waiting (an answer that landed removed it).
 * When changegate cannot decide (GitHub failing), nothing is answered: the delivery fails and
 * is redelivered (fail closed: the job keeps waiting, it is never let through by accident).
 */
export interface DeploymentRuleOptions {
  store?: HoldStore;
  /** Waits before each re-send of a failed callback. */
  retryDelaysMs?: readonly number[];
  /** The App's own client (deliveries): holds are found again through them after a restart without Redis. */
  appClient?: () => Promise<Client>;
  /** Wait before trying a release again when GitHub failed at it (default 60 s). */
  releaseRetryMs?: number;
}

export type RuleOutcome = { status: "approved" | "rejected" | "held" | "already-answered" | "not-pending" };

const DEFAULT_RETRY_DELAYS = [1_000, 4_000, 9_000];
/** setTimeout's limit; a longer hold re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class DeploymentRule {
  readonly store: HoldStore;
  readonly #service: DeploymentDeps;
  readonly #retryDelays: readonly number[];
  readonly #appClient: (() => Promise<Client>) | null;
  readonly #releaseRetryMs: number;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #stopped = false;
  /** Answers sent with a state (for /healthz and tests). */
  answers = 0;

  constructor(service: DeploymentDeps, options: DeploymentRuleOptions = {}) {
    this.#service = service;
    this.store = options.store ?? new MemoryHoldStore();
    this.#retryDelays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS;
    this.#appClient = options.appClient ?? null;
    this.#releaseRetryMs = options.releaseRetryMs ?? 60_000;
  }

  /** Without Redis, after a restart: the holds found again through the App's deliveries (deployment-recovery.ts). */
  async recover(options: RecoveryOptions = {}): Promise<number> {
    if (this.#appClient === null) return 0;
    return recoverHolds(this.#service, this, this.#appClient, options);
  }

  /** Arms a timer for every stored hold (after a restart, or on a new replica); one already due is released at once. */
  async start(): Promise<number> {
    const holds = await this.store.holds();
    for (const hold of holds) this.#arm(hold);
    return holds.length;
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  get held(): number {
    return this.#timers.size;
  }

  /** A `deployment_protection_rule` webhook. */
  async requested(client: Client, request: ProtectionRequest): Promise<RuleOutcome> {
    const key = holdKey(request);
    return this.#service.exclusive(`deploy:${key}`, async () => {
      const answered = await this.store.answered(key);
      if (answered !== null) {
        // The answer landed; its record may not have (it is written once, by index).
        if (answered.record !== null) await this.#record(client, request, answered.record);
        return { status: "already-answered" };
      }
      if ((await this.store.hold(key)) !== null) return { status: "held" };
      return this.#decide(client, request, "requested");
    });
  }

  async #decide(client: Client, request: ProtectionRequest, why: "requested" | "released"): Promise<RuleOutcome> {
    const key = holdKey(request);
    const at = this.#service.now();
    const judged = await this.#judge(client, request, at);
    if (judged.kind === "refused") {
      await this.#answer(client, request, "rejected", judged.reason, null);
      return { status: "rejected" };
    }
    const { decision, policy } = judged;
    const reason = ruleReason(decision, policy.timezone);
    const facts = this.#facts(request);
    if (decision.allowed) {
      await this.#answer(client, request, "approved", reason, { record: decisionRecord(why === "released" ? "released" : "approved", decision, reason, facts), policy });
      return { status: "approved" };
    }
    if (decision.waitable && decision.opensAt !== null) {
      const hold: Hold = { ...request, opensAt: decision.opensAt, heldAt: at };
      const first = (await this.store.hold(key)) === null;
      await this.store.put(hold);
      this.#arm(hold);
      if (first && why === "requested") {
        await this.#append(client, request, decisionRecord("held", decision, reason, facts), policy);
        await this.#comment(client, request, `${reason}. changegate holds this deployment and approves it when the schedule opens, with no runner waiting.`);
      }
      return { status: "held" };
    }
    await this.#answer(client, request, "rejected", reason, { record: decisionRecord("rejected", decision, reason, facts), policy });
    return { status: "rejected" };
  }

  /** The timer of a hold: decide again, now. */
  async release(key: string): Promise<RuleOutcome | null> {
    this.#timers.delete(key);
    if (this.#stopped) return null;
    return this.#service.exclusive(`deploy:${key}`, async () => {
      const hold = await this.store.hold(key);
      // Released by another replica meanwhile, or not due yet (re-held until later by another replica).
      if (hold === null) return null;
      if (hold.opensAt > this.#service.now()) {
        this.#arm(hold);
        return null;
      }
      const client = await this.#service.installationClient(hold.installationId);
      if (!(await this.#stillPending(client, hold))) {
        // Cancelled, timed out, or answered already: nothing to release.
        await this.store.remove(key);
        return { status: "not-pending" as const };
      }
      const outcome = await this.#decide(client, hold, "released");
      if (outcome.status !== "held") await this.store.remove(key);
      return outcome;
    }).catch((error: unknown) => {
      // GitHub failing at the release: try again shortly (the hold stays).
      this.#service.log.warn({ err: error, hold: key }, "changegate: a held deployment could not be released yet; retrying");
      void this.store.hold(key).then((hold) => hold !== null && this.#arm({ ...hold, opensAt: this.#service.now() + this.#releaseRetryMs }));
      return null;
    });
  }

  #arm(hold: Hold): void {
    const key = holdKey(hold);
    const existing = this.#timers.get(key);
    if (existing !== undefined) clearTimeout(existing);
    if (this.#stopped) return;
    const wait = Math.max(0, hold.opensAt - this.#service.now());
    const timer = setTimeout(() => void (wait > MAX_TIMER_MS ? this.#arm(hold) : this.release(key)), Math.min(wait, MAX_TIMER_MS));
    timer.unref();
    this.#timers.set(key, timer);
  }

  async #judge(client: Client, request: ProtectionRequest, at: number): Promise<{ kind: "decided"; decision: GateDecision; policy: Policy } | { kind: "refused"; reason: string }> {
    const { owner, repo, sha, environment, defaultBranch } = request;
    try {
      // The policy (usually cached) and the deployment history are read at once.
      const policy = this.#service.loadPolicy(client, { owner, repo, ref: defaultBranch }, request.installationId);
      policy.catch(() => undefined); // awaited in judgeDeployment, unless the history fails first
      const changes = await changesToDeploy(client, { owner, repo, sha, environment });
      const judged = await judgeDeployment(client, { owner, repo, sha, environment }, changes, () => policy, at);
      if (judged.status === "not-enrolled") return { kind: "refused", reason: `Rejected: ${owner}/${repo} is not enrolled (${defaultBranch} has no ${POLICY_PATH}), so changegate has no policy to decide by` };
      if (judged.status === "invalid") return { kind: "refused", reason: `Rejected: the policy on ${defaultBranch} is invalid, so changegate fails closed: ${formatProblem(judged.problems[0]!)}` };
      return { kind: "decided", decision: judged.decision, policy: judged.policy };
    } catch (error) {
      if (error instanceof TooManyCommitsError) return { kind: "refused", reason: `Rejected: ${error.message}` };
      throw error;
    }
  }

  /**
   * Sends the answer once. The POST goes out with the retry plugin off; when it fails (a 5xx,
   * a dropped connection, a lost answer) the run's pending deployments decide: still waiting
   * on this environment, it is sent again; no longer waiting, the first one landed.
   */
  async #answer(client: Client, request: ProtectionRequest, state: "approved" | "rejected", comment: string, recorded: { record: UnsealedDeploymentRecord; policy: Policy } | null): Promise<void> {
    const key = holdKey(request);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#post(client, request, { state, comment });
        break;
      } catch (error) {
        const status = statusOf(error);
        if (status !== null && status >= 400 && status < 500) {
          // Refused: the run no longer waits (cancelled, timed out, answered by hand) is settled; anything else fails the delivery.
          if (await this.#stillPending(client, request)) throw error;
          await this.store.markAnswered(key, { state, at: this.#service.now(), record: null });
          return;
        }
        if (attempt >= this.#retryDelays.length) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.#retryDelays[attempt]));
        if (!(await this.#stillPending(client, request))) break;
      }
    }
    this.answers++;
    await this.store.markAnswered(key, { state, at: this.#service.now(), record: recorded?.record ?? null });
    if (recorded !== null) {
      if (request.deploymentId !== null) await this.store.rememberShipped(`${request.owner}/${request.repo}`, request.deploymentId, recorded.record);
      await this.#append(client, request, recorded.record, recorded.policy);
      await this.store.markAnswered(key, { state, at: this.#service.now(), record: null });
    }
  }

  /** A comment alone: the run shows why it waits. Not retried (a lost one only costs the explanation). */
  async #comment(client: Client, request: ProtectionRequest, comment: string): Promise<void> {
    try {
      await this.#post(client, request, { comment });
    } catch (error) {
      this.#service.log.warn({ err: error, run: request.runId }, "changegate: could not post the hold's comment on the run");
    }
  }

  async #post(client: Client, request: ProtectionRequest, body: { state?: "approved" | "rejected"; comment: string }): Promise<void> {
    // A deploy job waits for this answer: ahead of the installation's background writes.
    await atLevel(URGENCY.person, () => client.request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule", {
      owner: request.owner,
      repo: request.repo,
      run_id: request.runId,
      environment_name: request.environment,
      ...body,
      comment: body.comment.slice(0, 1_000),
      request: { retries: 0 },
    } as never));
  }

  /** Whether the run still waits on this environment (GitHub's pending deployments). */
  isPending(client: Client, request: ProtectionRequest): Promise<boolean> {
    return this.#stillPending(client, request);
  }

  async #stillPending(client: Client, request: ProtectionRequest): Promise<boolean> {
    try {
      const { data } = await client.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments", { owner: request.owner, repo: request.repo, run_id: request.runId });
      return data.some((pending) => pending.environment.name === request.environment);
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  async #record(client: Client, request: ProtectionRequest, record: UnsealedDeploymentRecord): Promise<void> {
    const loaded = await this.#service.loadPolicy(client, { owner: request.owner, repo: request.repo, ref: request.defaultBranch }, request.installationId);
    if (loaded.status !== "valid") return;
    await this.#append(client, request, record, loaded.policy);
    await this.store.markAnswered(holdKey(request), { state: record.event === "rejected" ? "rejected" : "approved", at: this.#service.now(), record: null });
  }

  async #append(client: Client, request: ProtectionRequest, record: UnsealedDeploymentRecord, policy: Policy): Promise<void> {
    const repository = `${request.owner}/${request.repo}`;
    const id = request.deploymentId ?? request.runId;
    await appendRecord(
      client,
      trailOf({ owner: request.owner, repo: request.repo, policy }),
      { repository, number: id, entry: deploymentIndexPath(repository, id, record.event), label: `${repository} deployment ${id} to ${request.environment} ${record.event}` },
      async () => record,
    );
  }

  #facts(request: ProtectionRequest) {
    return {
      repository: `${request.owner}/${request.repo}`,
      deployment: { id: request.deploymentId, environment: request.environment, sha: request.sha, ref: request.ref, run_id: request.runId },
      recordedAt: new Date(this.#service.now()).toISOString(),
      recordedBy: "app" as const,
    };
  }
}

/** The comment on the run: the verdict, then every blocker (a rejection says all that is missing). */
export function ruleReason(decision: GateDecision, zone: string): string {
  if (decision.wouldAllow || decision.blockers.length <= 1) return gateReason(decision, zone);
  const listed = decision.blockers.map((blocker) => describeGateBlocker(blocker, zone));
  const opens = decision.opensAt === null ? "" : ` · opens ${formatInstant(decision.opensAt, zone)}`;
  return `${decision.enforcement === "report" ? "Report only (would block)" : "Blocked"}: ${listed.join("; ")}${opens}`;
}
