import type { Decision, EvaluationInput } from "../engine/evaluate.js";
import type { RenderedCheck } from "../report/checks.js";

/**
 * Where the pipeline puts a decision's three rendered checks: check runs on the head commit
 * (the App's and the Action's, github/check-runs.ts) or standard output (the CLI). Returns
 * how many writes it made (0: nothing changed).
 */
export interface CheckPublisher {
  /**
   * `decision`: what the checks render (a failed evaluation is a kind of decision, and is
   * recorded as such); `input`: what it was decided on, null when nothing was gathered (the
   * App's runs record digests of it, so a restart can tell a current run from a stale one).
   */
  publish(checks: readonly RenderedCheck[], nextChange: number | null, decision: Decision, input: EvaluationInput | null): Promise<number>;
}
