import { decisionRecord, type UnsealedDeploymentRecord } from "../audit/deployment-record.js";
import { appendRecord } from "../audit/github-trail.js";
import { deploymentIndexPath } from "../audit/layout.js";
import { trailOf } from "../audit/merge.js";
import type { GitHubClient } from "../github/access.js";
import { gateReasonOf } from "./gate-reason.js";
import type { GateRound } from "./gate-mode.js";
import { nounFor } from "../report/text.js";

/**
 * `mode: gate` with `record: true`: the step's decision written to the audit trail as the
 * App's protection rule writes it (deployment records in the same chain): `approved` or
 * `rejected`, or, when the step waited for the schedule, `held` then `released` (or
 * `rejected` when the wait ran out). Keyed by the run, its attempt and the environment, so a
 * step run again in the same attempt records nothing twice; a re-run (a new attempt) is a
 * new decision. Needs `contents: write` on the trail's repository (as `mode: audit`).
 */
export interface GateRecordTarget {
  owner: string;
  repo: string;
  sha: string;
  environment: string;
  ref: unknown;
  runId: string | null;
  runAttempt: string | null;
}

export async function recordGateRounds(octokit: GitHubClient, target: GateRecordTarget, rounds: readonly GateRound[], now: number): Promise<string> {
  const last = rounds.at(-1);
  const policy = last?.policy;
  if (last === undefined || policy === undefined) return "Nothing decided: nothing to record.";
  const repository = `${target.owner}/${target.repo}`;
  const key = `run-${target.runId ?? "local"}-${target.runAttempt ?? "1"}-${target.environment}`;
  const facts = {
    repository,
    deployment: { id: null, environment: target.environment, sha: target.sha, ref: typeof target.ref === "string" ? target.ref : null, run_id: target.runId === null ? null : Number(target.runId) },
    recordedAt: new Date(now).toISOString(),
    recordedBy: "action" as const,
  };
  const records: UnsealedDeploymentRecord[] = [];
  const waited = rounds.length > 1;
  if (waited) records.push(decisionRecord("held", rounds[0]!.decision, gateReasonOf(rounds[0]!), facts));
  const verdict = last.decision.allowed ? (waited ? "released" : "approved") : "rejected";
  records.push(decisionRecord(verdict, last.decision, gateReasonOf(last), facts));

  const trail = trailOf({ owner: target.owner, repo: target.repo, policy });
  const seqs: number[] = [];
  for (const record of records) {
    const appended = await appendRecord(
      octokit,
      trail,
      { repository, number: 0, entry: deploymentIndexPath(repository, key, record.event), label: `${repository} gate step ${key} ${record.event}` },
      async () => record,
    );
    seqs.push(appended.seq);
  }
  return `Recorded the gate's decision (${records.map((record) => record.event).join(", ")}) as ${nounFor(seqs.length, "audit record")} ${seqs.join(", ")} on ${trail.owner}/${trail.repo}@${trail.branch}.`;
}
