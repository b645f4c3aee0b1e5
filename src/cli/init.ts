import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { POLICY_PATH } from "../engine/policy.js";
import type { CommandDeclaration } from "./command.js";
import { UsageError, type CliIo } from "./io.js";
import { PULL_REQUEST_TEMPLATE, STARTER_POLICY } from "./starter.js";

const TEMPLATE_PATH = ".github/pull_request_template.md";

export const INIT_COMMAND: CommandDeclaration = {
  name: "init",
  summary: `write a starter ${POLICY_PATH} (in report mode) and a PR template; never overwrites`,
  run: runInit,
};

/** `changegate init`: a starter policy and a PR template; an existing file is never overwritten. */
export async function runInit(args: string[], io: CliIo): Promise<number> {
  if (args.length > 0) throw new UsageError("init takes no arguments (see changegate init --help)");
  for (const [path, content] of [[POLICY_PATH, STARTER_POLICY], [TEMPLATE_PATH, PULL_REQUEST_TEMPLATE]] as const) {
    const target = resolve(io.cwd, path);
    await mkdir(dirname(target), { recursive: true });
    try {
      await writeFile(target, content, { flag: "wx" });
      io.stdout.write(`wrote ${path}\n`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw new UsageError(`cannot write ${path}: ${(error as Error).message}`);
      io.stdout.write(`kept ${path} (it exists; changegate never overwrites it)\n`);
    }
  }
  return 0;
}
