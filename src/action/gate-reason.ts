import type { GateRound } from "./gate-mode.js";

/** The one-line reason of a round, as the step reports it. */
export function gateReasonOf(round: GateRound): string {
  return round.decision.reason;
}
