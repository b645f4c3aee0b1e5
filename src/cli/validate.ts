import { parseArgs } from "node:util";
import { parseChangeRequest } from "../engine/change-request.js";
import { parsePolicy, POLICY_PATH } from "../engine/policy.js";
import { formatProblem } from "../engine/problems.js";
import { attachCliCalendar } from "./calendar-inputs.js";
import { readInput } from "./inputs.js";
import { EXIT, UsageError, type CliIo } from "./io.js";

export const VALIDATE_USAGE = "usage: changegate validate [FILE] [--body FILE|-]";

/**
 * `changegate validate [FILE]`: a policy file (default `.github/changegate.yml`), or with
 * `--body` a PR description's change request. Exit 0 valid, 1 invalid, 2 unreadable.
 */
export async function runValidate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { body: { type: "string" } } });
  if (positionals.length > 1) throw new UsageError(`validate takes one file; got ${positionals.length}`);
  if (values.body !== undefined) {
    if (positionals.length > 0) throw new UsageError("validate takes a policy FILE or --body, not both");
    const result = parseChangeRequest(await readInput(io, values.body, "PR description"));
    if (result.status === "invalid") {
      for (const problem of result.problems) io.stderr.write(`${formatProblem(problem)}\n`);
      return EXIT.blocked;
    }
    io.stdout.write(result.status === "absent" ? "no change request block found\n" : `valid ${result.request.type} change request (line ${result.line})\n`);
    return result.status === "absent" ? EXIT.blocked : EXIT.ok;
  }
  const file = positionals[0] ?? POLICY_PATH;
  const parsed = parsePolicy({ file, text: await readInput(io, file, "policy") });
  // The calendar's rules, regions and files are checked too (no releases or issues: those need none).
  const result = parsed.ok ? await attachCliCalendar(io, parsed.policy, { policyFile: file, base: null, releases: undefined, issues: undefined, teams: {}, permissions: null }) : parsed;
  if (!result.ok) {
    for (const problem of result.problems) io.stderr.write(`${formatProblem(problem)}\n`);
    return EXIT.blocked;
  }
  io.stdout.write(`${file}: valid policy\n`);
  return EXIT.ok;
}
