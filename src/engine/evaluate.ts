import { evaluateApprovals, type ApprovalDecision, type ApprovalRequirement, type Permission, type Review } from "./approvals.js";
import { parseChangeRequest, type ChangeRequest, type ChangeRequestResult } from "./change-request.js";
import { matchingPaths, pathMatcher, touchedPaths, type ChangedFiles } from "./paths.js";
import type { ChangeType, Policy, Tier } from "./policy.js";
import type { Problem } from "./problems.js";
import { assessRisk, trafficBoundariesAfter, trafficClassAt, withTrafficClass, type RiskAssessment } from "./risk.js";
import { evaluateSchedule, type ScheduleDecision } from "./schedule.js";

/**
 * The engine's one entry: every input as plain data in, one decision out. No I/O, no
 * clock (the instant is an input), no GitHub client: the App, the Action and the CLI
 * gather the inputs and render or publish the same decision.
 */
export interface PullRequestFacts {
  owner: string;
  repo: string;
  /** Null outside a pull request (the CLI on a bare diff). */
  number: number | null;
  title: string;
  author: string;
  body: string;
  labels: readonly string[];
  /** Head SHA: stale approvals are filtered only when it is known. */
  headSha: string | null;
  /** Who pushed the head commit, when known; their approval doesn't count. */
  lastPusher: string | null;
}

export interface EvaluationInput {
  policy: Policy;
  pullRequest: PullRequestFacts;
  files: ChangedFiles;
  reviews: readonly Review[];
  /** team slug -> active members, for the teams the policy names. */
  teams: Readonly<Record<string, readonly string[]>>;
  /** login -> permission; null: every reviewer is taken to have write access. */
  permissions: Readonly<Record<string, Permission>> | null;
  /** Evaluation instant, epoch milliseconds. */
  at: number;
  /** The body's change request already parsed (parsing is pure; callers may reuse it). */
  changeRequest?: ChangeRequestResult;
  /** When the PR edits the policy file: that edited policy's problems (empty when valid). */
  proposedPolicyProblems?: readonly Problem[] | null;
}

/** The change as changegate understands it: the block with its defaults filled in. */
export interface ResolvedChange {
  id: string;
  title: string;
  requester: string;
  type: ChangeType;
  declaredRiskLevel: Tier | null;
  environment: string;
  /** Declared services plus those derived from changed paths. */
  services: string[];
  derivedServices: string[];
  /** "block" when from the PR description; "policy-default" when the policy lets a PR go without one. */
  source: "block" | "policy-default";
  /** 1-based line of the block in the PR description. */
  line: number | null;
  request: ChangeRequest | null;
}

export interface StandardCatalogCheck {
  catalogId: string;
  known: boolean;
  /** Up to ten touched paths outside the catalog entry's paths. */
  unmatchedPaths: string[];
  filesComplete: boolean;
  matches: boolean;
}

export interface NextChange {
  /** Epoch milliseconds. */
  at: number;
  /** What changes then: the schedule opens or closes, or the risk score moves with traffic. */
  kind: "schedule-opens" | "schedule-closes" | "risk";
}

export interface EvaluatedDecision {
  kind: "evaluated";
  at: number;
  enforcement: Policy["enforcement"];
  changeRequest: { status: ChangeRequestResult["status"]; problems: Problem[]; required: boolean };
  change: ResolvedChange | null;
  /** Services whose paths the PR touches (also known without a change request). */
  derivedServices: string[];
  /** Always computed (from what the PR touches), even when the change request is not valid. */
  risk: RiskAssessment;
  standard: StandardCatalogCheck | null;
  /** Null while there is no valid change request to decide on. */
  schedule: ScheduleDecision | null;
  approvals: ApprovalDecision | null;
  proposedPolicyProblems: Problem[];
  /** What the policy's layers tried and could not change (organisation locks): warnings, not errors. */
  policyWarnings: Problem[];
  nextChange: NextChange | null;
}

export interface PolicyInvalidDecision {
  kind: "policy-invalid";
  problems: Problem[];
}

/** The adapters' word for "could not evaluate": an API failure after retries, say. */
export interface UnavailableDecision {
  kind: "unavailable";
  reason: string;
}

export type Decision = EvaluatedDecision | PolicyInvalidDecision | UnavailableDecision;

const SHOWN_UNMATCHED = 10;
const WEEK_MS = 7 * 86_400_000;

