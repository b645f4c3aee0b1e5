import { parseArgs } from "node:util";
import { nearestName } from "../engine/problems.js";
import { UsageError, type CliIo } from "./io.js";

/**
 * A command line flag, declared once: node:util's parseArgs reads `type`, `default` and
 * `short`; the help text is made from `value` and `help`.
 */
export interface FlagDeclaration {
  type: "string" | "boolean";
  default?: string | boolean;
  short?: string;
  /** The value's placeholder in the help, e.g. `FILE`. */
  value?: string;
  help: string;
}

export type FlagDeclarations = Record<string, FlagDeclaration>;

/** A command (or an `audit` subcommand): its help is made from this declaration. */
export interface CommandDeclaration {
  name: string;
  summary: string;
  /** What follows the name besides flags, e.g. `[FILE]` or `policy|change-request`. */
  operands?: string;
  flags?: FlagDeclarations;
  /** Paragraphs after the flags. */
  details?: string;
  run?: (args: string[], io: CliIo) => Promise<number> | number;
  subcommands?: readonly CommandDeclaration[];
}

export type FlagValues<F extends FlagDeclarations> = {
  [K in keyof F]: F[K]["type"] extends "boolean" ? boolean : F[K] extends { default: string } ? string : string | undefined;
};

export const HELP_FLAGS = ["--help", "-h"];

/**
 * parseArgs, with an unknown flag answered by the nearest declared one
 * (`--lables` → `--labels`) and the command's help pointed at.
 */
export function parseFlags<F extends FlagDeclarations>(
  command: string,
  flags: F,
  args: string[],
  options: { positionals?: boolean } = {},
): { values: FlagValues<F>; positionals: string[] } {
  const { tokens } = parseArgs({ args, strict: false, allowPositionals: true, tokens: true, options: parseArgsOptions(flags) });
  for (const token of tokens) {
    if (token.kind !== "option" || token.name in flags) continue;
    const known = Object.keys(flags).map((name) => `--${name}`);
    const nearest = nearestName(`--${token.name}`, known);
    throw new UsageError(`unknown option ${token.rawName}${nearest === undefined ? "" : `: did you mean ${nearest}?`} (see changegate ${command} --help)`);
  }
  try {
    const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: options.positionals ?? false, options: parseArgsOptions(flags) });
    return { values: values as FlagValues<F>, positionals };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      throw new UsageError(`changegate ${command} takes no ${JSON.stringify(positionalsOf(tokens)[0] ?? "")}: only flags (see changegate ${command} --help)`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") throw new UsageError(`${(error as Error).message.split("\n")[0]} (see changegate ${command} --help)`);
    throw error;
  }
}

function positionalsOf(tokens: readonly { kind: string; value?: unknown }[]): string[] {
  return tokens.filter((token) => token.kind === "positional").map((token) => String(token.value));
}

function parseArgsOptions(flags: FlagDeclarations): Record<string, { type: "string" | "boolean"; default?: string | boolean; short?: string }> {
  return Object.fromEntries(
    Object.entries(flags).map(([name, flag]) => [name, { type: flag.type, ...(flag.default === undefined ? {} : { default: flag.default }), ...(flag.short === undefined ? {} : { short: flag.short }) }]),
  );
}

/** `changegate NAME --help`: usage line, summary, one line a flag, details. */
export function helpText(command: CommandDeclaration, parents: readonly string[] = []): string {
  const path = ["changegate", ...parents, command.name].join(" ");
  const lines: string[] = [];
  if (command.subcommands !== undefined) {
    lines.push(`usage: ${path} <${command.subcommands.map((sub) => sub.name).join("|")}> [flags]`, "", command.summary, "");
    const width = Math.max(...command.subcommands.map((sub) => sub.name.length));
    for (const sub of command.subcommands) lines.push(`  ${sub.name.padEnd(width)}  ${sub.summary}`);
    lines.push("", `See ${path} <${command.subcommands.map((sub) => sub.name).join("|")}> --help.`);
  } else {
    lines.push(`usage: ${path}${command.operands === undefined ? "" : ` ${command.operands}`}${Object.keys(command.flags ?? {}).length > 0 ? " [flags]" : ""}`, "", command.summary);
    const flags = Object.entries(command.flags ?? {}).map(([name, flag]) => [`--${name}${flag.value === undefined ? "" : ` ${flag.value}`}`, flag] as const);
    if (flags.length > 0) {
      const width = Math.min(28, Math.max(...flags.map(([label]) => label.length)));
      lines.push("", "Flags:");
      for (const [label, flag] of flags) {
        const help = flag.default === undefined || flag.type === "boolean" ? flag.help : `${flag.help} (default ${String(flag.default)})`;
        lines.push(label.length > width ? `  ${label}\n  ${"".padEnd(width)}  ${help}` : `  ${label.padEnd(width)}  ${help}`);
      }
      lines.push(`  ${"--help".padEnd(width)}  this help`);
    }
  }
  if (command.details !== undefined) lines.push("", command.details);
  return `${lines.join("\n")}\n`;
}

/** Runs a declared command: `--help` anywhere before `--` prints its help; subcommands are looked up (with a suggestion). */
export async function runDeclared(command: CommandDeclaration, args: string[], io: CliIo, parents: readonly string[] = []): Promise<number> {
  const path = ["changegate", ...parents, command.name].join(" ");
  if (command.subcommands !== undefined) {
    const [name, ...rest] = args;
    if (name === undefined || HELP_FLAGS.includes(name)) {
      io[name === undefined ? "stderr" : "stdout"].write(helpText(command, parents));
      return name === undefined ? 2 : 0;
    }
    const sub = command.subcommands.find((candidate) => candidate.name === name);
    if (sub === undefined) {
      const nearest = nearestName(name, command.subcommands.map((candidate) => candidate.name));
      throw new UsageError(`unknown subcommand "${name}"${nearest === undefined ? "" : `: did you mean "${nearest}"?`} (expected ${command.subcommands.map((candidate) => candidate.name).join(" or ")}; see ${path} --help)`);
    }
    return runDeclared(sub, rest, io, [...parents, command.name]);
  }
  const beforeTerminator = args.indexOf("--") === -1 ? args : args.slice(0, args.indexOf("--"));
  if (beforeTerminator.some((arg) => HELP_FLAGS.includes(arg))) {
    io.stdout.write(helpText(command, parents));
    return 0;
  }
  return command.run!(args, io);
}
