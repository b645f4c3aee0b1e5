import type { Octokit } from "@octokit/core";

/**
 * The GitHub client the adapters need: Octokit's `request`, which every Octokit has (the
 * App's Probot client, the Action's small one, @octokit/rest).
 */
export type GitHubClient = Pick<Octokit, "request">;

/**
 * A request GitHub refused for want of access: what changegate was doing, the permission a
 * token needs for it, and GitHub's own answer. The doors turn it into advice (the Action:
 * which `permissions:` line, or that GITHUB_TOKEN cannot do it at all).
 */
export class GitHubAccessError extends Error {
  constructor(
    /** "read the members of team sre", in words that follow "cannot". */
    readonly action: string,
    /** "organization Members: read", "checks: write", ... */
    readonly permission: string,
    readonly status: number,
    readonly githubMessage: string,
  ) {
    super(`cannot ${action}: GitHub answered ${status}${githubMessage === "" ? "" : ` (${githubMessage})`}`);
  }
}

export function statusOf(error: unknown): number | null {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : null;
}

/**
 * A rate limit, primary or secondary, as GitHub answers it: 403 or 429 with
 * `x-ratelimit-remaining: 0`, a `retry-after`, or a message that says so. Not a refusal:
 * nothing is wrong with the request, it is only too early.
 */
export function isRateLimit(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== 403 && status !== 429) return false;
  const headers = (error as { response?: { headers?: Record<string, unknown> } } | null)?.response?.headers ?? {};
  return status === 429 || headers["x-ratelimit-remaining"] === "0" || headers["retry-after"] !== undefined || /rate limit/i.test(githubMessage(error));
}

/** How long a rate limit asks to wait, ms: `retry-after`, else until `x-ratelimit-reset` (plus a second), else a minute (GitHub's advice for a secondary limit). */
export function rateLimitWaitMs(error: unknown, now: number): number {
  const headers = (error as { response?: { headers?: Record<string, unknown> } } | null)?.response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && headers["retry-after"] !== undefined) return Math.max(0, retryAfter * 1_000);
  const reset = Number(headers["x-ratelimit-reset"]);
  if (headers["x-ratelimit-remaining"] === "0" && Number.isFinite(reset)) return Math.max(0, reset * 1_000 - now + 1_000);
  return 60_000;
}

function githubMessage(error: unknown): string {
  const data = (error as { response?: { data?: { message?: unknown } } } | null)?.response?.data;
  return typeof data?.message === "string" ? data.message : "";
}

/**
 * Runs a request, turning 401/403 (and 404, which GitHub answers for what a token may not
 * see) into a GitHubAccessError that says what was being done and what it needs.
 */
export async function withAccess<T>(action: string, permission: string, call: () => Promise<T>, options: { notFoundIsAccess?: boolean } = {}): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = statusOf(error);
    // A rate limit also answers 403; that is not a missing permission.
    if (!isRateLimit(error) && (status === 401 || status === 403 || (status === 404 && options.notFoundIsAccess === true))) {
      throw new GitHubAccessError(action, permission, status, githubMessage(error));
    }
    throw error;
  }
}

/**
 * Every page of a list endpoint (100 a page), up to `limit` items. GitHub names the next
 * page in a `Link` header only when there is one, so a list of exactly 100 (a pull request
 * of 100 files) costs one request, not a second for an empty page.
 */
export async function listAll<T>(fetchPage: (page: number) => Promise<{ data: T[]; headers?: { link?: string } }>, limit = Infinity): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; items.length < limit; page++) {
    const { data, headers } = await fetchPage(page);
    items.push(...data);
    if (data.length < 100 || (headers !== undefined && !/\brel="next"/.test(headers.link ?? ""))) break;
  }
  return items.slice(0, limit);
}
