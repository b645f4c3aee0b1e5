import type { ChangeType, DatedInterval, FreezeWindow, Policy, WindowSpec } from "./policy.js";
import { slotBoundariesAfter, slotContaining } from "./slots.js";

/** How far ahead changegate looks for a window to open or close (two years). */
const HORIZON_MS = 2 * 366 * 86_400_000;
/** Weekly slots repeat: eight days of them cover every pattern. */
const LOOKAHEAD_MS = 8 * 86_400_000;

/** A counted approver and the teams (of the policy's teams input) they are an active member of. */
export interface TeamApprover {
  login: string;
  teams: readonly string[];
}

export interface ScheduleInput {
  policy: Policy;
  type: ChangeType;
  environment: string;
  services: readonly string[];
  labels: readonly string[];
  /** Approvers whose approval counts; freeze exceptions and the emergency path look here. */
  approvers: readonly TeamApprover[];
  /** Evaluation instant, epoch milliseconds. */
  at: number;
}

export type ScheduleBlocker =
  | { kind: "outside-window"; type: ChangeType }
  | { kind: "no-window"; type: ChangeType }
  | { kind: "blackout"; name: string; start: number; end: number }
  | {
      kind: "freeze";
      name: string;
      start: number;
      end: number;
      /** What would let the change through: the exception, or the emergency path. */
      exception: { labels: string[]; approvers: string[] } | null;
    }
  | { kind: "awaiting-incident-commander"; name: string; end: number; approvers: string[] };

export type ScheduleBypass =
  | { kind: "freeze-exception"; freeze: string; label: string | null; approver: string | null }
  | { kind: "emergency"; freeze: string; approver: string };

export interface ScheduleDecision {
  /** False when the change's environment is not one the policy gates: the check is neutral. */
  gated: boolean;
  allowed: boolean;
  type: ChangeType;
  environment: string;
  blockers: ScheduleBlocker[];
  /** The window occurrence the instant falls in, when the type's window is a list of slots. */
  window: { start: number; end: number } | "always" | null;
  /** Freezes and blackouts in effect and in scope at the instant, bypassed or not. */
  inEffect: { kind: "freeze" | "blackout"; name: string; start: number; end: number }[];
  bypasses: ScheduleBypass[];
  /** When blocked: the first instant it may merge, if nothing else changes. */
  opensAt: number | null;
  /** When allowed: the first instant it no longer may. */
  closesAt: number | null;
  /** Every instant after `at` (within a week) where the schedule may change. */
  nextBoundary: number | null;
}

interface StaticFacts {
  input: ScheduleInput;
  window: WindowSpec;
  freezes: FreezeWindow[];
  blackouts: DatedInterval[];
  emergencyApprover: string | null;
}

/**
 * May this change merge at `input.at`? Windows of its type, blackouts (normal changes),
 * freezes in scope with their exceptions, and the emergency path. Also when that answer
 * next changes, so the App can re-evaluate on time.
 */
export function evaluateSchedule(input: ScheduleInput): ScheduleDecision {
  const { policy, type, environment, at } = input;
  const gated = policy.change_request.environments.includes(environment);
  if (!gated) {
    return {
      gated, allowed: true, type, environment, blockers: [], window: null, inEffect: [], bypasses: [],
      opensAt: null, closesAt: null, nextBoundary: null,
    };
  }
  const facts: StaticFacts = {
    input,
    window: policy.windows[type],
    freezes: policy.freezes.map((freeze) => freeze.interval).filter((freeze) => inScope(freeze, input)),
    blackouts: type === "normal" ? policy.blackouts.map((blackout) => blackout.interval).filter((blackout) => inScope(blackout, input)) : [],
    emergencyApprover: type === "emergency" ? teamApprover(input.approvers, policy.emergency.approvers) : null,
  };
  const now = statusAt(facts, at);
  const boundaries = boundariesAfter(facts, at);
  return {
    gated,
    allowed: now.allowed,
    type,
    environment,
    blockers: now.blockers,
    window: now.window,
    inEffect: now.inEffect,
    bypasses: now.bypasses,
    opensAt: now.allowed ? null : nextFlip(facts, at, true),
    closesAt: now.allowed ? nextFlip(facts, at, false) : null,
    nextBoundary: boundaries[0] ?? null,
  };
}

/** Whether a dated interval applies to this change: environments and services it scopes. */
function inScope(interval: DatedInterval, input: ScheduleInput): boolean {
  if (interval.environments && !interval.environments.includes(input.environment)) return false;
  // A change that names no service cannot show it is out of a service-scoped freeze.
  if (interval.services && input.services.length > 0 && !input.services.some((service) => interval.services!.includes(service))) {
    return false;
  }
  return true;
}

