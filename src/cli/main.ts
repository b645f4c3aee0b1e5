import { readFileSync } from "node:fs";
import { AUDIT_COMMAND, CHANGES_COMMAND, METRICS_COMMAND } from "./audit.js";
import { CHECK_COMMAND } from "./check.js";
import { HELP_FLAGS, runDeclared, helpText, type CommandDeclaration } from "./command.js";
import { INIT_COMMAND } from "./init.js";
import { EXIT, UsageError, type CliIo } from "./io.js";
import { nearestName } from "../engine/problems.js";
import { SCHEMA_COMMAND } from "./schema.js";
import { VALIDATE_COMMAND } from "./validate.js";

/** Every command, in the order the overview lists them; a new command is one line here. */
const COMMANDS: readonly CommandDeclaration[] = [CHECK_COMMAND, VALIDATE_COMMAND, SCHEMA_COMMAND, INIT_COMMAND, AUDIT_COMMAND, CHANGES_COMMAND, METRICS_COMMAND];

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    "changegate: change management as pull-request gates",
    "",
    "usage: changegate <command> [flags]",
    "",
    "Commands:",
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    "",
    "See changegate <command> --help for a command's flags; changegate --version for the version.",
    "Exit status: 0 pass, 1 blocked (or invalid, or a broken audit trail), 2 usage error, unreadable input or invalid policy.",
    "",
  ].join("\n");
}

/** The package's version, read beside the code (dist/cli/ or the bundle's dist/). */
export function version(): string {
  for (const path of ["../../package.json", "../package.json"]) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8")) as { name?: unknown; version?: unknown };
      if (manifest.name === "changegate" && typeof manifest.version === "string") return manifest.version;
    } catch {
      // not this one
    }
  }
  return "unknown";
}

/** The CLI's entry: returns the exit status; a user's mistake is one line on stderr, never a stack trace. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "help" || HELP_FLAGS.includes(name)) {
    const topic = name === "help" ? COMMANDS.find((command) => command.name === args[0]) : undefined;
    if (topic !== undefined) {
      io.stdout.write(helpText(topic));
      return EXIT.ok;
    }
    (name === undefined ? io.stderr : io.stdout).write(overview());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    io.stdout.write(`changegate ${version()}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    const nearest = nearestName(name, COMMANDS.map((candidate) => candidate.name));
    const hint = nearest === undefined ? "" : `: did you mean "${nearest}"?`;
    io.stderr.write(`changegate: unknown command "${name}"${hint} (commands: ${COMMANDS.map((candidate) => candidate.name).join(", ")}; see changegate --help)\n`);
    return EXIT.usage;
  }
  try {
    return await runDeclared(command, args, io);
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
