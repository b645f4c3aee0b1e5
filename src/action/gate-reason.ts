import { gateReason } from "../report/gate.js";
import type { GateRound } from "./gate-mode.js";

/** The one-line reason of a round, as the step reports it. */
export function gateReasonOf(round: GateRound): string {
  return gateReason(round.decision, round.timezone);
}
