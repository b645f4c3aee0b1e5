import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as z from "zod/mini";
import "../engine/zod-setup.js";
import type { Permission, Review } from "../engine/approvals.js";
import { parseDuration } from "../engine/duration.js";
import type { ChangedFile } from "../engine/paths.js";
import { formatPath } from "../engine/problems.js";
import { UsageError, type CliIo } from "./io.js";

/** Reads a file argument (`-` is standard input), failing as a usage error with the path. */
export async function readInput(io: CliIo, file: string, what: string): Promise<string> {
  if (file === "-") {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks).toString("utf8");
  }
  try {
    // Read at once: an input is small, and node:fs/promises costs a start ~1 ms to load and a thread-pool round trip a step.
    return readFileSync(resolve(io.cwd, file), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${what} ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (code ?? "unreadable")}`);
  }
}

/** A JSON input file, or a usage error naming it. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** A parsed input file checked against its schema, or a usage error naming the file, where in it, and what was expected. */
export function validated<T>(schema: z.ZodMiniType<T>, value: unknown, file: string, expected: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? ` at ${formatPath(issue.path)}` : "";
  throw new UsageError(`${file}${where}: ${issue.message.replace(/^Invalid input: /, "")} (expected ${expected})`);
}

const reviewSchema = z.looseObject({
  id: z.nullish(z.number()),
  user: z.union([z.string(), z.looseObject({ login: z.string(), type: z.optional(z.string()) })]),
  state: z.enum(["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]),
  commit_id: z.nullish(z.string()),
  submitted_at: z.nullish(z.string()),
});

/** GitHub review objects (`user.login` or `user`, `state`, `commit_id`, `submitted_at`). */
export function parseReviews(text: string, file: string): Review[] {
  const reviews = validated(z.array(reviewSchema), parseJson(text, file), file, "a JSON array of GitHub review objects");
  return reviews.map((review) => {
    const login = typeof review.user === "string" ? review.user : review.user.login;
    const isBot = (typeof review.user === "object" && review.user.type === "Bot") || login.endsWith("[bot]");
    return {
      id: review.id ?? null,
      login,
      isBot,
      state: review.state,
      commitId: review.commit_id ?? null,
      submittedAt: review.submitted_at ?? null,
    };
  });
}

export function parseTeams(text: string, file: string): Record<string, string[]> {
  return validated(z.record(z.string(), z.array(z.string())), parseJson(text, file), file, 'a JSON object: team slug -> member logins, e.g. {"sre": ["alice"]}');
}

export function parsePermissions(text: string, file: string): Record<string, Permission> {
  return validated(
    z.record(z.string(), z.enum(["admin", "maintain", "write", "triage", "read", "none"])),
    parseJson(text, file),
    file,
    'a JSON object: login -> admin|maintain|write|triage|read|none',
  );
}

/** One path a line; a rename as `old<TAB>new` (or git's `R100<TAB>old<TAB>new`). */
export function parseFileList(text: string): ChangedFile[] {
  const files: ChangedFile[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    const fields = line.split("\t");
    if (fields.length >= 3 && /^[RC]\d*$/.test(fields[0]!)) files.push({ path: fields[2]!, previousPath: fields[0]!.startsWith("R") ? fields[1]! : undefined });
    else if (fields.length === 2 && /^[AMDT]$/.test(fields[0]!)) files.push({ path: fields[1]! });
    else if (fields.length === 2) files.push({ path: fields[1]!, previousPath: fields[0]! });
    else files.push({ path: line });
  }
  return files;
}

/** What `--at`, `--since` and `--until` accept, for messages. */
export const INSTANT_FORMS = "a duration back from now (2h, 30d) or an ISO 8601 instant with its offset (2026-02-25T03:00:00Z) or a date (2026-02-25, midnight UTC)";

/**
 * An instant as every time flag writes it: ISO 8601 with its offset, a date (midnight UTC)
 * or, when `now` is given, a duration back from it.
 */
export function parseInstant(text: string, flag: string, now?: number): number {
  if (now !== undefined) {
    const back = parseDuration(text);
    if (back !== null) return now - back;
  }
  // An offset is required: without one the host's zone would decide the instant.
  const instant = /^\d{4}-\d{2}-\d{2}$/.test(text)
    ? Date.parse(`${text}T00:00:00Z`)
    : /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/i.test(text)
      ? Date.parse(text)
      : NaN;
  if (Number.isNaN(instant)) {
    throw new UsageError(
      now === undefined
        ? `${flag} expects an ISO 8601 instant with its offset, e.g. 2026-02-25T03:00:00Z; got "${text}"`
        : `${flag} expects ${INSTANT_FORMS}; got "${text}"`,
    );
  }
  return instant;
}

/** The CLI's "now": `CHANGEGATE_NOW` (an ISO instant) when set, for reproducible runs; else the clock. */
export function nowOf(io: CliIo): number {
  const fixed = io.env["CHANGEGATE_NOW"];
  return fixed === undefined ? Date.now() : parseInstant(fixed, "CHANGEGATE_NOW");
}
