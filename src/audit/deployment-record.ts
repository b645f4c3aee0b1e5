import type { GateDecision } from "../engine/gate.js";
import { AUDIT_SCHEMA_VERSION } from "./record.js";

/**
 * One deployment event as the audit trail keeps it, in the same hash chain as the merge
 * records (SPEC §12): a decision of the protection rule (approved, rejected, held, released)
 * or an outcome GitHub reported (`deployment_status` success, failure, error; `rolled-back`
 * when a deployment went inactive because an older commit replaced it). Told apart from a
 * merge record by `kind`; merge records have none (their format predates this one).
 */
export type DeploymentEvent = "approved" | "rejected" | "held" | "released" | "success" | "failure" | "error" | "rolled-back";

export const DECISION_EVENTS: readonly DeploymentEvent[] = ["approved", "rejected", "held", "released"];

export interface DeploymentRecord {
  schema_version: number;
  kind: "deployment";
  seq: number;
  previous_hash: string | null;
  hash: string;
  recorded_at: string;
  recorded_by: "app" | "action";
  repository: string;
  event: DeploymentEvent;
  /** When it happened: the decision's instant, or the status's creation. */
  at: string;
  deployment: {
    /** GitHub's deployment id; null for an Action gate step, which has none. */
    id: number | null;
    environment: string;
    sha: string;
    ref: string | null;
    /** The workflow run the protection rule held, when there is one. */
    run_id: number | null;
  };
  /** Who or what decided: changegate's rule (and why), or GitHub reporting an outcome (as whom). */
  decided_by: { kind: "changegate" | "github"; login: string | null; reason: string };
  /** The pull requests this deployment ships (empty for an outcome when no decision named them). */
  pull_requests: { number: number; title: string; merged_at: string }[];
  /** Commits on the line that no pull request brought. */
  direct_commits: string[];
  /** Held: when the block ends and the rule approves, as the policy read then. */
  opens_at: string | null;
  /** What the rule weighed against: the last successful deployment's commit, or the commit's own PR. */
  basis: { kind: "since-deployment" | "own-pull-request"; sha: string | null };
}

export type UnsealedDeploymentRecord = Omit<DeploymentRecord, "seq" | "previous_hash" | "hash">;

export interface DeploymentFacts {
  repository: string;
  deployment: DeploymentRecord["deployment"];
  recordedAt: string;
  recordedBy: "app" | "action";
}

/** The record of one protection-rule decision: pure, from the gate's decision. */
export function decisionRecord(event: "approved" | "rejected" | "held" | "released", decision: GateDecision, reason: string, facts: DeploymentFacts): UnsealedDeploymentRecord {
  return {
    schema_version: AUDIT_SCHEMA_VERSION,
    kind: "deployment",
    recorded_at: facts.recordedAt,
    recorded_by: facts.recordedBy,
    repository: facts.repository,
    event,
    at: new Date(decision.at).toISOString(),
    deployment: facts.deployment,
    decided_by: { kind: "changegate", login: null, reason },
    pull_requests: decision.items.flatMap((item) => (item.pull === null ? [] : [{ number: item.pull.number, title: item.pull.title, merged_at: new Date(item.pull.mergedAt).toISOString() }])),
    direct_commits: decision.blockers.flatMap((blocker) => (blocker.kind === "direct-push" ? blocker.commits : [])),
    opens_at: event === "held" && decision.opensAt !== null ? new Date(decision.opensAt).toISOString() : null,
    basis: decision.basis.kind === "since-deployment" ? { kind: "since-deployment", sha: decision.basis.sha } : { kind: "own-pull-request", sha: null },
  };
}

/** The record of an outcome GitHub reported; the pull requests come from the decision that let it out, when the trail has one. */
export function outcomeRecord(
  event: "success" | "failure" | "error" | "rolled-back",
  outcome: { at: string; login: string | null; description: string },
  shipped: Pick<DeploymentRecord, "pull_requests" | "direct_commits" | "basis"> | null,
  facts: DeploymentFacts,
): UnsealedDeploymentRecord {
  return {
    schema_version: AUDIT_SCHEMA_VERSION,
    kind: "deployment",
    recorded_at: facts.recordedAt,
    recorded_by: facts.recordedBy,
    repository: facts.repository,
    event,
    at: outcome.at,
    deployment: facts.deployment,
    decided_by: { kind: "github", login: outcome.login, reason: outcome.description },
    pull_requests: shipped?.pull_requests ?? [],
    direct_commits: shipped?.direct_commits ?? [],
    opens_at: null,
    basis: shipped?.basis ?? { kind: "own-pull-request", sha: null },
  };
}

export function isDeploymentRecord(record: object): record is DeploymentRecord {
  return (record as { kind?: unknown }).kind === "deployment";
}
