import { parseArgs } from "node:util";
import { parseChangeRequest } from "../engine/change-request.js";
import { evaluate, type EvaluationInput } from "../engine/evaluate.js";
import type { ChangedFiles } from "../engine/paths.js";
import { parsePolicy, POLICY_PATH, type Policy } from "../engine/policy.js";
import { formatProblem, type Problem } from "../engine/problems.js";
import { renderChecks, type RenderedCheck } from "../report/checks.js";
import { attachCliCalendar } from "./calendar-inputs.js";
import { changedFilesSince, defaultBaseRef, fileAtRef, headSha, isGitCheckout } from "./git.js";
import { parseFileList, parseInstant, parsePermissions, parseReviews, parseTeams, readInput } from "./inputs.js";
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

  const parsedPolicy = await loadPolicy(io, values.policy, inCheckout ? base : null, values["org-policy"]);
  for (const warning of parsedPolicy.lockWarnings) io.stderr.write(`warning: ${formatProblem(warning)}\n`);
  const body = values.body === undefined ? "" : await readInput(io, values.body, "PR description");
  const files = await loadFiles(io, values.files, inCheckout ? base : null);
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
    at: values.at === undefined ? Date.now() : parseInstant(values.at, "--at"),
    changeRequest: parseChangeRequest(body),
    proposedPolicyProblems: proposedPolicyProblems(io, files, inCheckout, values.policy),
  };
  const decision = evaluate(input);
  const checks = renderChecks(decision, { timezone: policy.timezone });

  if (values.json) io.stdout.write(`${JSON.stringify(decisionJson(decision, checks), null, 2)}\n`);
  else io.stdout.write(humanReport(checks));
  return checks.every((check) => check.conclusion !== "failure") ? EXIT.ok : EXIT.blocked;
}

/** The policy; with `orgPolicy`, layered on that file as `_extends` layers it on the organisation's (§9). */
async function loadPolicy(io: CliIo, file: string | undefined, base: string | null, orgPolicy?: string): Promise<Policy> {
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
    name = POLICY_PATH;
  }
  const layers = orgPolicy === undefined ? [] : [{ file: orgPolicy, text: await readInput(io, orgPolicy, "organisation policy") }];
  const result = parsePolicy([...layers, { file: name, text }]);
  if (!result.ok) throw new UsageError(`invalid policy: ${summarizeProblems(result.problems)}`);
  return result.policy;
}

async function loadFiles(io: CliIo, file: string | undefined, base: string | null): Promise<ChangedFiles> {
  if (file !== undefined) return { files: parseFileList(await readInput(io, file, "file list")), complete: true };
  if (base === null) return { files: [], complete: true };
  const files = changedFilesSince(io.cwd, base);
  if (files === null) throw new UsageError(`cannot list the changed files: \`git diff ${base}...HEAD\` failed (pass --files FILE)`);
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

function humanReport(checks: readonly RenderedCheck[]): string {
  return checks
    .map((check) => {
      const summary = check.summary.split("\n").map((line) => (line === "" ? "" : `    ${line}`)).join("\n");
      return `${SYMBOLS[check.conclusion]} ${check.name}: ${check.conclusion}\n  ${check.title}\n\n${summary}\n`;
    })
    .join("\n");
}
