import { ActionError } from "./context.js";
import type { ActionOutcome, ModeEnvironment } from "./outcome.js";

/** `mode: gate` on GitHub's records (being built on the shared GitHub adapters). */
export async function runGateMode(_environment: ModeEnvironment): Promise<ActionOutcome> {
  throw new ActionError("mode: gate is not available in this build yet.");
}
