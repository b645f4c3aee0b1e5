import type { Decision, EvaluationInput } from "../engine/evaluate.js";
import { grants, publishChecks, revokes, type CheckChange, type DecisionInputs, type PublishedCheck } from "../github/check-runs.js";
import { decisionInputs } from "../github/decision-inputs.js";
import type { CheckPublisher } from "../pipeline/publisher.js";
import type { PullSnapshot } from "../pipeline/reader.js";
import type { RenderedCheck } from "../report/checks.js";
import type { KnownRuns } from "./known-runs.js";
import { REEVALUATE_ACTION, type Client } from "./service.js";
import { atLevel, URGENCY } from "./write-urgency.js";

/** A revocation goes first in the installation's write queue: until it is written, the merge button is green. */
function revocationFirst<T>(change: CheckChange, write: () => Promise<T>): Promise<T> {
  return revokes(change) ? atLevel(URGENCY.revocation, write) : write();
}

/** What a decision was made on besides what the pipeline gathers: the pull request as read, the policy's files (null: none). */
export interface DecidedOn {
  pull: PullSnapshot;
  policyFiles: readonly { sha: string }[] | null;
}

/**
 * The App's check publisher: check runs on a head commit, through what `KnownRuns` holds of
 * them (an unchanged decision writes nothing and lists nothing), with the Re-evaluate button;
 * a run that turns from passing to blocking is written at the urgency of a revocation.
 */
export class AppCheckPublisher {
  #writes = 0;

  constructor(
    private readonly appId: number,
    private readonly knownRuns: KnownRuns,
    private readonly options: { createRetryDelayMs: number; now: () => number },
  ) {}

  /** Writes made so far (for /healthz). */
  get writes(): number {
    return this.#writes;
  }

  /** Whether publishing `checks` would give a pass that the head's runs, as known here, do not show (unknown runs: it would). */
  async wouldGrant(installationId: number, owner: string, repo: string, headSha: string, checks: readonly RenderedCheck[]): Promise<boolean> {
    const known = await this.knownRuns.peek(runsKey(installationId, owner, repo, headSha));
    return checks.some((check) => grants({ name: check.name, from: known === null ? null : known.has(check.name) ? (known.get(check.name)!.conclusion ?? null) : undefined, to: check.conclusion }));
  }

  /**
   * The pipeline's publisher for one head commit of one installation's repository. With
   * `decidedOn` (the pull request and the policy's files as read), the runs record digests
   * of what the decision was made on: those, and the reviews the pipeline gathered.
   */
  on(client: Client, installationId: number, owner: string, repo: string, headSha: string, decidedOn: DecidedOn | null = null): CheckPublisher & { publishNeutral(checks: readonly RenderedCheck[]): Promise<number> } {
    const key = runsKey(installationId, owner, repo, headSha);
    const recorded = (input: EvaluationInput | null): DecisionInputs | null => (decidedOn === null ? null : decisionInputs(decidedOn.pull, input?.reviews ?? [], decidedOn.policyFiles));
    return {
      publishNeutral: (checks) => this.#publish(client, key, { owner, repo, headSha }, checks, null, null, null),
      publish: (checks, nextChange, decision, input) => this.#publish(client, key, { owner, repo, headSha }, checks, nextChange, decision, recorded(input)),
    };
  }

  async #publish(client: Client, key: string, target: { owner: string; repo: string; headSha: string }, checks: readonly RenderedCheck[], nextChange: number | null, decision: Decision | null, inputs: DecisionInputs | null): Promise<number> {
    const known = await this.knownRuns.take(key);
    let published: PublishedCheck[];
    try {
      published = await publishChecks(client, target, checks, nextChange, null, {
        appId: this.appId,
        known,
        ...(decision === null ? {} : { decision: decision.kind }),
        actions: [REEVALUATE_ACTION],
        createRetryDelayMs: this.options.createRetryDelayMs,
        now: this.options.now,
        // What the decision was made on (restore compares it with what GitHub holds then).
        inputs,
        // The scheduler keeps the next change: a run is rewritten only for what a person sees.
        externalIdIsContent: false,
        aroundWrite: revocationFirst,
      });
    } catch (error) {
      this.knownRuns.forget(key);
      throw error;
    }
    await this.knownRuns.remember(key, new Map(published.map((check) => [check.name, check.known])));
    const writes = published.filter((check) => check.action !== "unchanged").length;
    this.#writes += writes;
    return writes;
  }
}

function runsKey(installationId: number, owner: string, repo: string, headSha: string): string {
  return `${installationId}|${owner}/${repo}@${headSha}`.toLowerCase();
}
