import { Readable } from "node:stream";
import { main } from "../../src/cli/main.js";

export interface CliRun {
  exit: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, as a shell would, with its own cwd, env and stdin. */
export async function runCli(args: string[], options: { cwd: string; stdin?: string; env?: Record<string, string> }): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const exit = await main(args, {
    stdin: Readable.from([options.stdin ?? ""]),
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    cwd: options.cwd,
    env: options.env ?? {},
  });
  return { exit, stdout, stderr };
}
