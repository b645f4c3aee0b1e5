import { parseChangeRequest } from "../engine/change-request.js";
import { evaluate, type EvaluationInput } from "../engine/evaluate.js";
import type { ChangedFiles } from "../engine/paths.js";
import { parsePolicy, POLICY_PATH, type Policy } from "../engine/policy.js";
import { formatProblem, type Problem } from "../engine/problems.js";
import { renderChecks, type RenderedCheck } from "../report/checks.js";
import { markdownToText } from "../report/plain-text.js";
import { attachCliCalendar } from "./calendar-inputs.js";
import { parseFlags, type CommandDeclaration } from "./command.js";
import { branchExists, changedFilesSince, defaultBaseRef, fileAtRef, headSha, isGitCheckout, isAncestor } from "./git.js";
import { nowOf, parseFileList, parseInstant, parsePermissions, parseReviews, parseTeams, readInput } from "./inputs.js";
import { EXIT, UsageError, type CliIo } from "./io.js";
import { decisionJson } from "./json.js";

const CHECK_FLAGS = {
  body: { type: "string", value: "FILE|-", help: "the PR description (- reads standard input)" },
  policy: { type: "string", value: "FILE", help: `the policy (default: ${POLICY_PATH} on the base branch)` },
  "org-policy": { type: "string", value: "FILE", help: "organisation defaults the policy is layered on, as `_extends` layers it (§9)" },
  files: { type: "string", value: "FILE", help: "changed files, one a line (default: git diff BASE...HEAD)" },
  labels: { type: "string", value: "a,b", help: "the PR's labels, comma-separated" },
  author: { type: "string", value: "LOGIN", help: "the PR's author (their approval never counts)" },
  reviews: { type: "string", value: "FILE", help: "a JSON array of GitHub review objects" },
  teams: { type: "string", value: "FILE", help: 'team members as JSON, e.g. {"sre": ["alice"]}' },
  permissions: { type: "string", value: "FILE", help: 'permissions as JSON, e.g. {"alice": "write"} (default: everyone may write)' },
  head: { type: "string", value: "SHA", help: "the head commit (approvals of other commits are stale)" },
  at: { type: "string", value: "TIME", help: "the instant to decide at: ISO 8601 with offset, a date, or a duration back (2h); default now" },
  format: { type: "string", value: "text|markdown|json", help: "output: text in a terminal, markdown (the check runs' own text) when piped" },
  json: { type: "boolean", help: "the decision as JSON (same as --format json)" },
  base: { type: "string", value: "REF", help: "the base branch in a git checkout (default: GITHUB_BASE_REF, origin/HEAD, main, master)" },
  repo: { type: "string", value: "OWNER/NAME", help: "the repository (default: GITHUB_REPOSITORY)" },
  number: { type: "string", value: "N", help: "the pull request's number" },
  title: { type: "string", value: "TEXT", help: "the pull request's title" },
  pusher: { type: "string", value: "LOGIN", help: "who pushed the head commit (their approval never counts)" },
  releases: { type: "string", value: "FILE", help: "releases as JSON, for the policy's after_release entries" },
  issues: { type: "string", value: "FILE", help: "issues as JSON, for the policy's while_issues_open entries" },
} as const;

export const CHECK_COMMAND: CommandDeclaration = {
  name: "check",
  summary: "evaluate one pull request and print the three checks (risk, schedule, approvals)",
  flags: CHECK_FLAGS,
  details:
    "Inside a git checkout the policy comes from the base branch and the changed files from\n" +
    "`git diff BASE...HEAD`; the first lines say where each input came from.\n" +
    "Exit status: 0 every check passes or is neutral, 1 a check blocks, 2 a usage error.",
  run: runCheck,
};

type OutputFormat = "text" | "markdown" | "json";

