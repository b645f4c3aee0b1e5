import type { ChangeRequest } from "./change-request.js";
import { matchingPaths, pathMatcher, touchedPaths, type ChangedFiles } from "./paths.js";
import { DIMENSIONS, TIERS, TRAFFIC_CLASSES, type Dimension, type Policy, type Slot, type Tier, type TrafficClass } from "./policy.js";
import { slotBoundariesAfter, slotContaining } from "./slots.js";

/** Why a dimension has its score: each source that gave it a value. */
export type RiskReason =
  | { source: "declared"; score: number }
  | { source: "rule"; score: number; rule: string; paths: string[]; labels: string[]; unlistedFiles: boolean }
  | { source: "traffic"; score: number; trafficClass: TrafficClass }
  | { source: "default"; score: number };

export interface DimensionAssessment {
  score: number;
  /** Highest first; those equal to `score` are the ones that set it. */
  reasons: RiskReason[];
}

export interface RiskAssessment {
  dimensions: Record<Dimension, DimensionAssessment>;
  /** Sum of the four, 4..16. */
  score: number;
  tier: Tier;
  declaredTier: Tier | null;
  /** The higher of `tier` and `declaredTier`: what approvals follow. */
  effectiveTier: Tier;
  trafficClass: TrafficClass | null;
  /** False when the changed-file list was incomplete and every path rule was taken as matching. */
  filesComplete: boolean;
}

/** The assessment as plain JSON in snake_case: the CLI's `--json` and the audit record. */
export function riskJson(risk: RiskAssessment) {
  return {
    dimensions: risk.dimensions,
    score: risk.score,
    tier: risk.tier,
    declared_tier: risk.declaredTier,
    effective_tier: risk.effectiveTier,
    traffic_class: risk.trafficClass,
    files_complete: risk.filesComplete,
  };
}

export interface RiskInput {
  policy: Policy;
  /** The declared scores and tier; null when no change request (policy allows none). */
  request: Pick<ChangeRequest, "risk" | "risk_level"> | null;
  files: ChangedFiles;
  labels: readonly string[];
  at: number;
}

const TRAFFIC_SCORES: Record<TrafficClass, number> = { peak: 4, business: 3, normal: 2, "off-peak": 1 };
/** How many matched paths a reason keeps, to stay readable. */
const SHOWN_PATHS = 5;

/**
 * Scores the four dimensions: the maximum of the declared score, every matching rule and
 * (timing) the traffic class at the instant. The policy default stands in for a missing
 * declared score, so a matching rule can raise it but never lower it.
 */
export function assessRisk(input: RiskInput): RiskAssessment {
  const { policy, request, files, labels } = input;
  const reasons: Record<Dimension, RiskReason[]> = { blast_radius: [], reversibility: [], confidence: [], timing: [] };

  for (const dimension of DIMENSIONS) {
    const declared = request?.risk?.[dimension];
    if (declared !== undefined) reasons[dimension].push({ source: "declared", score: declared });
  }

  const paths = touchedPaths(files);
  for (const rule of policy.risk.rules) {
    const matchedLabels = rule.labels.filter((label) => labels.includes(label));
    const unlisted = !files.complete && rule.paths.length > 0;
    const matchedPaths = unlisted ? [] : matchingPaths(paths, pathMatcher(rule.paths), SHOWN_PATHS);
    if (!unlisted && matchedPaths.length === 0 && matchedLabels.length === 0) continue;
    for (const dimension of DIMENSIONS) {
      const score = rule.set[dimension];
      if (score === undefined) continue;
      reasons[dimension].push({ source: "rule", score, rule: rule.name, paths: matchedPaths, labels: matchedLabels, unlistedFiles: unlisted });
    }
  }

  const trafficClass = policy.risk.traffic ? trafficClassAt(policy, input.at) : null;
  if (trafficClass) reasons.timing.push({ source: "traffic", score: TRAFFIC_SCORES[trafficClass], trafficClass });

  const dimensions = {} as Record<Dimension, DimensionAssessment>;
  let score = 0;
  for (const dimension of DIMENSIONS) {
    const list = reasons[dimension];
    // Rules only raise: without a declared score (or traffic), a rule raises the default
    // rather than replacing it.
    if (!list.some((reason) => reason.source !== "rule")) list.push({ source: "default", score: policy.risk.defaults[dimension] });
    list.sort((a, b) => b.score - a.score);
    dimensions[dimension] = { score: list[0]!.score, reasons: list };
    score += list[0]!.score;
  }
  const tier = tierOf(policy, score);
  const declaredTier = request?.risk_level ?? null;
  return {
    dimensions,
    score,
    tier,
    declaredTier,
    effectiveTier: higherTier(tier, declaredTier),
    trafficClass,
    filesComplete: files.complete,
  };
}

export function tierOf(policy: Policy, score: number): Tier {
  for (const tier of TIERS) {
    const [low, high] = policy.risk.tiers[tier];
    if (score >= low && score <= high) return tier;
  }
  return "critical";
}

/** The first traffic class whose slots contain the instant; off-peak when none does. */
export function trafficClassAt(policy: Policy, at: number): TrafficClass {
  const traffic = policy.risk.traffic;
  if (traffic) {
    for (const name of TRAFFIC_CLASSES) {
      const slots = traffic[name];
      if (slots && slotContaining(slots, at, policy.timezone)) return name;
    }
  }
  return "off-peak";
}

const allTrafficSlots = new WeakMap<object, Slot[]>();

/** Instants after `at`, within a week, where the traffic class may change. */
export function trafficBoundariesAfter(policy: Policy, at: number): number[] {
  const traffic = policy.risk.traffic;
  if (!traffic) return [];
  let slots = allTrafficSlots.get(traffic);
  if (slots === undefined) {
    slots = TRAFFIC_CLASSES.flatMap((name) => traffic[name] ?? []);
    allTrafficSlots.set(traffic, slots);
  }
  return slotBoundariesAfter(slots, at, policy.timezone);
}

/** The assessment as it would be with another traffic class: timing is the only clock-bound input. */
export function withTrafficClass(policy: Policy, risk: RiskAssessment, trafficClass: TrafficClass): { score: number; effectiveTier: Tier } {
  const timingReasons = risk.dimensions.timing.reasons.filter((reason) => reason.source !== "traffic" && reason.source !== "default");
  const timing = Math.max(TRAFFIC_SCORES[trafficClass], ...timingReasons.map((reason) => reason.score));
  const score = risk.score - risk.dimensions.timing.score + timing;
  return { score, effectiveTier: higherTier(tierOf(policy, score), risk.declaredTier) };
}

function higherTier(computed: Tier, declared: Tier | null): Tier {
  return declared !== null && TIERS.indexOf(declared) > TIERS.indexOf(computed) ? declared : computed;
}
