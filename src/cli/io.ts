/** What a CLI command may touch: given, never global, so commands run in tests as in a shell. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  /** `isTTY`: a terminal gets text, a pipe gets markdown (as process.stdout says). */
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown };
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** A user's mistake or an unreadable input: exit 2 with this one line, never a stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Exit statuses of every changegate command. */
export const EXIT = { ok: 0, blocked: 1, usage: 2 } as const;
