import type { ApprovalDecision } from "./approvals.js";
import type { EvaluatedDecision } from "./evaluate.js";
import { TIERS, type ChangeType, type Policy, type Tier } from "./policy.js";
import { evaluateSchedule, type ScheduleBlocker, type ScheduleDecision } from "./schedule.js";

/**
 * The deploy gate (SPEC §7, `mode: gate`) as a pure function: may this commit go out to
 * this environment at this instant? It weighs the pull requests that brought the commits
 * being deployed. Each must have merged with its approvals satisfied, and each one's
 * schedule must allow it now, so the strictest type among them governs (a normal change
 * riding along keeps an emergency inside the normal window; an emergency alone passes a
 * freeze with its incident commander's approval). Commits no pull request brought block
 * unless the policy allows direct pushes, and then are scheduled as normal changes.
 */
export interface GatePull {
  number: number;
  title: string;
  /** When it merged, epoch milliseconds. */
  mergedAt: number;
  /** Its labels: freeze exceptions look at them. */
  labels: readonly string[];
  /** The engine's decision at the instant it merged, from the reviews submitted by then. */
  atMerge: EvaluatedDecision;
}

export type GateBasis =
  /** Every PR merged since the environment's last successful deployment of `sha`. */
  | { kind: "since-deployment"; sha: string; deploymentId: number }
  /** No successful deployment on record (or it is this commit or a later one): the commit's own PR. */
  | { kind: "own-pull-request" };

export interface GateInput {
  policy: Policy;
  environment: string;
  /** The commit to deploy. */
  sha: string;
  /** Evaluation instant, epoch milliseconds. */
  at: number;
  basis: GateBasis;
  pulls: readonly GatePull[];
  /** Commits on the deployed line that no merged pull request brought. */
  directCommits: readonly string[];
}

export type GateBlocker =
  | { kind: "no-change-request"; pull: number; status: "absent" | "invalid" | "not-standard" }
  | { kind: "unapproved"; pull: number; approvals: ApprovalDecision }
  | { kind: "direct-push"; commits: string[] }
  | { kind: "schedule"; pull: number | null; blocker: ScheduleBlocker };

export interface GateItem {
  /** Null for the commits pushed without a pull request. */
  pull: GatePull | null;
  type: ChangeType | null;
  /** Its schedule now, in the gate's environment; null without a valid change request. */
  schedule: ScheduleDecision | null;
  approved: boolean;
}

export interface GateDecision {
  at: number;
  environment: string;
  sha: string;
  basis: GateBasis;
  enforcement: Policy["enforcement"];
  /** What the policy decides. */
  wouldAllow: boolean;
  /** The verdict: under `enforcement: report` always true (the reason says what it would decide). */
  allowed: boolean;
  blockers: GateBlocker[];
  /** Blocked by the schedule alone: waiting can let it through. */
  waitable: boolean;
  /** When blocked by the schedule alone: the first instant every weighed change may go out at once. */
  opensAt: number | null;
  /** When allowed: the first instant it no longer may. */
  closesAt: number | null;
  /** The strictest type among the changes weighed (normal, then standard, then emergency). */
  strictestType: ChangeType | null;
  /** The highest risk among the pull requests, as assessed when each merged. */
  risk: { score: number; tier: Tier } | null;
  items: GateItem[];
}

const STRICTNESS: readonly ChangeType[] = ["normal", "standard", "emergency"];
/** Openings to chase before giving up on an instant when every schedule allows at once. */
const MAX_OPENING_STEPS = 200;