/** `changegate check`: evaluate one pull request's inputs and print the three decisions. */
export async function runCheck(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags("check", CHECK_FLAGS, args);
  const format = outputFormat(values.format, values.json, io);

  // git is asked only for what the flags leave out (each query is a process: ~10 ms).
  const needsGit = values.policy === undefined || values.files === undefined || values.base !== undefined;
  const inCheckout = needsGit && isGitCheckout(io.cwd);
  if (values.base !== undefined && inCheckout && !branchExists(io.cwd, values.base)) {
    throw new UsageError(`--base ${values.base}: no such branch or commit in this checkout (try origin/${values.base.replace(/^origin\//, "")}, or git fetch)`);
  }
  const base = values.base ?? (inCheckout ? defaultBaseRef(io.cwd, io.env) : null);
  const notes: string[] = [];

  const parsedPolicy = await loadPolicy(io, values.policy, inCheckout ? base : null, notes, values["org-policy"]);
  for (const warning of parsedPolicy.lockWarnings) io.stderr.write(`warning: ${formatProblem(warning)}\n`);
  const body = values.body === undefined ? "" : await readInput(io, values.body, "PR description");
  const files = await loadFiles(io, values.files, inCheckout ? base : null, notes);
  // Said once the inputs are read, so that a usage error stays the only line.
  const onBase = inCheckout && base !== null && values.files === undefined && isAncestor(io.cwd, "HEAD", base);
  const [owner, repo] = (values.repo ?? io.env["GITHUB_REPOSITORY"] ?? "local/repository").split("/");
  if (!owner || !repo) throw new UsageError(`--repo expects OWNER/NAME; got "${values.repo}"`);
  const number = values.number === undefined ? null : Number(values.number);
  if (number !== null && !(Number.isInteger(number) && number > 0)) throw new UsageError(`--number expects a pull request number; got "${values.number}"`);

  const teams = values.teams === undefined ? {} : parseTeams(await readInput(io, values.teams, "teams"), values.teams);
  const permissions = values.permissions === undefined ? null : parsePermissions(await readInput(io, values.permissions, "permissions"), values.permissions);
  const attached = await attachCliCalendar(io, parsedPolicy, {
    policyFile: values.policy,
    base: inCheckout ? base : null,
    releases: values.releases,
    issues: values.issues,
    teams,
    permissions,
    repository: values.repo ?? io.env["GITHUB_REPOSITORY"],
  });
  if (!attached.ok) throw new UsageError(`invalid policy: ${summarizeProblems(attached.problems)}`);
  const policy = attached.policy;
  const input: EvaluationInput = {
    policy,
    pullRequest: {
      owner,
      repo,
      number,
      title: values.title ?? "",
      author: values.author ?? "",
      body,
      labels: (values.labels ?? "").split(",").map((label) => label.trim()).filter((label) => label !== ""),
      headSha: values.head ?? null,
      lastPusher: values.pusher ?? null,
    },
    files,
    reviews: values.reviews === undefined ? [] : parseReviews(await readInput(io, values.reviews, "reviews"), values.reviews),
    teams,
    permissions,
    at: values.at === undefined ? nowOf(io) : parseInstant(values.at, "--at", nowOf(io)),
    changeRequest: parseChangeRequest(body),
    proposedPolicyProblems: proposedPolicyProblems(io, files, inCheckout, values.policy),
  };
  const decision = evaluate(input);
  const checks = renderChecks(decision, { timezone: policy.timezone });

  if (onBase) io.stderr.write(`changegate check: warning: HEAD is already on ${base}, so there are no changed files to evaluate (check out your branch, or pass --base or --files)\n`);
  if (format === "json") io.stdout.write(`${JSON.stringify({ ...decisionJson(decision, checks), inputs: notes }, null, 2)}\n`);
  else io.stdout.write((notes.length > 0 ? `${notes.join("\n")}\n\n` : "") + report(checks, format));
  return checks.every((check) => check.conclusion !== "failure") ? EXIT.ok : EXIT.blocked;
}

