import type { Policy } from "../engine/policy.js";
import { renderChecks, type RenderedCheck } from "../report/checks.js";
import { gatherAndEvaluate, type Gathered, type GatherOptions } from "./gather.js";
import type { CheckPublisher } from "./publisher.js";
import type { PullRequestFields, PullRequestReader } from "./reader.js";

/**
 * The whole way through for one pull request under a valid policy: gather through the
 * reader, evaluate, render, publish. The App (check runs, through what it knows of them),
 * the Action (check runs) and the CLI (standard output) call it with their own reader and
 * publisher; what each does when there is no valid policy is its own (the App and the
 * Action publish failing checks, the CLI exits 2).
 */
export interface Published extends Gathered {
  checks: RenderedCheck[];
  /** Writes the publisher made (0: nothing changed). */
  writes: number;
}

export async function evaluateAndPublish(reader: PullRequestReader, publisher: CheckPublisher, pull: PullRequestFields, policy: Policy, options: GatherOptions): Promise<Published> {
  const gathered = await gatherAndEvaluate(reader, pull, policy, options);
  const checks = renderChecks(gathered.decision, { timezone: policy.timezone });
  const writes = await publisher.publish(checks, gathered.decision.nextChange?.at ?? null, gathered.decision, gathered.input);
  return { ...gathered, checks, writes };
}
