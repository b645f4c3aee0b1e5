import { BODY_FILE, parseChangeRequest, type ChangeRequestResult } from "../engine/change-request.js";
import { parsePolicy, POLICY_PATH, type Policy } from "../engine/policy.js";
import { formatProblem, nearestName, type Problem } from "../engine/problems.js";
import { parseFlags, type CommandDeclaration } from "./command.js";
import { attachCliCalendar } from "./calendar-inputs.js";
import { readInput } from "./inputs.js";
import { EXIT, UsageError, type CliIo } from "./io.js";

const VALIDATE_FLAGS = {
  body: { type: "string", value: "FILE|-", help: "a PR description: validate its change-request block (with a policy FILE too, against that policy)" },
} as const;

export const VALIDATE_COMMAND: CommandDeclaration = {
  name: "validate",
  summary: `check a policy (default ${POLICY_PATH}) or a PR description's change-request block`,
  operands: "[FILE]",
  flags: VALIDATE_FLAGS,
  details:
    "With a policy FILE and --body together, the block is also held against that policy: a\n" +
    "standard_change missing from its catalog is caught here, as check would.\n" +
    "Exit status: 0 valid, 1 invalid (each problem on its own line), 2 unreadable.",
  run: runValidate,
};

/**
 * `changegate validate [FILE] [--body FILE]`: a policy file (default `.github/changegate.yml`),
 * a PR description's change request, or both, the block against the policy.
 */
export async function runValidate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags("validate", VALIDATE_FLAGS, args, { positionals: true });
  if (positionals.length > 1) throw new UsageError(`validate takes one policy file; got ${positionals.length}`);
  let policy: Policy | null = null;
  if (values.body === undefined || positionals.length > 0) {
    const file = positionals[0] ?? POLICY_PATH;
    const parsed = parsePolicy({ file, text: await readInput(io, file, "policy") });
    // The calendar's rules, regions and files are checked too (no releases or issues: those need none).
    const result = parsed.ok ? await attachCliCalendar(io, parsed.policy, { policyFile: file, base: null, releases: undefined, issues: undefined, teams: {}, permissions: null }) : parsed;
    if (!result.ok) return reportProblems(io, result.problems);
    io.stdout.write(`${file}: valid policy\n`);
    policy = result.policy;
  }
  if (values.body === undefined) return EXIT.ok;
  const body = await readInput(io, values.body, "PR description");
  const result = parseChangeRequest(body);
  if (result.status === "invalid") return reportProblems(io, result.problems);
  if (result.status === "absent") {
    io.stdout.write(
      result.unfencedLine === undefined
        ? "no change request block found\n"
        : `no change request block found: line ${result.unfencedLine} has \`change_request:\` outside a fenced block (put it between \`\`\`yaml and \`\`\` lines)\n`,
    );
    return EXIT.blocked;
  }
  const problems = policy === null ? [] : catalogProblems(result, policy, body);
  if (problems.length > 0) return reportProblems(io, problems);
  io.stdout.write(`valid ${result.request.type} change request (line ${result.line})${policy === null ? "" : " for this policy"}\n`);
  return EXIT.ok;
}

function reportProblems(io: CliIo, problems: readonly Problem[]): number {
  for (const problem of problems) io.stderr.write(`${formatProblem(problem)}\n`);
  return EXIT.blocked;
}

/** A standard change's catalog id must be in the policy's `standard_changes` (the paths are check's to judge). */
function catalogProblems(result: Extract<ChangeRequestResult, { status: "valid" }>, policy: Policy, body: string): Problem[] {
  const id = result.request.standard_change;
  if (result.request.type !== "standard" || id === undefined || id === null || Object.hasOwn(policy.standard_changes, id)) return [];
  const lines = body.split(/\r\n|\r|\n/);
  const index = lines.findIndex((line, at) => at >= result.line - 1 && /^\s*standard_change\s*:/.test(line));
  const known = Object.keys(policy.standard_changes);
  const nearest = nearestName(id, known);
  return [
    {
      source: "change-request",
      file: BODY_FILE,
      path: "change_request.standard_change",
      line: index === -1 ? result.line : index + 1,
      column: index === -1 ? 1 : lines[index]!.indexOf("standard_change") + 1,
      message: `"${id}" is not in the policy's standard_changes catalog`,
      suggestion: nearest !== undefined ? `did you mean "${nearest}"?` : known.length > 0 ? `the catalog has ${known.join(", ")}` : "the policy's catalog is empty: use type: normal",
    },
  ];
}
