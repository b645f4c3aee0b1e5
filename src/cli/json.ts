import type { EvaluatedDecision } from "../engine/evaluate.js";
import type { RenderedCheck } from "../report/checks.js";
import { OPEN_ENDED } from "../engine/occurrences.js";
import { riskJson } from "../engine/risk.js";

/**
 * The `--json` shape of §6: `change`, `risk` (`dimensions`, `score`, `tier`) and the three
 * `checks` in order, extended with the rest of the decision. Instants are ISO strings.
 */
export function decisionJson(decision: EvaluatedDecision, checks: readonly RenderedCheck[]): Record<string, unknown> {
  // An open issue's freeze has no end: null, with the issue beside it.
  const iso = (instant: number | null | undefined) => (instant === null || instant === undefined || instant >= OPEN_ENDED ? null : new Date(instant).toISOString());
  const { risk, schedule } = decision;
  return {
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
  };
}
