// The GitHub Action's entry (SPEC §7). It reads and validates the inputs, loads only the
// mode it runs (a cold start pays for what that mode needs), and publishes the outcome:
// outputs, job summary, annotations, and a failed step when the decision blocks.
import * as core from "@actions/core";
import { readContext } from "../src/action/context.js";
import { ActionError } from "../src/action/errors.js";
import { readInputs, type Mode } from "../src/action/inputs.js";
import type { ActionLog, ActionOutcome, ModeRunner } from "../src/action/outcome.js";

const RUNNERS: Record<Mode, () => Promise<ModeRunner>> = {
  check: async () => (await import("../src/action/check-mode.js")).runCheckMode,
  gate: async () => (await import("../src/action/gate-github.js")).runGateMode,
  audit: async () => (await import("../src/action/audit-mode.js")).runAuditMode,
  site: async () => (await import("../src/action/site-mode.js")).runSiteMode,
};

const log: ActionLog = {
  info: (message) => core.info(message),
  debug: (message) => core.debug(message),
  warning: (message, place) => core.warning(message, place ?? {}),
  error: (message, place) => core.error(message, place ?? {}),
};

async function main(): Promise<void> {
  const read = readInputs((name) => core.getInput(name));
  if (!read.ok) {
    for (const problem of read.problems) core.error(problem, { title: "changegate: invalid input" });
    core.setFailed(read.problems.length === 1 ? read.problems[0]! : `${read.problems.length} invalid inputs (see the errors above)`);
    return;
  }
  for (const warning of read.warnings) core.warning(warning);
  const { inputs } = read;

  let outcome: ActionOutcome;
  try {
    const context = readContext(process.env);
    const run = await RUNNERS[inputs.mode]();
    outcome = await run({
      inputs,
      context,
      log,
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
  } catch (error) {
    // An ActionError's message is written for the reader; anything else is a bug or an outage.
    const message = error instanceof ActionError ? error.message : `changegate failed: ${(error as Error)?.message ?? String(error)}`;
    if (!(error instanceof ActionError)) core.debug((error as Error)?.stack ?? String(error));
    core.setOutput("reason", message);
    core.setFailed(message);
    return;
  }

  core.setOutput("allowed", outcome.allowed === null ? "" : String(outcome.allowed));
  core.setOutput("risk-score", outcome.riskScore === null ? "" : String(outcome.riskScore));
  core.setOutput("risk-tier", outcome.riskTier ?? "");
  core.setOutput("reason", outcome.reason);
  core.setOutput("next-allowed-at", outcome.nextAllowedAt === null ? "" : new Date(outcome.nextAllowedAt).toISOString());
  if (outcome.summary !== "" && process.env["GITHUB_STEP_SUMMARY"]) await core.summary.addRaw(outcome.summary, true).write();

  if (!outcome.blocked) core.info(outcome.reason);
  else if (inputs.failOnBlock) core.setFailed(outcome.reason);
  else core.warning(`${outcome.reason} (fail-on-block: false, so the step passes)`);
}

// Not awaited at the top: the bundle is CommonJS (scripts/build-action.js); main settles every outcome itself.
void main();
