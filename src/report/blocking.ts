import type { Decision } from "../engine/evaluate.js";
import { CHECK_NAMES, type CheckName } from "./checks.js";

/**
 * Which of the three checks a decision blocks (its enforced conclusion is a failure), read
 * from the decision itself: for comparing two decisions (does a later instant let anything
 * through?) without rendering either. test/render.test.ts holds it equal to what
 * renderChecks concludes.
 */
export function blockingChecks(decision: Decision): Set<CheckName> {
  if (decision.kind !== "evaluated") return new Set([CHECK_NAMES.risk, CHECK_NAMES.schedule, CHECK_NAMES.approvals]);
  const blocked = new Set<CheckName>();
  const noChange = decision.changeRequest.status === "invalid" || decision.change === null || (decision.standard !== null && !decision.standard.matches);
  if (noChange || decision.proposedPolicyProblems.length > 0) blocked.add(CHECK_NAMES.risk);
  const { schedule, approvals } = decision;
  if (schedule === null || (schedule.gated && !schedule.allowed)) blocked.add(CHECK_NAMES.schedule);
  if (approvals === null || approvals.changesRequested.length > 0 || (approvals.requirement.basis !== "standard" && !approvals.satisfied)) blocked.add(CHECK_NAMES.approvals);
  return blocked;
}

/** Does going from `before` to `after` let anything through that was blocked? */
export function loosens(before: Decision, after: Decision): boolean {
  const after_ = blockingChecks(after);
  return [...blockingChecks(before)].some((name) => !after_.has(name));
}
