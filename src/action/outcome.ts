import { POLICY_PATH } from "../engine/policy.js";
import { formatProblem, type Problem } from "../engine/problems.js";
import type { ActionContext } from "./context.js";
import type { ActionInputs } from "./inputs.js";

/** What a mode decided, for main to publish: outputs, job summary, and whether to fail. */
export interface ActionOutcome {
  /** The decision blocks: the step fails unless `fail-on-block: false`. */
  blocked: boolean;
  allowed: boolean | null;
  riskScore: number | null;
  riskTier: string | null;
  reason: string;
  /** Epoch milliseconds. */
  nextAllowedAt: number | null;
  /** Markdown for the job summary. */
  summary: string;
}

/** Where an annotation points: a file and line of the repository. */
export interface AnnotationPlace {
  title?: string;
  file?: string;
  startLine?: number;
  startColumn?: number;
}

/** The runner's logging, as `@actions/core` provides it (and tests can record). */
export interface ActionLog {
  info(message: string): void;
  debug(message: string): void;
  warning(message: string, place?: AnnotationPlace): void;
  error(message: string, place?: AnnotationPlace): void;
}

export interface ModeEnvironment {
  inputs: ActionInputs;
  context: ActionContext;
  log: ActionLog;
  /** The instant now, epoch milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export type ModeRunner = (environment: ModeEnvironment) => Promise<ActionOutcome>;

/** Problems as annotations: a policy problem in this repository's file at its line. */
export function annotateProblems(log: ActionLog, problems: readonly Problem[], level: "error" | "warning"): void {
  for (const problem of problems) {
    // The policy file and the files it names (an `ics:` calendar) are in this repository; `_extends` layers ("owner/repo:path") are not.
    const inRepository = problem.source === "policy" && (problem.file === POLICY_PATH || !problem.file.includes(":")) && problem.line !== null;
    const place = inRepository
      ? { title: `changegate: ${problem.path || "policy"}`, file: problem.file, startLine: problem.line!, ...(problem.column === null ? {} : { startColumn: problem.column }) }
      : { title: problem.source === "change-request" ? "changegate: change request" : "changegate: policy" };
    log[level](formatProblem(problem), place);
  }
}