function teamApprover(approvers: readonly TeamApprover[], teams: readonly string[]): string | null {
  return approvers.find((approver) => approver.teams.some((team) => teams.includes(team)))?.login ?? null;
}

function contains(interval: { start: number; end: number }, instant: number): boolean {
  return interval.start <= instant && instant < interval.end;
}

function statusAt(facts: StaticFacts, at: number): Pick<ScheduleDecision, "allowed" | "blockers" | "window" | "inEffect" | "bypasses"> {
  const { input } = facts;
  const blockers: ScheduleBlocker[] = [];
  const bypasses: ScheduleBypass[] = [];
  const inEffect: ScheduleDecision["inEffect"] = [];

  let window: ScheduleDecision["window"] = null;
  if (facts.window === "always") window = "always";
  else if (facts.window === "never") blockers.push({ kind: "no-window", type: input.type });
  else {
    window = slotContaining(facts.window, at, input.policy.timezone);
    if (!window) blockers.push({ kind: "outside-window", type: input.type });
  }

  for (const blackout of facts.blackouts) {
    if (!contains(blackout, at)) continue;
    inEffect.push({ kind: "blackout", name: blackout.name, start: blackout.start, end: blackout.end });
    blockers.push({ kind: "blackout", name: blackout.name, start: blackout.start, end: blackout.end });
  }

  for (const freeze of facts.freezes) {
    if (!contains(freeze, at)) continue;
    inEffect.push({ kind: "freeze", name: freeze.name, start: freeze.start, end: freeze.end });
    if (input.type === "emergency") {
      const approvers = input.policy.emergency.approvers;
      if (facts.emergencyApprover) bypasses.push({ kind: "emergency", freeze: freeze.name, approver: facts.emergencyApprover });
      else blockers.push({ kind: "awaiting-incident-commander", name: freeze.name, end: freeze.end, approvers });
      continue;
    }
    const exception = freezeException(freeze, input);
    if (exception) bypasses.push(exception);
    else blockers.push({ kind: "freeze", name: freeze.name, start: freeze.start, end: freeze.end, exception: freeze.exceptions });
  }

  return { allowed: blockers.length === 0, blockers, window, inEffect, bypasses };
}

/**
 * A freeze exception holds when the PR carries one of its labels (if it lists labels)
 * and has a counted approval from one of its teams (if it lists teams).
 */
function freezeException(freeze: FreezeWindow, input: ScheduleInput): ScheduleBypass | null {
  const rule = freeze.exceptions;
  if (!rule || (rule.labels.length === 0 && rule.approvers.length === 0)) return null;
  const label = rule.labels.length === 0 ? null : rule.labels.find((name) => input.labels.includes(name)) ?? undefined;
  if (label === undefined) return null;
  const approver = rule.approvers.length === 0 ? null : teamApprover(input.approvers, rule.approvers) ?? undefined;
  if (approver === undefined) return null;
  return { kind: "freeze-exception", freeze: freeze.name, label, approver };
}

/**
 * Instants after `at` where the schedule may change, ascending: window slot edges and
 * dated edges within the next eight days, or else the nearest dated edge beyond.
 */
function boundariesAfter(facts: StaticFacts, at: number): number[] {
  const horizon = at + LOOKAHEAD_MS;
  const boundaries = new Set<number>(
    Array.isArray(facts.window) ? slotBoundariesAfter(facts.window, at, facts.input.policy.timezone) : [],
  );
  let nearestBeyond = Infinity;
  for (const interval of [...facts.blackouts, ...facts.freezes]) {
    for (const edge of [interval.start, interval.end]) {
      if (edge <= at) continue;
      if (edge <= horizon) boundaries.add(edge);
      else nearestBeyond = Math.min(nearestBeyond, edge);
    }
  }
  if (boundaries.size === 0 && nearestBeyond !== Infinity) boundaries.add(nearestBeyond);
  return [...boundaries].sort((a, b) => a - b);
}

/** The first boundary after `at` where `allowed` becomes `wanted`, within the horizon. */
function nextFlip(facts: StaticFacts, at: number, wanted: boolean): number | null {
  let cursor = at;
  while (cursor < at + HORIZON_MS) {
    const boundaries = boundariesAfter(facts, cursor);
    if (boundaries.length === 0) return null;
    for (const boundary of boundaries) {
      if (statusAt(facts, boundary).allowed === wanted) return boundary;
    }
    cursor = boundaries[boundaries.length - 1]!;
  }
  return null;
}
