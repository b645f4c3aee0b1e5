import { ActionError } from "./context.js";
import type { ActionOutcome, ModeEnvironment } from "./outcome.js";

/**
 * `mode: audit` (on `pull_request` / `pull_request_target` closed): records a merged pull
 * request in the audit trail with the trail's own code.
 */
export async function runAuditMode({ context }: ModeEnvironment): Promise<ActionOutcome> {
  const pull = context.payload["pull_request"] as { merged?: boolean; number?: number } | undefined;
  if (!/^pull_request(_target)?$/.test(context.eventName) || context.payload["action"] !== "closed" || pull === undefined) {
    throw new ActionError(
      `mode: audit runs on a pull request's closed event (on: pull_request_target: types: [closed]); this run's event is ${context.eventName}${typeof context.payload["action"] === "string" ? ` (${context.payload["action"]})` : ""}.`,
    );
  }
  if (pull.merged !== true) {
    return { blocked: false, allowed: null, riskScore: null, riskTier: null, reason: `PR #${pull.number} was closed without merging: nothing to record.`, nextAllowedAt: null, summary: "" };
  }
  // Fails closed until the audit trail's recordMerge ships: a merge must never go unrecorded silently.
  throw new ActionError(`mode: audit cannot record PR #${pull.number} yet: this build of changegate has no audit trail (src/audit). The merge was not recorded.`);
}