/** `--format` wins, then `--json`; otherwise text for a terminal and markdown (as before) when piped. */
function outputFormat(format: string | undefined, json: boolean, io: CliIo): OutputFormat {
  if (format !== undefined) {
    if (format !== "text" && format !== "markdown" && format !== "json") throw new UsageError(`--format expects text, markdown or json; got "${format}"`);
    if (json && format !== "json") throw new UsageError(`--json and --format ${format} disagree: give one`);
    return format;
  }
  if (json) return "json";
  return io.stdout.isTTY === true ? "text" : "markdown";
}

/** The policy; with `orgPolicy`, layered on that file as `_extends` layers it on the organisation's (§9). */
async function loadPolicy(io: CliIo, file: string | undefined, base: string | null, notes: string[], orgPolicy?: string): Promise<Policy> {
  let text: string;
  let name: string;
  if (file !== undefined) {
    text = await readInput(io, file, "policy");
    name = file;
  } else {
    const fromBase = base === null ? null : fileAtRef(io.cwd, base, POLICY_PATH);
    if (fromBase === null) {
      throw new UsageError(
        base === null
          ? `no policy: pass --policy FILE (outside a git checkout there is no base branch to read ${POLICY_PATH} from)`
          : `not enrolled: ${base} has no ${POLICY_PATH} (pass --policy FILE, or run \`changegate init\`)`,
      );
    }
    text = fromBase;
    // The problems point at the base branch's file, not the working copy's (which may differ).
    name = `${base}:${POLICY_PATH}`;
    notes.push(`policy from ${base} (${POLICY_PATH})`);
  }
  const layers = orgPolicy === undefined ? [] : [{ file: orgPolicy, text: await readInput(io, orgPolicy, "organisation policy") }];
  const result = parsePolicy([...layers, { file: name, text }]);
  if (!result.ok) throw new UsageError(`invalid policy: ${summarizeProblems(result.problems)}`);
  return result.policy;
}

async function loadFiles(io: CliIo, file: string | undefined, base: string | null, notes: string[]): Promise<ChangedFiles> {
  if (file !== undefined) return { files: parseFileList(await readInput(io, file, "file list")), complete: true };
  if (base === null) return { files: [], complete: true };
  const files = changedFilesSince(io.cwd, base);
  if (files === null) throw new UsageError(`cannot list the changed files: \`git diff ${base}...HEAD\` failed (pass --files FILE)`);
  notes.push(`${files.length} file${files.length === 1 ? "" : "s"} from git diff ${base}...HEAD`);
  return { files, complete: true };
}

/** In a checkout whose change edits the policy, the edited file is validated too (it is not the one that judges). */
function proposedPolicyProblems(io: CliIo, files: ChangedFiles, inCheckout: boolean, explicitPolicy: string | undefined): Problem[] | null {
  if (!inCheckout || explicitPolicy !== undefined || !files.files.some((file) => file.path === POLICY_PATH)) return null;
  const head = headSha(io.cwd);
  const text = head === null ? null : fileAtRef(io.cwd, head, POLICY_PATH);
  if (text === null) return null;
  const result = parsePolicy({ file: POLICY_PATH, text });
  return result.ok ? [] : result.problems;
}

export function summarizeProblems(problems: readonly Problem[]): string {
  const first = formatProblem(problems[0]!);
  return problems.length === 1 ? first : `${first} (and ${problems.length - 1} more)`;
}

const SYMBOLS = { success: "✔", failure: "✖", neutral: "–" } as const;

function report(checks: readonly RenderedCheck[], format: "text" | "markdown"): string {
  return checks
    .map((check) => {
      const text = format === "text" ? markdownToText(check.summary) : check.summary;
      const summary = text.split("\n").map((line) => (line === "" ? "" : `    ${line}`)).join("\n");
      return `${SYMBOLS[check.conclusion]} ${check.name}: ${check.conclusion}\n  ${check.title}\n\n${summary}\n`;
    })
    .join("\n");
}
