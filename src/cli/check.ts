import type { ChangedFiles } from "../engine/paths.js";
import { POLICY_PATH } from "../engine/policy-path.js";
import type { PolicyFile } from "../github/policy-file.js";
import { evaluateAndPublish } from "../pipeline/pipeline.js";
import type { CheckPublisher } from "../pipeline/publisher.js";
import type { PullRequestFields } from "../pipeline/reader.js";
import { formatProblem, summarizeProblems } from "../engine/problems.js";
import type { RenderedCheck } from "../report/checks.js";
import { markdownToText } from "../report/plain-text.js";
import { parseFlags, type CommandDeclaration } from "./command.js";
import { branchExists, changedFilesSince, defaultBaseRef, fileAtRef, headSha, isAncestor, isGitCheckout } from "./git.js";
import { nowOf, parseFileList, parseInstant, parsePermissions, parseReviews, parseTeams, readInput } from "./inputs.js";
import { attachCliCalendar } from "./calendar-inputs.js";
import { fileReader } from "./file-reader.js";
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

  const [owner, repo] = (values.repo ?? io.env["GITHUB_REPOSITORY"] ?? "local/repository").split("/");
  if (!owner || !repo) throw new UsageError(`--repo expects OWNER/NAME; got "${values.repo}"`);
  const where = { owner, repo };
  const policyFile = await readPolicyFile(io, where, values.policy, inCheckout ? base : null, notes);
  const body = values.body === undefined ? "" : await readInput(io, values.body, "PR description");
  const files = await loadFiles(io, values.files, inCheckout ? base : null, notes);
  // Said once the inputs are read, so that a usage error stays the only line.
  const onBase = inCheckout && base !== null && values.files === undefined && isAncestor(io.cwd, "HEAD", base);
  const number = values.number === undefined ? null : Number(values.number);
  if (number !== null && !(Number.isInteger(number) && number > 0)) throw new UsageError(`--number expects a pull request number; got "${values.number}"`);

  // The same pipeline as the App and the Action, reading what the command line was given.
  const teams = values.teams === undefined ? {} : parseTeams(await readInput(io, values.teams, "teams"), values.teams);
  const permissions = values.permissions === undefined ? null : parsePermissions(await readInput(io, values.permissions, "permissions"), values.permissions);
  const reader = fileReader({
    owner,
    repo,
    files,
    reviews: values.reviews === undefined ? [] : parseReviews(await readInput(io, values.reviews, "reviews"), values.reviews),
    teams,
    permissions,
    pusher: values.pusher ?? null,
    policy: policyFile,
    proposedPolicy: inCheckout && values.policy === undefined ? headPolicyFile(io, where) : null,
    warn: (message) => io.stderr.write(`warning: ${message}\n`),
    orgPolicy: values["org-policy"] === undefined ? null : localPolicyFile(where, values["org-policy"], await readInput(io, values["org-policy"], "organisation policy")),
  });
  const loaded = await reader.policyAt(base ?? "HEAD");
  if (loaded.status === "invalid") throw new UsageError(`invalid policy: ${summarizeProblems(loaded.problems)}`);
  if (loaded.status === "not-enrolled") throw new UsageError(`no policy: pass --policy FILE`);
  for (const warning of loaded.policy.lockWarnings) io.stderr.write(`warning: ${formatProblem(warning)}\n`);
  // The calendar's files, releases and issues (SPEC §10), from the checkout and the files given.
  const attached = await attachCliCalendar(io, loaded.policy, {
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
  const pull: PullRequestFields = { number: number ?? 0, title: values.title ?? "", body, user: { login: values.author ?? "" }, labels: parseLabels(values.labels), head: { sha: values.head ?? "" } };
  const at = values.at === undefined ? nowOf(io) : parseInstant(values.at, "--at", nowOf(io));
  // Outside a pull request there is no number, and stale approvals are filtered only when the head is given.
  const facts = { number, headSha: values.head ?? null };
  if (onBase) io.stderr.write(`changegate check: warning: HEAD is already on ${base}, so there are no changed files to evaluate (check out your branch, or pass --base or --files)\n`);
  const { checks } = await evaluateAndPublish(reader, stdoutPublisher(io, format, notes), pull, policy, { at, facts });
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

/** The CLI's publisher: where the inputs came from, then the three checks on standard output, as JSON (with the decision), text or markdown. */
function stdoutPublisher(io: CliIo, format: OutputFormat, notes: readonly string[]): CheckPublisher {
  return {
    publish: async (checks, _nextChange, decision) => {
      if (decision.kind !== "evaluated") throw new Error("the command line publishes evaluations only");
      if (format === "json") io.stdout.write(`${JSON.stringify({ ...decisionJson(decision, checks), inputs: notes }, null, 2)}\n`);
      else io.stdout.write((notes.length > 0 ? `${notes.join("\n")}\n\n` : "") + report(checks, format));
      return 0;
    },
  };
}

function parseLabels(text: string | undefined): { name: string }[] {
  return (text ?? "").split(",").map((label) => label.trim()).filter((label) => label !== "").map((name) => ({ name }));
}

/** The policy that judges: `--policy FILE`, else the base branch's file in a checkout. */
async function readPolicyFile(io: CliIo, where: Repository, file: string | undefined, base: string | null, notes: string[]): Promise<PolicyFile> {
  if (file !== undefined) return localPolicyFile(where, file, await readInput(io, file, "policy"));
  const fromBase = base === null ? null : fileAtRef(io.cwd, base, POLICY_PATH);
  if (fromBase === null) {
    throw new UsageError(
      base === null
        ? `no policy: pass --policy FILE (outside a git checkout there is no base branch to read ${POLICY_PATH} from)`
        : `not enrolled: ${base} has no ${POLICY_PATH} (pass --policy FILE, or run \`changegate init\`)`,
    );
  }
  notes.push(`policy from ${base} (${POLICY_PATH})`);
  // Its problems name the base branch's file, not the working copy's (which may differ).
  return { ...localPolicyFile(where, POLICY_PATH, fromBase), name: `${base}:${POLICY_PATH}` };
}

async function loadFiles(io: CliIo, file: string | undefined, base: string | null, notes: string[]): Promise<ChangedFiles> {
  if (file !== undefined) return { files: parseFileList(await readInput(io, file, "file list")), complete: true };
  if (base === null) return { files: [], complete: true };
  const files = changedFilesSince(io.cwd, base);
  if (files === null) throw new UsageError(`cannot list the changed files: \`git diff ${base}...HEAD\` failed (pass --files FILE)`);
  notes.push(`${files.length} file${files.length === 1 ? "" : "s"} from git diff ${base}...HEAD`);
  return { files, complete: true };
}

/** In a checkout whose change edits the policy, the edited file (it is validated too; it is not the one that judges). */
function headPolicyFile(io: CliIo, where: Repository): PolicyFile | null {
  const head = headSha(io.cwd);
  const text = head === null ? null : fileAtRef(io.cwd, head, POLICY_PATH);
  return text === null ? null : localPolicyFile(where, POLICY_PATH, text);
}

interface Repository {
  owner: string;
  repo: string;
}

/** A policy file the command line read (`_extends` names other repositories relative to `where`). */
function localPolicyFile(where: Repository, name: string, text: string): PolicyFile {
  return { ...where, path: name, sha: "", text, name };
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
