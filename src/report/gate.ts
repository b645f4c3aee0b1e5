// The deploy gate's decision (engine/gate.ts) in words: its blockers and its one-line reason.
import type { GateBlocker, GateDecision } from "../engine/gate.js";
import { describeMissingApprovals, describeScheduleBlocker, formatInstant, fromWhom } from "./checks.js";
import { capitalize, lowercaseFirst, plural } from "./text.js";

export function describeGateBlocker(blocker: GateBlocker, zone: string): string {
  const at = (instant: number) => formatInstant(instant, zone);
  switch (blocker.kind) {
    case "no-change-request":
      return `PR #${blocker.pull} merged ${
        blocker.status === "absent" ? "without a change request" : blocker.status === "invalid" ? "with an invalid change request" : "as a standard change that does not fit its catalog entry"
      }`;
    case "unapproved": {
      const { approvals } = blocker;
      if (approvals.changesRequested.length > 0) {
        return `PR #${blocker.pull} merged with changes requested by ${approvals.changesRequested.map((review) => `@${review.login}`).join(", ")}`;
      }
      return `PR #${blocker.pull} merged without its approvals: needs ${describeMissingApprovals(approvals.missing)}${fromWhom(approvals.missing)}`;
    }
    case "direct-push":
      return `${blocker.commits.length === 1 ? `commit ${blocker.commits[0]!.slice(0, 7)} was` : `${blocker.commits.length} commits (${blocker.commits.slice(0, 3).map((sha) => sha.slice(0, 7)).join(", ")}${blocker.commits.length > 3 ? ", ..." : ""}) were`} pushed without a pull request (the policy's deploy.allow_direct_pushes is false)`;
    case "schedule": {
      const whose = blocker.pull === null ? " (direct pushes)" : ` (PR #${blocker.pull})`;
      const described = describeScheduleBlocker(blocker.blocker, at, true);
      return `${lowercaseFirst(described)}${whose}`;
    }
  }
}

/** One line for the step's output and log: what it decides, about which changes, and when that changes. */
export function gateReason(decision: GateDecision, zone: string): string {
  const at = (instant: number) => formatInstant(instant, zone);
  const pulls = decision.items.flatMap((item) => (item.pull === null ? [] : [`#${item.pull.number}`]));
  const what = [
    pulls.length === 0 ? null : `${pulls.length === 1 ? "PR" : plural(pulls.length, "PR")} ${pulls.slice(0, 5).join(", ")}${pulls.length > 5 ? ", ..." : ""}`,
    decision.items.some((item) => item.pull === null) ? "direct pushes" : null,
  ].filter((part) => part !== null).join(" and ");

  if (decision.items.length === 0) return `Nothing to weigh for ${decision.sha.slice(0, 7)}`;
  if (decision.wouldAllow) {
    const ungated = decision.items.every((item) => item.schedule !== null && !item.schedule.gated);
    const schedule = ungated ? `${decision.environment} is not schedule-gated` : decision.closesAt === null ? "the schedule allows it" : `the schedule allows it until ${at(decision.closesAt)}`;
    return `May deploy ${decision.sha.slice(0, 7)} to ${decision.environment}: ${what}, approvals satisfied; ${schedule}`;
  }
  const first = describeGateBlocker(decision.blockers[0]!, zone);
  const more = decision.blockers.length > 1 ? ` (and ${decision.blockers.length - 1} more)` : "";
  const opens = decision.opensAt === null ? "" : ` · opens ${at(decision.opensAt)}`;
  const verdict = decision.enforcement === "report" ? "Report only (would block)" : "Blocked";
  return `${verdict}: ${capitalize(first)}${more}${opens}`;
}
