import { createHash } from "node:crypto";
import type { ChangeRequest } from "../engine/change-request.js";
import type { EvaluatedDecision } from "../engine/evaluate.js";
import type { Dimension, Tier } from "../engine/policy.js";
import { renderChecks, type Conclusion } from "../report/checks.js";
import { riskJson, type RiskReason } from "../engine/risk.js";
import type { ScheduleBlocker, ScheduleBypass } from "../engine/schedule.js";
import { recordHash } from "./canonical.js";

/**
 * One merged change as the audit trail keeps it. Plain JSON (strings, integers, booleans,
 * null, arrays, objects) so that its canonical form, and so its hash, is well defined.
 * Instants are ISO 8601 UTC strings. A change of meaning bumps `schema_version`.
 */
export const AUDIT_SCHEMA_VERSION = 1;

/** More changed files than this are kept as their count and digest only. */
export const MAX_LISTED_FILES = 1_000;

export interface AuditRecord {
  schema_version: number;
  /** 1, 2, 3, ... in the order records were appended to this trail. */
  seq: number;
  /** The hash of record seq - 1; null for the first. */
  previous_hash: string | null;
  /** SHA-256 of this record's canonical JSON without `hash`. */
  hash: string;
  recorded_at: string;
  recorded_by: "app" | "action";
  repository: string;
  pull_request: {
    number: number;
    title: string;
    url: string;
    author: string;
    opened_at: string | null;
    /** When it was last marked ready for review; its opening when it never was a draft. */
    ready_at: string | null;
    /** The author date of its first commit. */
    first_commit_at: string | null;
    base_ref: string;
    /** The base commit the PR was last compared against (before the merge). */
    base_sha: string | null;
    head_sha: string;
    labels: string[];
  };
  merged: { at: string; by: string | null; merge_commit_sha: string | null };
  change: {
    id: string;
    title: string;
    requester: string;
    type: string;
    environment: string;
    services: string[];
    derived_services: string[];
    /** "block": from the PR description; "policy-default": the policy let it go without one. */
    source: "block" | "policy-default";
    /** The block as parsed; null when there was none. */
    request: ChangeRequest | null;
  } | null;
  /** The change-request block's state at merge (a merge without a valid one is recorded too). */
  change_request_status: "absent" | "invalid" | "valid";
  risk: {
    dimensions: Record<Dimension, { score: number; reasons: RiskReason[] }>;
    score: number;
    tier: Tier;
    declared_tier: Tier | null;
    effective_tier: Tier;
    traffic_class: string | null;
    files_complete: boolean;
  };
  policy: { path: string; sha: string | null; enforcement: string };
  approvals: {
    basis: string;
    required: { count: number; teams: string[]; any_of: string[] | null };
    satisfied: boolean;
    counted: { reviewer: string; review_id: number | null; commit: string | null; at: string | null; teams: string[] }[];
    changes_requested: string[];
  } | null;
  schedule: {
    gated: boolean;
    allowed: boolean;
    blockers: ScheduleBlocker[];
    in_effect: { kind: "freeze" | "blackout"; name: string; start: number; end: number }[];
    /** Freeze exceptions and the emergency path used to get through. */
    bypasses: ScheduleBypass[];
  } | null;
  /** Each check's verdict at the merge instant, as enforced (report mode: what it would have said). */
  gates: { risk: Conclusion; schedule: Conclusion; approvals: Conclusion };
  /** Merged while an enforced gate was failing: an admin bypass. Recorded, never hidden. */
  bypassed: boolean;
  /** The PR this one reverts (GitHub's revert button writes "Reverts owner/repo#N"). */
  reverts: { repository: string; number: number } | null;
  files: { count: number; digest: string; complete: boolean; paths: string[] | null };
  /** The retrospective issue opened for an emergency, when one was. */
  retrospective_issue: number | null;
}

export type UnsealedRecord = Omit<AuditRecord, "seq" | "previous_hash" | "hash">;

/** What the door knows about a merged pull request, beyond the decision. */
export interface MergeFacts {
  repository: string;
  number: number;
  title: string;
  url: string;
  author: string;
  body: string;
  labels: readonly string[];
  openedAt: string | null;
  readyAt: string | null;
  firstCommitAt: string | null;
  baseRef: string;
  baseSha: string | null;
  headSha: string;
  mergedAt: string;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  /** Changed paths (both names of a rename), and whether GitHub listed them all. */
  paths: readonly string[];
  pathsComplete: boolean;
  policyPath: string;
  policySha: string | null;
  recordedAt: string;
  recordedBy: "app" | "action";
  retrospectiveIssue: number | null;
}