export function decideGate(input: GateInput): GateDecision {
  const { policy, at } = input;
  const blockers: GateBlocker[] = [];
  const items: GateItem[] = [];

  for (const pull of input.pulls) {
    const decision = pull.atMerge;
    if (decision.change === null || decision.approvals === null) {
      const status = decision.changeRequest.status === "invalid" ? "invalid" : decision.change === null ? "absent" : "not-standard";
      blockers.push({ kind: "no-change-request", pull: pull.number, status });
      items.push({ pull, type: decision.change?.type ?? null, schedule: null, approved: false });
      continue;
    }
    const approved = decision.approvals.satisfied;
    if (!approved) blockers.push({ kind: "unapproved", pull: pull.number, approvals: decision.approvals });
    items.push({ pull, type: decision.change.type, schedule: null, approved });
  }
  if (input.directCommits.length > 0) {
    if (!policy.deploy.allow_direct_pushes) blockers.push({ kind: "direct-push", commits: [...input.directCommits] });
    items.push({ pull: null, type: "normal", schedule: null, approved: policy.deploy.allow_direct_pushes });
  }

  // Only decidable changes have a schedule: one without a valid change request is blocked already.
  const scheduled = items.filter((item) => item.pull === null || item.pull.atMerge.approvals !== null);
  const schedulesAt = (instant: number) => scheduled.map((item) => scheduleOf(input, item, instant));
  const now = schedulesAt(at);
  scheduled.forEach((item, index) => (item.schedule = now[index]!));
  now.forEach((schedule, index) => {
    for (const blocker of schedule.blockers) blockers.push({ kind: "schedule", pull: scheduled[index]!.pull?.number ?? null, blocker });
  });

  const wouldAllow = blockers.length === 0 && items.length > 0;
  const waitable = !wouldAllow && blockers.length > 0 && blockers.every((blocker) => blocker.kind === "schedule");
  const opensAt = waitable ? firstOpening(now, schedulesAt) : null;
  const closings = now.map((schedule) => schedule.closesAt).filter((instant): instant is number => instant !== null);
  const closesAt = wouldAllow && closings.length > 0 ? Math.min(...closings) : null;

  const types = items.map((item) => item.type).filter((type): type is ChangeType => type !== null);
  const strictestType = STRICTNESS.find((type) => types.includes(type)) ?? null;
  const risk = highestRisk(input.pulls);
  const allowed = wouldAllow || policy.enforcement === "report";

  const decision: GateDecision = {
    at,
    environment: input.environment,
    sha: input.sha,
    basis: input.basis,
    enforcement: policy.enforcement,
    wouldAllow,
    allowed,
    blockers,
    waitable,
    opensAt,
    closesAt,
    strictestType,
    risk,
    items,
  };
  return decision;
}

function scheduleOf(input: GateInput, item: GateItem, at: number): ScheduleDecision {
  const change = item.pull?.atMerge.change ?? null;
  return evaluateSchedule({
    policy: input.policy,
    type: item.type!,
    environment: input.environment,
    // A direct push names no service: service-scoped freezes apply to it.
    services: change?.services ?? [],
    labels: item.pull?.labels ?? [],
    approvers: item.pull?.atMerge.approvals?.counted ?? [],
    at,
  });
}

/**
 * The first instant every schedule allows at once: from each blocked one's opening, move to
 * the latest and look again, until all allow (each step only moves later, so the first
 * instant found is the first there is).
 */
function firstOpening(now: ScheduleDecision[], schedulesAt: (instant: number) => ScheduleDecision[]): number | null {
  let schedules = now;
  for (let step = 0; step < MAX_OPENING_STEPS; step++) {
    const blocked = schedules.filter((schedule) => !schedule.allowed);
    if (blocked.some((schedule) => schedule.opensAt === null)) return null;
    const next = Math.max(...blocked.map((schedule) => schedule.opensAt!));
    schedules = schedulesAt(next);
    if (schedules.every((schedule) => schedule.allowed)) return next;
  }
  return null;
}

function highestRisk(pulls: readonly GatePull[]): GateDecision["risk"] {
  let risk: GateDecision["risk"] = null;
  for (const pull of pulls) {
    const { score, effectiveTier } = pull.atMerge.risk;
    if (risk === null) risk = { score, tier: effectiveTier };
    else risk = { score: Math.max(risk.score, score), tier: TIERS.indexOf(effectiveTier) > TIERS.indexOf(risk.tier) ? effectiveTier : risk.tier };
  }
  return risk;
}
