import { evaluate, type Decision, type EvaluatedDecision } from "../engine/evaluate.js";
import type { Policy } from "../engine/policy.js";
import { loosens } from "../report/blocking.js";
import { renderChecks, type RenderedCheck, type RenderOptions } from "../report/checks.js";
import { gatherAndEvaluate, type Gathered, type GatherOptions } from "./gather.js";
import type { CheckPublisher } from "./publisher.js";
import type { PullRequestFields, PullRequestReader } from "./reader.js";

/**
 * The whole way through for one pull request under a valid policy: gather through the
 * reader, evaluate, render, publish. The App (check runs, through what it knows of them),
 * the Action (check runs) and the CLI (standard output) call it with their own reader and
 * publisher; a decision that is not an evaluation (no valid policy, GitHub failing) goes out
 * through `publishDecision`, to the same publisher.
 */
export interface Published extends Gathered {
  checks: RenderedCheck[];
  /** Writes the publisher made (0: nothing changed). */
  writes: number;
  /**
   * Decided ahead of a closing (`now` before `at`) but the boundary opens something that is
   * blocked now: no closing after all, so what holds now was published (`decision` is it).
   */
  deferred: boolean;
}

export interface PipelineOptions extends GatherOptions {
  /**
   * The instant it is, when `at` lies ahead of it: a closing flipped ahead of its instant
   * (the App's scheduler blocks pull requests before a freeze begins, at GitHub's write
   * pace), decided as of that instant. Unset: `at` is now.
   */
  now?: number;
  /**
   * Between deciding and rendering, what the door adds to the checks' text (the App asks
   * the missing teams for reviews and says whom). Called only for a decision as of now.
   */
  annotate?: (gathered: Gathered) => Promise<Pick<RenderOptions, "reviewRequests">>;
}

export async function evaluateAndPublish(reader: PullRequestReader, publisher: CheckPublisher, pull: PullRequestFields, policy: Policy, options: PipelineOptions): Promise<Published> {
  const { now = options.at, annotate, ...gatherOptions } = options;
  const gathered = await gatherAndEvaluate(reader, pull, policy, gatherOptions);
  if (now !== options.at) {
    const current: EvaluatedDecision = evaluate({ ...gathered.input, at: now });
    // Not a closing after all: publish what holds now (the caller opens it on time).
    if (loosens(current, gathered.decision)) return { ...(await publishGathered(publisher, { input: gathered.input, decision: current }, policy, options.at, {})), deferred: true };
  }
  const extra = annotate !== undefined && now === options.at ? await annotate(gathered) : {};
  return { ...(await publishGathered(publisher, gathered, policy, gathered.decision.nextChange?.at ?? null, extra)), deferred: false };
}

async function publishGathered(publisher: CheckPublisher, gathered: Gathered, policy: Policy, nextChange: number | null, extra: Pick<RenderOptions, "reviewRequests">): Promise<Omit<Published, "deferred">> {
  const checks = renderChecks(gathered.decision, { timezone: policy.timezone, ...extra });
  const writes = await publisher.publish(checks, nextChange, gathered.decision, gathered.input);
  return { ...gathered, checks, writes };
}

/**
 * A decision that is not an evaluation of a gathered pull request (an invalid policy,
 * GitHub failing: fail closed), rendered and published like any other. UTC unless the
 * policy's zone is known.
 */
export async function publishDecision(publisher: CheckPublisher, decision: Decision, nextChange: number | null, options: RenderOptions = { timezone: "UTC" }): Promise<{ checks: RenderedCheck[]; writes: number }> {
  const checks = renderChecks(decision, options);
  return { checks, writes: await publisher.publish(checks, nextChange, decision, null) };
}
