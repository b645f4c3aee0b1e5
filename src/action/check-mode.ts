import { ActionError } from "./context.js";
import type { ActionOutcome, ModeEnvironment } from "./outcome.js";

/** `mode: check`: posts the three check runs (being built on the shared GitHub adapters). */
export async function runCheckMode(_environment: ModeEnvironment): Promise<ActionOutcome> {
  throw new ActionError("mode: check is not available in this build yet.");
}
