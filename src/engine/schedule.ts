import { OPEN_ENDED, type IssueRef, type MissingInput, type Occurrence } from "./occurrences.js";
import type { ChangeType, FreezeWindow, Policy, WindowSpec } from "./policy.js";
import { slotBoundariesAfter, slotContaining, slotOccurrencesBetween } from "./slots.js";

/** How far ahead changegate looks for a window to open or close (two years). */
const HORIZON_MS = 2 * 366 * 86_400_000;
const YEAR_MS = 366 * 86_400_000;
/** The sweep reads edges a week and a day at a time. */
const CHUNK_MS = 8 * 86_400_000;
const DAY_MS = 86_400_000;

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
  | ({ kind: "blackout"; name: string; start: number; end: number } & OccurrenceFacts)
  | ({
      kind: "freeze";
      name: string;
      start: number;
      end: number;
      /** What would let the change through: the exception, or the emergency path. */
      exception: { labels: string[]; approvers: string[] } | null;
    } & OccurrenceFacts)
  | { kind: "awaiting-incident-commander"; name: string; end: number; approvers: string[] }
  /** A calendar form whose occurrences the edge did not provide: it cannot be decided, so it blocks. */
  | { kind: "calendar-unavailable"; name: string };

/** What an occurrence of a calendar form adds: the issue that holds it, the series' next start. */
export interface OccurrenceFacts {
  /** A `while_issues_open` freeze: the open issue (its end is then OPEN_ENDED). */
  issue?: IssueRef;
  /** A series (rrule, holidays, ICS): the next occurrence's start after this one, if any. */
  next?: number | null;
}

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
  inEffect: ({ kind: "freeze" | "blackout"; name: string; start: number; end: number } & OccurrenceFacts)[];
  bypasses: ScheduleBypass[];
  /** When blocked: the first instant it may merge, if nothing else changes. */
  opensAt: number | null;
  /** When allowed: the first instant it no longer may. */
  closesAt: number | null;
  /** The first instant after `at` where the schedule may change. */
  nextBoundary: number | null;
  /** Inputs (releases, issues) that forms of the policy need and were not given: those match nothing. */
  notGiven: MissingInput[];
}

/** One freeze or blackout that applies to this change, with what its occurrences do to it. */
interface Source {
  kind: "freeze" | "blackout";
  name: string;
  /** A recurrence, holidays or a calendar file: a blocker names the next occurrence too. */
  series: boolean;
  /** When in effect: it blocks, or it is bypassed (freeze exception, emergency approval). */
  bypass: ScheduleBypass | null;
  exceptions: FreezeWindow["exceptions"];
  /** The occurrences overlapping [from, to), ascending by start; null: the calendar was not given. */
  between: ((from: number, to: number) => readonly Occurrence[]) | null;
  longest: number;
  /** A dated entry's one interval (kept apart: many of them are swept from one sorted list). */
  dated: { start: number; end: number } | null;
}

interface StaticFacts {
  input: ScheduleInput;
  window: WindowSpec;
  sources: Source[];
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
      opensAt: null, closesAt: null, nextBoundary: null, notGiven: [],
    };
  }
  const emergencyApprover = type === "emergency" ? teamApprover(input.approvers, policy.emergency.approvers) : null;
  const facts: StaticFacts = { input, window: policy.windows[type], sources: sourcesOf(input, emergencyApprover), emergencyApprover };
  const now = statusAt(facts, at);
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
    nextBoundary: nextBoundary(facts, at),
    notGiven: notGiven(policy),
  };
}

/** The freezes (and, for a normal change, blackouts) in scope, each as a source of occurrences. */
function sourcesOf(input: ScheduleInput, emergencyApprover: string | null): Source[] {
  const { policy } = input;
  const calendar = policy.calendar;
  const sources: Source[] = [];
  const add = (
    kind: "freeze" | "blackout",
    index: number,
    entry: Policy["freezes"][number] | Policy["blackouts"][number],
    exceptions: FreezeWindow["exceptions"],
  ) => {
    if (!inScope(nonEmpty(entry.environments), nonEmpty(entry.services), input)) return;
    let bypass: ScheduleBypass | null = null;
    if (kind === "freeze") {
      if (input.type === "emergency") bypass = emergencyApprover ? { kind: "emergency", freeze: entry.name, approver: emergencyApprover } : null;
      else bypass = freezeException(entry.name, exceptions, input);
    }
    const list = kind === "freeze" ? "freezes" : "blackouts";
    const form = entry.form;
    const dated = form.kind === "dated" ? form : null;
    sources.push({
      kind,
      name: entry.name,
      series: form.kind === "recurring" || form.kind === "holidays" || form.kind === "ics",
      bypass,
      exceptions,
      dated,
      // A dated entry is read from `dated` (one closure fewer each, for policies of thousands).
      between: dated !== null ? NO_SERIES : calendar ? (from, to) => calendar.between(list, index, from, to) : null,
      longest: dated !== null ? dated.end - dated.start : calendar ? calendar.longest(list, index) : 0,
    });
  };
  policy.freezes.forEach((freeze, index) => add("freeze", index, freeze, freeze.exceptions ?? null));
  if (input.type === "normal") policy.blackouts.forEach((blackout, index) => add("blackout", index, blackout, null));
  return sources;
}

