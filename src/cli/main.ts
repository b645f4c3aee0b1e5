import { AUDIT_USAGE, runAudit, runChanges, runMetrics } from "./audit.js";
import { CALENDAR_USAGE, runCalendar } from "./calendar.js";
import { runCheck, CHECK_USAGE } from "./check.js";
import { runInit } from "./init.js";
import { EXIT, UsageError, type CliIo } from "./io.js";
import { runSchema, SCHEMA_USAGE } from "./schema.js";
import { runSite, SITE_USAGE } from "./site.js";
import { runValidate, VALIDATE_USAGE } from "./validate.js";

const USAGE = `changegate: change management as pull-request gates

${CHECK_USAGE}
${VALIDATE_USAGE}
${CALENDAR_USAGE}
${SCHEMA_USAGE}
usage: changegate init
${AUDIT_USAGE}
${SITE_USAGE}

Exit status: 0 pass, 1 blocked (or invalid, or a broken audit trail), 2 usage error, unreadable input or invalid policy.`;

type Command = (args: string[], io: CliIo) => Promise<number> | number;

const COMMANDS: Record<string, Command> = {
  check: runCheck,
  validate: runValidate,
  calendar: runCalendar,
  schema: runSchema,
  init: runInit,
  audit: runAudit,
  changes: runChanges,
  metrics: runMetrics,
  site: runSite,
};

/** The CLI's entry: returns the exit status; a user's mistake is one line on stderr, never a stack trace. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    io.stdout.write(`${USAGE}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr.write(`changegate: unknown command "${name}" (expected ${Object.keys(COMMANDS).join(", ")})\n`);
    return EXIT.usage;
  }
  try {
    return await command(args, io);
  } catch (error) {
    if (error instanceof UsageError || isArgumentError(error)) {
      io.stderr.write(`changegate ${name}: ${(error as Error).message.split("\n")[0]}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`changegate ${name}: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.usage;
  }
}

/** node:util parseArgs rejects unknown or malformed flags with these codes. */
function isArgumentError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}
