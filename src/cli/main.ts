// First: zod without its JIT for a short-lived process (zod-jitless.ts), before any schema is built.
import "../zod-jitless.js";
import { readFileSync } from "node:fs";
import { HELP_FLAGS, runDeclared, helpText, type CommandDeclaration } from "./command.js";
import { EXIT, UsageError, type CliIo } from "./io.js";
import { nearestName } from "../engine/problems.js";

/**
 * Every command, in the order the overview lists them; a new command is one line here. Each
 * is loaded when it runs (the bundle splits them), so `check` never loads the audit's code.
 */
const COMMANDS: readonly { name: string; load: () => Promise<CommandDeclaration> }[] = [
  { name: "check", load: async () => (await import("./check.js")).CHECK_COMMAND },
  { name: "validate", load: async () => (await import("./validate.js")).VALIDATE_COMMAND },
  { name: "calendar", load: async () => (await import("./calendar.js")).CALENDAR_COMMAND },
  { name: "schema", load: async () => (await import("./schema.js")).SCHEMA_COMMAND },
  { name: "init", load: async () => (await import("./init.js")).INIT_COMMAND },
  { name: "audit", load: async () => (await import("./audit.js")).AUDIT_COMMAND },
  { name: "changes", load: async () => (await import("./audit.js")).CHANGES_COMMAND },
  { name: "metrics", load: async () => (await import("./audit.js")).METRICS_COMMAND },
  { name: "site", load: async () => (await import("./site.js")).SITE_COMMAND },
];

async function overview(): Promise<string> {
  const commands = await Promise.all(COMMANDS.map((command) => command.load()));
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    "changegate: change management as pull-request gates",
    "",
    "usage: changegate <command> [flags]",
    "",
    "Commands:",
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    "",
    "See changegate <command> --help for a command's flags; changegate --version for the version.",
    "Exit status: 0 pass, 1 blocked (or invalid, or a broken audit trail), 2 usage error, unreadable input or invalid policy.",
    "",
  ].join("\n");
}

/** The package's version, from the package.json two folders up (of dist/cli/ and dist/cli-bundle/ alike). */
export function version(): string {
  for (const path of ["../../package.json"]) {
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
      io.stdout.write(helpText(await topic.load()));
      return EXIT.ok;
    }
    if (name === "help" && args[0] !== undefined) return unknownCommand(args[0], io);
    (name === undefined ? io.stderr : io.stdout).write(await overview());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    io.stdout.write(`changegate ${version()}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS.find((candidate) => candidate.name === name);
  if (entry === undefined) return unknownCommand(name, io);
  try {
    return await runDeclared(await entry.load(), args, io);
  } catch (error) {
    if (error instanceof UsageError || isArgumentError(error)) {
      io.stderr.write(`changegate ${name}: ${(error as Error).message.split("\n")[0]}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`changegate ${name}: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.usage;
  }
}

function unknownCommand(name: string, io: CliIo): number {
  const nearest = nearestName(name, COMMANDS.map((candidate) => candidate.name));
  const hint = nearest === undefined ? "" : `: did you mean "${nearest}"?`;
  io.stderr.write(`changegate: unknown command "${name}"${hint} (commands: ${COMMANDS.map((candidate) => candidate.name).join(", ")}; see changegate --help)\n`);
  return EXIT.usage;
}

/** node:util parseArgs rejects unknown or malformed flags with these codes. */
function isArgumentError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}