function nonEmpty(list: readonly string[] | undefined): readonly string[] | null {
  return list === undefined || list.length === 0 ? null : list;
}

/** Inputs that forms of this policy needed and its edge did not have. */
function notGiven(policy: Policy): MissingInput[] {
  const missing = policy.calendar?.missing ?? [];
  if (missing.length === 0) return [];
  const needs = new Set([...policy.freezes, ...policy.blackouts].map((entry) => entry.form.kind));
  return missing.filter((input) => needs.has(input === "releases" ? "after_release" : "while_issues_open"));
}

/** Whether an entry applies to this change: environments and services it scopes. */
function inScope(environments: readonly string[] | null, services: readonly string[] | null, input: ScheduleInput): boolean {
  if (environments && !environments.includes(input.environment)) return false;
  // A change that names no service cannot show it is out of a service-scoped freeze.
  if (services && input.services.length > 0 && !input.services.some((service) => services.includes(service))) {
    return false;
  }
  return true;
}

const NO_SERIES = (): readonly Occurrence[] => [];

function teamApprover(approvers: readonly TeamApprover[], teams: readonly string[]): string | null {
  return approvers.find((approver) => approver.teams.some((team) => teams.includes(team)))?.login ?? null;
}

function contains(interval: { start: number; end: number }, instant: number): boolean {
  return interval.start <= instant && instant < interval.end;
}

/** The occurrences of a source that contain `at`. */
function occurrencesAt(source: Source, at: number): Occurrence[] {
  if (source.dated !== null) return contains(source.dated, at) ? [{ ...source.dated, label: null }] : [];
  return source.between!(at - source.longest, at + 1).filter((occurrence) => contains(occurrence, at));
}

/** An occurrence's name: its entry's, with what the occurrence is when the entry has many kinds. */
function occurrenceName(source: Source, occurrence: Occurrence): string {
  return occurrence.label === null ? source.name : `${source.name}: ${occurrence.label}`;
}

/** For a series, the start of its next occurrence after `end`. */
function nextStart(source: Source, end: number): number | null {
  if (!source.series || source.between === null) return null;
  // Near first: most series come back within days; look further only when they do not.
  for (let from = end, span = CHUNK_MS; from < end + YEAR_MS; from += span, span *= 4) {
    const next = source.between(from, from + span).find((occurrence) => occurrence.start >= end);
    if (next !== undefined) return next.start;
  }
  return null;
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

  for (const source of facts.sources) {
    if (source.between === null) {
      blockers.push({ kind: "calendar-unavailable", name: source.name });
      continue;
    }
    for (const occurrence of occurrencesAt(source, at)) {
      const name = occurrenceName(source, occurrence);
      const about = {
        ...(occurrence.issue === undefined ? {} : { issue: occurrence.issue }),
        ...(source.series ? { next: nextStart(source, occurrence.end) } : {}),
      };
      inEffect.push({ kind: source.kind, name, start: occurrence.start, end: occurrence.end, ...about });
      if (source.kind === "blackout") {
        blockers.push({ kind: "blackout", name, start: occurrence.start, end: occurrence.end, ...about });
        continue;
      }
      if (source.bypass !== null) {
        bypasses.push({ ...source.bypass, freeze: name });
        continue;
      }
      if (input.type === "emergency") {
        blockers.push({ kind: "awaiting-incident-commander", name, end: occurrence.end, approvers: input.policy.emergency.approvers });
        continue;
      }
      blockers.push({ kind: "freeze", name, start: occurrence.start, end: occurrence.end, exception: source.exceptions, ...about });
    }
  }

  return { allowed: blockers.length === 0, blockers, window, inEffect, bypasses };
}

/**
 * A freeze exception holds when the PR carries one of its labels (if it lists labels)
 * and has a counted approval from one of its teams (if it lists teams).
 */
function freezeException(freeze: string, rule: FreezeWindow["exceptions"], input: ScheduleInput): ScheduleBypass | null {
  if (!rule || (rule.labels.length === 0 && rule.approvers.length === 0)) return null;
  const label = rule.labels.length === 0 ? null : rule.labels.find((name) => input.labels.includes(name)) ?? undefined;
  if (label === undefined) return null;
  const approver = rule.approvers.length === 0 ? null : teamApprover(input.approvers, rule.approvers) ?? undefined;
  if (approver === undefined) return null;
  return { kind: "freeze-exception", freeze, label, approver };
}

