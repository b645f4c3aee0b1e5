import { createHash } from "node:crypto";
import { contentsDigest, recordedContents, recordedDecisionKind, recordedInputs, recordedNextChange, type ChangegateCheckRun, type DecisionInputs } from "./check-runs.js";
import type { PullSnapshot } from "../pipeline/reader.js";
import { pullContentKey } from "./pull-freshness.js";

/**
 * The inputs a decision is made on, as short digests a check run can carry in its
 * `external_id` (the head is the run's own commit), and whether a run is current for the
 * inputs GitHub holds now: run by run, not by the newest of three.
 */
const digest = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("base64url").slice(0, 16);

export function decisionInputs(pull: PullSnapshot, reviews: readonly { id: number | null; state: string }[], policyFiles: readonly { sha: string }[] | null): DecisionInputs {
  return {
    pull: pullContentKey(pull).slice(0, 16),
    reviews: digest(reviews.map((review) => [review.id, review.state])),
    policy: policyFiles === null ? "none" : digest(policyFiles.map((file) => file.sha)),
  };
}

/**
 * A run is current when it completed with a decision (not a failed evaluation), recorded
 * exactly these inputs, and its next change is still ahead: then, decided again now, it
 * would say the same.
 */
export function runIsCurrent(run: ChangegateCheckRun, current: DecisionInputs, now: number): boolean {
  if (run.status !== "completed" || recordedDecisionKind(run) === "unavailable") return false;
  const recorded = recordedInputs(run);
  if (recorded === null || recorded.pull !== current.pull || recorded.reviews !== current.reviews || recorded.policy !== current.policy) return false;
  const next = recordedNextChange(run);
  return next === "none" || (next !== undefined && next > now);
}

/**
 * The record that vouches for every run on a commit (the Action's, written with
 * `recordContents`): one a run carries whose digest of all the checks' contents is what the
 * runs say now. The evaluation that wrote it then decided each run as it stands, the runs it
 * left alone (they said that already) as the ones it wrote; a run it did not get to write
 * (the job killed between two writes) breaks the match, and then no record vouches. The
 * newest such record when several do.
 */
export function recordForAll(runs: readonly ChangegateCheckRun[]): { run: ChangegateCheckRun; inputs: DecisionInputs } | null {
  const showing = contentsDigest(runs.map((run) => ({ name: run.name, conclusion: run.status === "completed" ? run.conclusion : null, title: run.output.title, summary: run.output.summary })));
  let found: { run: ChangegateCheckRun; inputs: DecisionInputs } | null = null;
  for (const run of runs) {
    const inputs = recordedInputs(run);
    if (inputs === null || inputs.at === undefined || recordedContents(run) !== showing) continue;
    if (found === null || inputs.at > found.inputs.at!) found = { run, inputs };
  }
  return found;
}
