import type { Decision, EvaluationInput } from "../engine/evaluate.js";
import { publishChecks, type DecisionInputs, type PublishedCheck } from "../github/check-runs.js";
import { decisionInputs } from "../github/decision-inputs.js";
import type { CheckPublisher } from "../pipeline/publisher.js";
import type { PullSnapshot } from "../pipeline/reader.js";
import type { RenderedCheck } from "../report/checks.js";
import type { KnownRuns } from "./known-runs.js";
import { REEVALUATE_ACTION, type Client } from "./service.js";

/** What a decision was made on besides what the pipeline gathers: the pull request as read, the policy's files (null: none). */
export interface DecidedOn {
  pull: PullSnapshot;
  policyFiles: readonly { sha: string }[] | null;
}

/**
 * The App's check publisher: check runs on a head commit, through what `KnownRuns` holds of
 * them (an unchanged decision writes nothing and lists nothing), with the Re-evaluate button.
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

  /**
   * The pipeline's publisher for one head commit of one installation's repository. With
   * `decidedOn` (the pull request and the policy's files as read), the runs record digests
   * of what the decision was made on: those, and the reviews the pipeline gathered.
   */
  on(client: Client, installationId: number, owner: string, repo: string, headSha: string, decidedOn: DecidedOn | null = null): CheckPublisher & { publishNeutral(checks: readonly RenderedCheck[]): Promise<number> } {
    const key = `${installationId}|${owner}/${repo}@${headSha}`.toLowerCase();
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
