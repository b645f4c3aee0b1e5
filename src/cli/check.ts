import { parseArgs } from "node:util";
import type { ChangedFiles } from "../engine/paths.js";
import { POLICY_PATH } from "../engine/policy-path.js";
import type { PolicyFile } from "../github/policy-file.js";
import { evaluateAndPublish } from "../pipeline/pipeline.js";
import type { CheckPublisher } from "../pipeline/publisher.js";
import type { PullRequestFields } from "../pipeline/reader.js";
import { formatProblem, type Problem } from "../engine/problems.js";
import type { RenderedCheck } from "../report/checks.js";
import { changedFilesSince, defaultBaseRef, fileAtRef, headSha, isGitCheckout } from "./git.js";
import { parseFileList, parseInstant, parsePermissions, parseReviews, parseTeams, readInput } from "./inputs.js";
import { attachCliCalendar } from "./calendar-inputs.js";
import { fileReader } from "./file-reader.js";
import { EXIT, UsageError, type CliIo } from "./io.js";
import { decisionJson } from "./json.js";

export const CHECK_USAGE = `usage: changegate check [--body FILE|-] [--policy FILE] [--org-policy FILE] [--files FILE] [--labels a,b]
                        [--author LOGIN] [--reviews FILE] [--teams FILE] [--permissions FILE]
                        [--head SHA] [--at ISO8601] [--json] [--releases FILE] [--issues FILE]
                        [--base REF] [--repo OWNER/NAME] [--number N] [--title TEXT] [--pusher LOGIN]`;

/** `changegate check`: evaluate one pull request's inputs and print the three decisions. */
export async function runCheck(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      body: { type: "string" },
      policy: { type: "string" },
      "org-policy": { type: "string" },
      files: { type: "string" },
      labels: { type: "string" },
      author: { type: "string" },
      reviews: { type: "string" },
      teams: { type: "string" },
      permissions: { type: "string" },
      head: { type: "string" },
      at: { type: "string" },
      json: { type: "boolean", default: false },
      base: { type: "string" },
      repo: { type: "string" },
      number: { type: "string" },
      title: { type: "string" },
      pusher: { type: "string" },
      releases: { type: "string" },
      issues: { type: "string" },
    },
  });

  const inCheckout = isGitCheckout(io.cwd);
  const base = values.base ?? (inCheckout ? defaultBaseRef(io.cwd, io.env) : null);

  const [owner, repo] = (values.repo ?? io.env["GITHUB_REPOSITORY"] ?? "local/repository").split("/");
  if (!owner || !repo) throw new UsageError(`--repo expects OWNER/NAME; got "${values.repo}"`);
  const where = { owner, repo };
  const policyFile = await readPolicyFile(io, where, values.policy, inCheckout ? base : null);
  const body = values.body === undefined ? "" : await readInput(io, values.body, "PR description");
  const files = await loadFiles(io, values.files, inCheckout ? base : null);
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
  const at = values.at === undefined ? Date.now() : parseInstant(values.at, "--at");
  // Outside a pull request there is no number, and stale approvals are filtered only when the head is given.
  const facts = { number, headSha: values.head ?? null };
  const { checks } = await evaluateAndPublish(reader, stdoutPublisher(io, values.json), pull, policy, { at, facts });
  return checks.every((check) => check.conclusion !== "failure") ? EXIT.ok : EXIT.blocked;
}

/** The CLI's publisher: the three checks on standard output, as JSON (with the decision) or as text. */
function stdoutPublisher(io: CliIo, json: boolean): CheckPublisher {
  return {
    publish: async (checks, _nextChange, decision) => {
      if (decision.kind !== "evaluated") throw new Error("the command line publishes evaluations only");
      io.stdout.write(json ? `${JSON.stringify(decisionJson(decision, checks), null, 2)}\n` : humanReport(checks));
      return 0;
    },
  };
}

function parseLabels(text: string | undefined): { name: string }[] {
  return (text ?? "").split(",").map((label) => label.trim()).filter((label) => label !== "").map((name) => ({ name }));
}

/** The policy that judges: `--policy FILE`, else the base branch's file in a checkout. */
async function readPolicyFile(io: CliIo, where: Repository, file: string | undefined, base: string | null): Promise<PolicyFile> {
  if (file !== undefined) return localPolicyFile(where, file, await readInput(io, file, "policy"));
  const fromBase = base === null ? null : fileAtRef(io.cwd, base, POLICY_PATH);
  if (fromBase === null) {
    throw new UsageError(
      base === null
        ? `no policy: pass --policy FILE (outside a git checkout there is no base branch to read ${POLICY_PATH} from)`
        : `not enrolled: ${base} has no ${POLICY_PATH} (pass --policy FILE, or run \`changegate init\`)`,
    );
  }
  return localPolicyFile(where, POLICY_PATH, fromBase);
}

async function loadFiles(io: CliIo, file: string | undefined, base: string | null): Promise<ChangedFiles> {
  if (file !== undefined) return { files: parseFileList(await readInput(io, file, "file list")), complete: true };
  if (base === null) return { files: [], complete: true };
  const files = changedFilesSince(io.cwd, base);
  if (files === null) throw new UsageError(`cannot list the changed files: \`git diff ${base}...HEAD\` failed (pass --files FILE)`);
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

export function summarizeProblems(problems: readonly Problem[]): string {
  const first = formatProblem(problems[0]!);
  return problems.length === 1 ? first : `${first} (and ${problems.length - 1} more)`;
}

const SYMBOLS = { success: "✔", failure: "✖", neutral: "–" } as const;

function humanReport(checks: readonly RenderedCheck[]): string {
  return checks
    .map((check) => {
      const summary = check.summary.split("\n").map((line) => (line === "" ? "" : `    ${line}`)).join("\n");
      return `${SYMBOLS[check.conclusion]} ${check.name}: ${check.conclusion}\n  ${check.title}\n\n${summary}\n`;
    })
    .join("\n");
}
