import { formatInstant } from "../report/checks.js";
import { gateReason } from "../report/gate.js";
import { formatDuration } from "../engine/duration.js";
import type { GateDecision } from "../engine/gate.js";
import type { Policy } from "../engine/policy.js";
import type { ActionOutcome, ModeEnvironment } from "./outcome.js";
import { gateSummary } from "./summary.js";

/**
 * `mode: gate` (in a deploy job): may this commit go out to `environment` now? `decide`
 * reads what GitHub records and applies the pure `decideGate` (gate-github.ts); when only the
 * schedule blocks and `wait` allows, this waits for it to open and decides again (everything
 * read afresh: a freeze declared meanwhile still applies).
 */
export interface GateRound {
  decision: GateDecision;
  /** The policy's zone, for the times in messages. */
  timezone: string;
  /** The policy decided by (where the audit trail is, for `record: true`). */
  policy?: Policy;
}

/** Decides at an instant, reading everything afresh. */
export type DecideGate = (at: number) => Promise<GateRound>;

/** How often a long wait says it is still waiting. */
const HEARTBEAT_MS = 10 * 60_000;

export async function gateWithWait({ inputs, log, now, sleep }: ModeEnvironment, decide: DecideGate): Promise<ActionOutcome> {
  const started = now();
  const deadline = started + inputs.waitMs;
  const notes: string[] = [];
  for (;;) {
    const { decision, timezone } = await decide(now());
    const at = (instant: number) => formatInstant(instant, timezone);
    const reason = gateReason(decision, timezone);
    if (decision.allowed || !decision.waitable || inputs.waitMs === 0) {
      if (decision.allowed && !decision.wouldAllow) log.warning(reason);
      return outcome(decision, timezone, notes, reason);
    }
    if (decision.opensAt === null) {
      return outcome(decision, timezone, notes, `${reason}; it does not open within two years under the current policy, so the gate does not wait`);
    }
    if (decision.opensAt > deadline) {
      const waited = now() - started;
      return outcome(
        decision,
        timezone,
        notes,
        `${reason}, after the wait ends (wait: ${formatDuration(inputs.waitMs)}${waited >= 1_000 ? `, ${formatDuration(waited)} of it spent` : ""} until ${at(deadline)}), so the gate does not wait`,
      );
    }
    log.info(`${reason}. Waiting ${formatDuration(decision.opensAt - now())} for it to open (wait: ${formatDuration(inputs.waitMs)}, until ${at(deadline)}).`);
    notes.push(`Waited from ${at(now())} for the schedule to open at ${at(decision.opensAt)}: ${reason}.`);
    while (now() < decision.opensAt) {
      await sleep(Math.min(decision.opensAt - now(), HEARTBEAT_MS));
      if (now() < decision.opensAt) log.info(`Still waiting: opens in ${formatDuration(decision.opensAt - now())} (${at(decision.opensAt)}).`);
    }
  }
}

function outcome(decision: GateDecision, timezone: string, notes: readonly string[], reason: string): ActionOutcome {
  return {
    blocked: !decision.allowed,
    allowed: decision.allowed,
    riskScore: decision.risk?.score ?? null,
    riskTier: decision.risk?.tier ?? null,
    reason,
    nextAllowedAt: decision.allowed ? decision.at : decision.opensAt,
    summary: gateSummary(decision, timezone, notes),
  };
}
