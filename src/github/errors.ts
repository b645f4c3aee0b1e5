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

/** A primary or secondary rate limit (GitHub answers those 403 or 429, not for a missing permission). */
export function isRateLimited(error: RequestError): boolean {
  const headers = error.response?.headers ?? {};
  return (error.status === 403 || error.status === 429) && (headers["x-ratelimit-remaining"] === "0" || /rate limit/i.test(`${error.message} ${githubMessageOf(error)}`));
}

/** The deploy gate would have to weigh more commits than it reads: it fails closed rather than weigh part of them. */
export class TooManyCommitsError extends Error {}
