import { RequestError } from "@octokit/request-error";

/**
 * The errors of the GitHub door, all Octokit's `RequestError`: what GitHub answered (status,
 * request, response) as Octokit reports it, recognised by class rather than by the shape of
 * an object. The App (app/errors.ts), the Action (action/errors.ts) and the CLI (cli/io.ts)
 * turn them into words for their readers.
 */
export { RequestError };

/**
 * A request GitHub refused for want of access: what changegate was doing, the permission a
 * token needs for it, and GitHub's own answer. The doors turn it into advice (the Action:
 * which `permissions:` line, or that GITHUB_TOKEN cannot do it at all).
 */
export class GitHubAccessError extends RequestError {
  constructor(
    /** "read the members of team sre", in words that follow "cannot". */
    readonly action: string,
    /** "organization Members: read", "checks: write", ... */
    readonly permission: string,
    refused: RequestError,
  ) {
    const githubMessage = githubMessageOf(refused);
    super(`cannot ${action}: GitHub answered ${refused.status}${githubMessage === "" ? "" : ` (${githubMessage})`}`, refused.status, {
      request: refused.request,
      ...(refused.response === undefined ? {} : { response: refused.response }),
    });
  }

  /** GitHub's own message, "" when it gave none. */
  get githubMessage(): string {
    return githubMessageOf(this);
  }
}

/** The HTTP status GitHub answered, null for anything that is not a GitHub answer (a dropped connection, a bug). */
export function statusOf(error: unknown): number | null {
  return error instanceof RequestError ? error.status : null;
}

/** GitHub's `message` in the answer's body, "" when there is none. */
export function githubMessageOf(error: RequestError): string {
  const data = error.response?.data as { message?: unknown } | undefined;
  return typeof data?.message === "string" ? data.message : "";
}

/**
 * A rate limit, primary or secondary, as GitHub answers it: 403 or 429 with
 * `x-ratelimit-remaining: 0`, a `retry-after`, or a message that says so. Not a refusal:
 * nothing is wrong with the request, it is only too early.
 */
export function isRateLimit(error: unknown): boolean {
  if (!(error instanceof RequestError) || (error.status !== 403 && error.status !== 429)) return false;
  const headers = error.response?.headers ?? {};
  return error.status === 429 || headers["x-ratelimit-remaining"] === "0" || headers["retry-after"] !== undefined || /rate limit/i.test(`${error.message} ${githubMessageOf(error)}`);
}

/** How long a rate limit asks to wait, ms: `retry-after`, else until `x-ratelimit-reset` (plus a second), else a minute (GitHub's advice for a secondary limit). */
export function rateLimitWaitMs(error: unknown, now: number): number {
  const headers: Record<string, unknown> = error instanceof RequestError ? (error.response?.headers ?? {}) : {};
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && headers["retry-after"] !== undefined) return Math.max(0, retryAfter * 1_000);
  const reset = Number(headers["x-ratelimit-reset"]);
  if (headers["x-ratelimit-remaining"] === "0" && Number.isFinite(reset)) return Math.max(0, reset * 1_000 - now + 1_000);
  return 60_000;
}

/** The deploy gate would have to weigh more commits than it reads: it fails closed rather than weigh part of them. */
export class TooManyCommitsError extends Error {}
