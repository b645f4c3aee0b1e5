import { nearestName } from "../engine/problems.js";
import { DURATION_EXAMPLES, formatDuration, parseDuration } from "../engine/duration.js";

/**
 * The Action's inputs (SPEC §7), validated all at once so a workflow author sees every
 * mistake in one run. Defaults live here, not in action.yml, so an input given to a mode
 * that ignores it can be pointed out.
 */
export const MODES = ["check", "gate", "audit", "site"] as const;
export type Mode = (typeof MODES)[number];

/** GitHub-hosted runners end a job after 6 hours; `timeout-minutes` can make it shorter. */
export const DEFAULT_JOB_TIMEOUT_MS = 6 * 3_600_000;

export interface ActionInputs {
  mode: Mode;
  token: string;
  /** Fail the step when the decision blocks (default true). */
  failOnBlock: boolean;
  /** gate: the deployment environment (default "production"). */
  environment: string;
  /** gate: the commit to weigh (default GITHUB_SHA). */
  sha: string | null;
  /** gate: how long to wait for the schedule to open, rather than failing (default 0). */
  waitMs: number;
  /** gate: how long the job may live; a longer `wait` fails at once. */
  jobTimeoutMs: number;
  /** gate: write the decision to the audit trail as deployment records (needs `contents: write`). */
  record: boolean;
  /** site: a checkout of the audit branch (default: the trail is read through the API). */
  trailDir: string | null;
  /** site: the folder to write the site to (default "changegate-site"). */
  out: string;
}

export type InputsResult = { ok: true; inputs: ActionInputs; warnings: string[] } | { ok: false; problems: string[] };

/** Which inputs each mode reads; others given are pointed out as ignored. */
const MODE_INPUTS: Record<Mode, readonly string[]> = {
  check: ["fail-on-block"],
  gate: ["environment", "sha", "fail-on-block", "wait", "job-timeout", "record"],
  audit: [],
  site: ["trail-dir", "out"],
};
const ALL_INPUTS = ["mode", "token", "environment", "sha", "fail-on-block", "wait", "job-timeout", "record", "trail-dir", "out"];

/** `read(name)` returns the input's value, "" when unset (as `core.getInput` does). */
export function readInputs(read: (name: string) => string): InputsResult {
  const problems: string[] = [];
  const value = (name: string) => read(name).trim();

  const modeText = value("mode");
  let mode: Mode = "check";
  if (modeText === "") problems.push(`Input "mode" is required: one of ${MODES.join(", ")}.`);
  else if ((MODES as readonly string[]).includes(modeText)) mode = modeText as Mode;
  else problems.push(`Input "mode" must be one of ${MODES.join(", ")}; got "${modeText}"${didYouMean(modeText, MODES)}.`);

  const token = value("token");
  if (token === "") {
    problems.push('Input "token" is empty: pass `token: ${{ secrets.GITHUB_TOKEN }}` or a token that can read the repository (see docs/action.md).');
  }

  const flag = (name: string, fallback: boolean): boolean => {
    const text = value(name);
    if (text === "") return fallback;
    if (/^(true|True|TRUE)$/.test(text)) return true;
    if (/^(false|False|FALSE)$/.test(text)) return false;
    problems.push(`Input "${name}" must be true or false; got "${text}".`);
    return fallback;
  };
  const failOnBlock = flag("fail-on-block", true);
  const record = flag("record", false);

  const environment = value("environment") || "production";
  const shaText = value("sha");
  if (shaText !== "" && !/^[0-9a-f]{40}$/i.test(shaText)) {
    problems.push(`Input "sha" must be a full 40-character commit SHA; got "${shaText}".`);
  }

  const duration = (name: string, fallback: number): number => {
    const text = value(name);
    if (text === "") return fallback;
    const ms = parseDuration(text);
    if (ms === null) problems.push(`Input "${name}" must be a duration such as ${DURATION_EXAMPLES} (a whole number and one unit); got "${text}".`);
    return ms ?? fallback;
  };
  const waitMs = duration("wait", 0);
  const jobTimeoutMs = duration("job-timeout", DEFAULT_JOB_TIMEOUT_MS);
  if (value("job-timeout") !== "" && jobTimeoutMs === 0) problems.push('Input "job-timeout" must be longer than 0.');
  if (waitMs > 0 && jobTimeoutMs > 0 && waitMs >= jobTimeoutMs) {
    problems.push(
      `Input "wait" (${formatDuration(waitMs)}) is not shorter than the job can live (job-timeout ${formatDuration(jobTimeoutMs)}): ` +
        "the runner would end the job before the wait does. Shorten `wait`, or raise the job's `timeout-minutes` and `job-timeout` together (GitHub-hosted jobs end after 6h).",
    );
  }

  if (problems.length > 0) return { ok: false, problems };

  const warnings = ALL_INPUTS.filter((name) => name !== "mode" && name !== "token" && value(name) !== "" && !MODE_INPUTS[mode].includes(name)).map(
    (name) => `Input "${name}" does not apply to mode: ${mode}; it is ignored.`,
  );
  return {
    ok: true,
    inputs: { mode, token, failOnBlock, environment, sha: shaText === "" ? null : shaText.toLowerCase(), waitMs, jobTimeoutMs, record, trailDir: value("trail-dir") || null, out: value("out") || "changegate-site" },
    warnings,
  };
}

function didYouMean(word: string, candidates: readonly string[]): string {
  const nearest = nearestName(word, candidates);
  return nearest === undefined ? "" : ` (did you mean "${nearest}"?)`;
}