/** The record of a merge: pure, from the decision at the merge instant and the merge's facts. */
export function buildAuditRecord(decision: EvaluatedDecision, facts: MergeFacts, timezone: string): UnsealedRecord {
  const checks = renderChecks(decision, { timezone });
  const gates = { risk: checks[0].enforcedConclusion, schedule: checks[1].enforcedConclusion, approvals: checks[2].enforcedConclusion };
  const { change, risk, approvals, schedule } = decision;
  const sortedPaths = [...new Set(facts.paths)].sort();
  return {
    schema_version: AUDIT_SCHEMA_VERSION,
    recorded_at: facts.recordedAt,
    recorded_by: facts.recordedBy,
    repository: facts.repository,
    pull_request: {
      number: facts.number,
      title: facts.title,
      url: facts.url,
      author: facts.author,
      opened_at: facts.openedAt,
      ready_at: facts.readyAt,
      first_commit_at: facts.firstCommitAt,
      base_ref: facts.baseRef,
      base_sha: facts.baseSha,
      head_sha: facts.headSha,
      labels: [...facts.labels],
    },
    merged: { at: facts.mergedAt, by: facts.mergedBy, merge_commit_sha: facts.mergeCommitSha },
    change:
      change === null
        ? null
        : {
            id: change.id,
            title: change.title,
            requester: change.requester,
            type: change.type,
            environment: change.environment,
            services: change.services,
            derived_services: change.derivedServices,
            source: change.source,
            request: change.request === null ? null : plain(change.request),
          },
    change_request_status: decision.changeRequest.status,
    risk: plain(riskJson(risk)),
    policy: { path: facts.policyPath, sha: facts.policySha, enforcement: decision.enforcement },
    approvals:
      approvals === null
        ? null
        : {
            basis: approvals.requirement.basis,
            required: { count: approvals.requirement.count, teams: [...approvals.requirement.teams], any_of: approvals.requirement.anyOf === null ? null : [...approvals.requirement.anyOf] },
            satisfied: approvals.satisfied,
            counted: approvals.counted.map((approval) => ({ reviewer: approval.login, review_id: approval.reviewId, commit: approval.commitId, at: approval.submittedAt, teams: approval.teams })),
            changes_requested: approvals.changesRequested.map((review) => review.login),
          },
    schedule:
      schedule === null
        ? null
        : { gated: schedule.gated, allowed: schedule.allowed, blockers: plain(schedule.blockers), in_effect: plain(schedule.inEffect), bypasses: plain(schedule.bypasses) },
    gates,
    bypassed: decision.enforcement === "enforce" && Object.values(gates).includes("failure"),
    reverts: revertedPull(facts.body, facts.repository),
    files: {
      count: sortedPaths.length,
      digest: createHash("sha256").update(sortedPaths.join("\n"), "utf8").digest("hex"),
      complete: facts.pathsComplete,
      paths: sortedPaths.length <= MAX_LISTED_FILES ? sortedPaths : null,
    },
    retrospective_issue: facts.retrospectiveIssue,
  };
}

/** Chains a record after `previous` (null: the trail's first): its seq, the link, its hash. */
export function sealRecord<T extends object = UnsealedRecord>(unsealed: T, previous: { seq: number; hash: string } | null): T & { seq: number; previous_hash: string | null; hash: string } {
  const linked = { ...unsealed, seq: previous === null ? 1 : previous.seq + 1, previous_hash: previous?.hash ?? null };
  return { ...linked, hash: recordHash(linked) };
}

const REVERTS = /\bReverts\s+([\w.-]+\/[\w.-]+)?#(\d+)\b/;

/** GitHub's revert button writes "Reverts owner/repo#N" as the PR body. */
export function revertedPull(body: string, repository: string): { repository: string; number: number } | null {
  const match = REVERTS.exec(body);
  if (match === null) return null;
  return { repository: match[1] ?? repository, number: Number(match[2]) };
}

/** Drops `undefined` members and class identities: a record is JSON and nothing else. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
