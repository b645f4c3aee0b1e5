import type { EvaluatedDecision } from "../engine/evaluate.js";
import type { RenderedCheck } from "../report/checks.js";
import { OPEN_ENDED } from "../engine/occurrences.js";
import { riskJson } from "../engine/risk.js";

/**
 * The `--json` shape of §6: `change`, `risk` (`dimensions`, `score`, `tier`) and the three
 * `checks` in order, extended with the rest of the decision. Instants are ISO strings; keys
 * are snake_case throughout (`opens_at`, `changes_requested`), as in the policy and the block.
 */
export function decisionJson(decision: EvaluatedDecision, checks: readonly RenderedCheck[]): Record<string, unknown> {
  // An open issue's freeze has no end: null, with the issue beside it.
  const iso = (instant: number | null | undefined) => (instant === null || instant === undefined || instant >= OPEN_ENDED ? null : new Date(instant).toISOString());
  const { risk, schedule } = decision;
  return snakeCaseKeys({
    at: iso(decision.at),
    change: decision.change,
    change_request: decision.changeRequest,
    risk: riskJson(risk),
    standard: decision.standard,
    schedule:
      schedule === null
        ? null
        : {
            ...schedule,
            window: schedule.window === null || schedule.window === "always" ? schedule.window : { start: iso(schedule.window.start), end: iso(schedule.window.end) },
            blockers: schedule.blockers.map((blocker) => ({
              ...blocker,
              ...("start" in blocker ? { start: iso(blocker.start) } : {}),
              ...("end" in blocker ? { end: iso(blocker.end) } : {}),
              ...("next" in blocker && blocker.next != null ? { next: iso(blocker.next) } : {}),
            })),
            inEffect: schedule.inEffect.map((entry) => ({ ...entry, start: iso(entry.start), end: iso(entry.end), ...(entry.next == null ? {} : { next: iso(entry.next) }) })),
            opensAt: iso(schedule.opensAt),
            closesAt: iso(schedule.closesAt),
            nextBoundary: iso(schedule.nextBoundary),
          },
    approvals: decision.approvals,
    proposed_policy_problems: decision.proposedPolicyProblems,
    policy_warnings: decision.policyWarnings,
    next_change: decision.nextChange === null ? null : { at: iso(decision.nextChange.at), kind: decision.nextChange.kind },
    checks: checks.map((check) => ({ name: check.name, conclusion: check.conclusion, title: check.title, summary: check.summary })),
  }) as Record<string, unknown>;
}

/** Values written by users (the change-request block): kept as they are. */
const VERBATIM = new Set(["request"]);
/** Maps keyed by names (team -> approver, environment -> figures, week -> figures): their keys kept, their values converted. */
const KEYED_BY_NAME = new Set(["assignment", "environments", "weeks"]);

/** `leadTimeHours` → `lead_time_hours`, at every depth: every `--json` output speaks snake_case. */
export function snakeCaseKeys(value: unknown, keepKeys = false): unknown {
  if (Array.isArray(value)) return value.map((item) => snakeCaseKeys(item));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      keepKeys ? key : key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`),
      !keepKeys && VERBATIM.has(key) ? inner : snakeCaseKeys(inner, !keepKeys && KEYED_BY_NAME.has(key)),
    ]),
  );
}