/**
 * The first instant after `at` where the schedule may change: a window slot's edge within
 * the next eight days, or the nearest edge of an occurrence in scope.
 */
function nextBoundary(facts: StaticFacts, at: number): number | null {
  let nearest = Infinity;
  if (Array.isArray(facts.window)) nearest = slotBoundariesAfter(facts.window, at, facts.input.policy.timezone)[0] ?? Infinity;
  for (const source of facts.sources) {
    if (source.dated !== null) {
      for (const edge of [source.dated.start, source.dated.end]) if (edge > at && edge < nearest) nearest = edge;
      continue;
    }
    if (source.between === null) continue;
    // Near first, as nextStart does: the horizon only for a source with nothing close.
    for (let from = at, span = CHUNK_MS; from < at + HORIZON_MS && from < nearest; from += span, span *= 4) {
      let found = false;
      for (const occurrence of source.between(from === at ? at - source.longest : from, Math.min(nearest, from + span))) {
        if (occurrence.start >= nearest) break;
        const edge = occurrence.start > at ? occurrence.start : occurrence.end;
        if (edge > at && edge < nearest && edge !== OPEN_ENDED) {
          nearest = edge;
          found = true;
        }
      }
      if (found) break;
    }
  }
  return nearest === Infinity ? null : nearest;
}

/**
 * The first instant after `at` where `allowed` becomes `wanted`, within the horizon: one
 * sweep over the edges of window slots and of blocking occurrences, in time order, chunk
 * by chunk, keeping how many of each are open. Each edge is visited once, so the cost is
 * about linear in what lies between `at` and the answer.
 */
function nextFlip(facts: StaticFacts, at: number, wanted: boolean): number | null {
  const slots = facts.window;
  if (slots === "never" && wanted) return null;
  const zone = facts.input.policy.timezone;
  const blocking = facts.sources.filter((source) => source.kind === "blackout" || source.bypass === null);
  if (wanted && blocking.some((source) => source.between === null)) return null;

  // Dated entries: one sorted list of starts and one of ends, read with a cursor each.
  const datedStarts: number[] = [];
  const datedEnds: number[] = [];
  let open = 0;
  for (const source of blocking) {
    if (source.dated === null || source.dated.end <= at) continue;
    if (source.dated.start > at) datedStarts.push(source.dated.start);
    else open++;
    datedEnds.push(source.dated.end);
  }
  const ascending = (a: number, b: number) => a - b;
  datedStarts.sort(ascending);
  datedEnds.sort(ascending);
  let startCursor = 0;
  let endCursor = 0;

  const series = blocking.filter((source) => source.dated === null && source.between !== null);
  for (const source of series) open += occurrencesAt(source, at).length;
  let windowsOpen = Array.isArray(slots) ? slotOccurrencesBetween(slots, at, at, zone).filter((slot) => contains(slot, at)).length : 0;

  const allowed = () => open === 0 && (slots === "always" || windowsOpen > 0);
  // Chunks grow from a day to eight: most flips are within hours, and a short first chunk reads little.
  for (let from = at, span = DAY_MS; from < at + HORIZON_MS; from += span, span = Math.min(span * 2, CHUNK_MS)) {
    const to = from + span;
    // Edges in (from, to]: [instant, change in open occurrences, change in open windows].
    const edges: [number, number, number][] = [];
    while (startCursor < datedStarts.length && datedStarts[startCursor]! <= to) edges.push([datedStarts[startCursor++]!, 1, 0]);
    while (endCursor < datedEnds.length && datedEnds[endCursor]! <= to) edges.push([datedEnds[endCursor++]!, -1, 0]);
    for (const source of series) {
      for (const occurrence of source.between!(from, to + 1)) {
        if (occurrence.start > from && occurrence.start <= to) edges.push([occurrence.start, 1, 0]);
        if (occurrence.end > from && occurrence.end <= to) edges.push([occurrence.end, -1, 0]);
      }
    }
    if (Array.isArray(slots)) {
      for (const slot of slotOccurrencesBetween(slots, from, to, zone)) {
        if (slot.start > from && slot.start <= to) edges.push([slot.start, 0, 1]);
        if (slot.end > from && slot.end <= to) edges.push([slot.end, 0, -1]);
      }
    }
    edges.sort((a, b) => a[0] - b[0]);
    for (let i = 0; i < edges.length; ) {
      const instant = edges[i]![0];
      for (; i < edges.length && edges[i]![0] === instant; i++) {
        open += edges[i]![1];
        windowsOpen += edges[i]![2];
      }
      if (allowed() === wanted) return instant;
    }
  }
  return null;
}