export function evaluate(input: EvaluationInput): EvaluatedDecision {
  const { policy, pullRequest, files, at } = input;
  const parsed = input.changeRequest ?? parseChangeRequest(pullRequest.body);
  const required = policy.change_request.required;
  const derivedServices = servicesOf(policy, files);

  const request = parsed.status === "valid" ? parsed.request : null;
  const change: ResolvedChange | null =
    parsed.status === "valid" || (parsed.status === "absent" && !required)
      ? resolveChange(request, parsed.status === "valid" ? parsed.line : null, pullRequest, derivedServices)
      : null;

  const risk = assessRisk({ policy, request, files, labels: pullRequest.labels, at });
  const standard = change?.type === "standard" ? checkStandardCatalog(policy, change, files) : null;
  const proposedPolicyProblems = [...(input.proposedPolicyProblems ?? [])];
  const decidable = change !== null && (standard === null || standard.matches);

  let schedule: ScheduleDecision | null = null;
  let approvals: ApprovalDecision | null = null;
  if (decidable) {
    approvals = evaluateApprovals({
      reviews: input.reviews,
      author: pullRequest.author,
      lastPusher: pullRequest.lastPusher,
      headSha: pullRequest.headSha,
      staleOnPush: policy.approvals.stale_on_push,
      permissions: input.permissions,
      teams: input.teams,
      requirement: requirementFor(policy, change.type, risk.effectiveTier),
    });
    schedule = evaluateSchedule({
      policy,
      type: change.type,
      environment: change.environment,
      services: change.services,
      labels: pullRequest.labels,
      approvers: approvals.counted,
      at,
    });
  }

  return {
    kind: "evaluated",
    at,
    enforcement: policy.enforcement,
    changeRequest: { status: parsed.status, problems: parsed.status === "invalid" ? parsed.problems : [], required },
    change,
    derivedServices,
    risk,
    standard,
    schedule,
    approvals,
    proposedPolicyProblems,
    policyWarnings: [...policy.lockWarnings],
    nextChange: nextChange(policy, risk, schedule, at),
  };
}

function resolveChange(
  request: ChangeRequest | null,
  line: number | null,
  pullRequest: PullRequestFacts,
  derivedServices: string[],
): ResolvedChange {
  const declared = request?.services_affected ?? [];
  return {
    id: request?.id ?? `${pullRequest.owner}/${pullRequest.repo}${pullRequest.number === null ? "" : `#${pullRequest.number}`}`,
    title: request?.title ?? pullRequest.title,
    requester: request?.requester ?? pullRequest.author,
    type: request?.type ?? "normal",
    declaredRiskLevel: request?.risk_level ?? null,
    environment: request?.environment ?? "production",
    services: [...new Set([...declared, ...derivedServices])],
    derivedServices,
    source: request === null ? "policy-default" : "block",
    line,
    request,
  };
}

/** Services whose paths the change touches, in policy order. */
export function servicesOf(policy: Policy, files: ChangedFiles): string[] {
  const paths = touchedPaths(files);
  return Object.entries(policy.services)
    .filter(([, service]) => matchingPaths(paths, pathMatcher(service.paths), 1).length > 0)
    .map(([name]) => name);
}

function checkStandardCatalog(policy: Policy, change: ResolvedChange, files: ChangedFiles): StandardCatalogCheck {
  const catalogId = change.request?.standard_change ?? "";
  const entry = Object.prototype.hasOwnProperty.call(policy.standard_changes, catalogId) ? policy.standard_changes[catalogId] : undefined;
  if (entry === undefined) return { catalogId, known: false, unmatchedPaths: [], filesComplete: files.complete, matches: false };
  const matcher = pathMatcher(entry.paths);
  const unmatched: string[] = [];
  for (const path of touchedPaths(files)) {
    if (!matcher(path)) {
      unmatched.push(path);
      if (unmatched.length >= SHOWN_UNMATCHED) break;
    }
  }
  return {
    catalogId,
    known: true,
    unmatchedPaths: unmatched,
    filesComplete: files.complete,
    // An incomplete file list cannot prove every file is in the catalog.
    matches: unmatched.length === 0 && files.complete,
  };
}

function requirementFor(policy: Policy, type: ChangeType, tier: Tier): ApprovalRequirement {
  if (type === "standard") return { count: 0, teams: [], anyOf: null, basis: "standard" };
  if (type === "emergency") {
    const teams = policy.emergency.approvers;
    return { count: 1, teams: [], anyOf: teams.length > 0 ? teams : null, basis: "emergency" };
  }
  const { count, teams } = policy.approvals[tier];
  return { count, teams, anyOf: null, basis: "tier" };
}

/**
 * The next instant the decision changes with no event to prompt it: the schedule opening
 * or closing, or the traffic class moving the risk score (within a week: traffic repeats).
 */
function nextChange(policy: Policy, risk: RiskAssessment, schedule: ScheduleDecision | null, at: number): NextChange | null {
  let next: NextChange | null = null;
  if (schedule?.opensAt != null) next = { at: schedule.opensAt, kind: "schedule-opens" };
  else if (schedule?.closesAt != null) next = { at: schedule.closesAt, kind: "schedule-closes" };
  if (risk.trafficClass !== null) {
    for (const boundary of trafficBoundariesAfter(policy, at)) {
      if (next !== null && boundary >= next.at) break;
      if (boundary > at + WEEK_MS) break;
      if (withTrafficClass(policy, risk, trafficClassAt(policy, boundary)).score !== risk.score) {
        next = { at: boundary, kind: "risk" };
        break;
      }
    }
  }
  return next;
}
