import type { Octokit } from "@octokit/core";
import { GitHubAccessError, isRateLimit, RequestError } from "./errors.js";

/**
 * The GitHub client the adapters need: Octokit's `request`, which every Octokit has (the
 * App's Probot client, the Action's small one, @octokit/rest).
 */
export type GitHubClient = Pick<Octokit, "request">;

export { GitHubAccessError, isRateLimit, rateLimitWaitMs, statusOf } from "./errors.js";

/**
 * Runs a request, turning 401/403 (and 404, which GitHub answers for what a token may not
 * see) into a GitHubAccessError that says what was being done and what it needs.
 */
export async function withAccess<T>(action: string, permission: string, call: () => Promise<T>, options: { notFoundIsAccess?: boolean } = {}): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    // A rate limit also answers 403; that is not a missing permission.
    const { status } = error;
    if (!isRateLimit(error) && (status === 401 || status === 403 || (status === 404 && options.notFoundIsAccess === true))) {
      throw new GitHubAccessError(action, permission, error);
    }
    throw error;
  }
}

/**
 * Every page of a list endpoint (100 a page), up to `limit` items. GitHub names the next
 * page in a `Link` header only when there is one, so a list of exactly 100 (a pull request
 * of 100 files) costs one request, not a second for an empty page. Endpoints paginated by
 * cursor (webhook deliveries) name the next page's `cursor` in that link: it is handed to
 * `fetchPage` with the page number. `stopAfter` ends the walk early once a page has shown
 * enough (the deliveries older than what is looked for).
 */
export async function listAll<T>(
  fetchPage: (page: number, cursor: string | undefined) => Promise<{ data: T[]; headers?: { link?: string } }>,
  limit = Infinity,
  options: { stopAfter?: (page: readonly T[]) => boolean; maxPages?: number } = {},
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 1; items.length < limit && page <= (options.maxPages ?? Infinity); page++) {
    const { data, headers } = await fetchPage(page, cursor);
    items.push(...data);
    const next = nextLink(headers?.link);
    if (data.length < 100 || (headers !== undefined && next === null) || options.stopAfter?.(data) === true) break;
    cursor = next === null ? undefined : (new URL(next).searchParams.get("cursor") ?? undefined);
  }
  return items.slice(0, limit);
}

/** The URL a `Link` header names as rel="next", or null. */
function nextLink(link: string | undefined): string | null {
  for (const part of (link ?? "").split(",")) {
    if (/\brel="next"/.test(part)) return /<([^>]+)>/.exec(part)?.[1] ?? null;
  }
  return null;
}
