import Bottleneck from "bottleneck";
import type { Octokit } from "@octokit/core";
import { ProbotOctokit } from "probot";
import { WritePace, type WritePaceOptions } from "./write-pace.js";
import { currentUrgency } from "./write-urgency.js";

/**
 * Probot's Octokit with bounded waits. Probot retries a rate-limited request after the
 * limit resets (up to an hour away) and its retry plugin waits 1 + 4 + 9 s on server
 * errors: a handler must not hang that long, nor send a stale write an hour late. Here a
 * rate limit is waited out only when it resets within `maxRateLimitWaitS` (twice at most),
 * else the request fails, the evaluation fails closed and is retried later; server errors
 * are retried `retries` times. POSTs that create something (check runs, the retrospective
 * issue, the audit comment) opt out of the retry plugin and look before sending again
 * (publishChecks, createOnce). Every attempt has a deadline (`requestTimeoutMs`).
 *
 * Writes go through the installation's write queue (write-pace.ts) instead of the throttling
 * plugin's one-a-second spacing: every client of one installation (the webhook's event
 * client, the installation's own, the durable queue's) is keyed by its installation id, so
 * they share one pace, and no installation shares another's. Each write is queued at the
 * urgency its work was given (write-urgency.ts); a rate-limit
 * answer that is waited out stops the installation's other writes for as long. A request is
 * counted once (its retries after a 5xx or a dropped connection are not).
 */
export interface OctokitLimits {
  /** The longest rate-limit wait one request accepts, seconds. */
  maxRateLimitWaitS?: number;
  /** Retries of a request that failed with a 5xx or a dropped connection. */
  retries?: number;
  /** The unit of the retry plugin's backoff (1, 4, 9 units), milliseconds. */
  retryBaseMs?: number;
  /** The unit of rate-limit waits (GitHub's Retry-After is in seconds), milliseconds. */
  rateLimitUnitMs?: number;
  /** How each installation's writes are paced (default: 80 in any rolling minute, serially); null: the throttling plugin's one a second. */
  writes?: WritePaceOptions | null;
  /** Minimum time between two comments or issues of one installation (the throttling plugin's default: 3 s); paced, the pace keeps it. */
  notificationIntervalMs?: number;
  /** The longest one attempt at a request may take, answer and body (default 10 s); then it fails like a dropped connection. */
  requestTimeoutMs?: number;
}

interface RequestOptionsLike {
  method: string;
  url: string;
}

interface LoggerLike {
  warn(message: string): void;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * A `fetch` whose every call (each retry its own) ends within `timeoutMs`, the body's
 * reading included: undici's own limit is about 300 s, during which a pull request's lock
 * is held and its old checks stay. Octokit reports the timeout as a failed request (500,
 * no answer), which is retried and then fails closed like a dropped connection.
 */
export function timedFetch(base: typeof globalThis.fetch, timeoutMs: number): typeof globalThis.fetch {
  return async (input, init = {}) => {
    const timeout = new AbortController();
    let done = false;
    // A timer that fires late (this process was busy past the deadline) aborts only after the
    // I/O already in has been read (setImmediate runs after it): an answer that arrived
    // meanwhile is taken, not dropped and its request sent again (a PATCH written twice).
    const timer = setTimeout(() => setImmediate(() => done || timeout.abort(new DOMException(`GitHub did not answer within ${timeoutMs / 1_000} s`, "TimeoutError"))), timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout.signal]) : timeout.signal;
    try {
      const response = await base(input, { ...init, signal });
      // The body is read here, under the deadline: Octokit reads it later and takes a failed read for an empty body.
      const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
      const buffered = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      Object.defineProperty(buffered, "url", { value: response.url });
      return buffered;
    } catch (error) {
      if (!timeout.signal.aborted) throw error;
      throw new TypeError("fetch failed", { cause: new Error(`GitHub did not answer within ${timeoutMs / 1_000} s`) });
    } finally {
      done = true;
      clearTimeout(timer);
    }
  };
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** The write pace `limits` ask for (null: `writes: null`, the throttling plugin's). */
export function defaultPace(limits: OctokitLimits, fromEnv: WritePaceOptions = {}): WritePace | null {
  if (limits.writes === null) return null;
  return new WritePace({ ...fromEnv, ...(limits.notificationIntervalMs === undefined ? {} : { notificationIntervalMs: limits.notificationIntervalMs }), ...limits.writes });
}

/** Where a request's writes are counted: its installation, or the app itself (its JWT requests). */
function paceKey(instanceOptions: Record<string, unknown>): string {
  const auth = instanceOptions["auth"] as { installationId?: unknown } | undefined;
  const id = auth?.installationId ?? ((instanceOptions["throttle"] ?? {}) as { id?: unknown }).id;
  return id === undefined || id === null || id === "no-id" ? "app" : String(id);
}

interface HookedOptions {
  method: string;
  url: string;
}

/** GET and HEAD read; the token requests are authentication (as the throttling plugin tells them), GraphQL here only reads. */
function isWrite(options: HookedOptions): boolean {
  if (options.method === "GET" || options.method === "HEAD") return false;
  return !/\/access_tokens$|^\/applications\/|^\/login\/oauth\/|^\/graphql$/.test(options.url);
}

/**
 * The endpoints whose writes notify people, as @octokit/plugin-throttling lists them (its
 * generated triggers-notification-paths, from GitHub's descriptions of the endpoints); a
 * request's `url` here is its route's template.
 */
const NOTIFYING = new Set([
  "/orgs/{org}/invitations",
  "/orgs/{org}/invitations/{invitation_id}",
  "/orgs/{org}/teams/{team_slug}/discussions",
  "/orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/comments",
  "/repos/{owner}/{repo}/collaborators/{username}",
  "/repos/{owner}/{repo}/commits/{commit_sha}/comments",
  "/repos/{owner}/{repo}/issues",
  "/repos/{owner}/{repo}/issues/{issue_number}/comments",
  "/repos/{owner}/{repo}/issues/{issue_number}/sub_issue",
  "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues/priority",
  "/repos/{owner}/{repo}/pulls",
  "/repos/{owner}/{repo}/pulls/{pull_number}/comments",
  "/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies",
  "/repos/{owner}/{repo}/pulls/{pull_number}/merge",
  "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
  "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
  "/repos/{owner}/{repo}/releases",
  "/teams/{team_id}/discussions",
  "/teams/{team_id}/discussions/{discussion_number}/comments",
]);

/**
 * An Octokit plugin: each write waits for its turn in `pace`, at the urgency of the work that
 * made it, read here, as the caller hands the request over. It wraps Probot's plugins, so the
 * wait comes before the throttling plugin's queues (a write waiting for its turn holds none of
 * their places, which reads need) and the request, its retries included, runs in its turn.
 */
function writePacing(pace: WritePace) {
  return (octokit: Octokit, instanceOptions: Record<string, unknown>) => {
    const key = paceKey(instanceOptions);
    octokit.hook.wrap("request", (request, options) => {
      const hooked = options as unknown as HookedOptions;
      if (!isWrite(hooked)) return request(options);
      return pace.schedule(key, currentUrgency(), async () => request(options), NOTIFYING.has(hooked.url));
    });
    return {};
  };
}

/** The throttling plugin's write and notification groups once the pace counts and spaces writes: no spacing of their own. */
const UNPACED_WRITES = new Bottleneck.Group({ id: "changegate-write-unpaced", maxConcurrent: null, minTime: 0 });
const UNPACED_NOTIFICATIONS = new Bottleneck.Group({ id: "changegate-notifications-unpaced", maxConcurrent: null, minTime: 0 });

export function changegateOctokit(limits: OctokitLimits = {}, pace: WritePace | null = defaultPace(limits)): typeof ProbotOctokit {
  const maxWait = limits.maxRateLimitWaitS ?? 60;
  const retries = limits.retries ?? 3;
  const unit = limits.rateLimitUnitMs ?? 1_000;
  const bounded =
    (what: string, key: string) =>
    (retryAfter: number, options: RequestOptionsLike, octokit: { log?: LoggerLike }, retryCount: number): boolean => {
      const retry = retryCount < 2 && retryAfter <= maxWait;
      octokit.log?.warn(`${what} on ${options.method} ${options.url}: ${retry ? `retrying in ${retryAfter}s` : `not waiting ${retryAfter}s; the evaluation fails closed and is retried later`}`);
      // GitHub said to wait: the installation's other writes wait as long (the retry is queued behind the pause).
      if (retry) pace?.pause(key, Date.now() + retryAfter * unit);
      return retry;
    };
  const base = pace === null ? ProbotOctokit : ProbotOctokit.plugin(writePacing(pace));
  return base.defaults((instanceOptions: Record<string, unknown>) => {
    const given = (instanceOptions["throttle"] ?? {}) as Record<string, unknown>;
    // Clustered (REDIS_URL), Probot passes its Redis-backed Bottleneck and connection. Paced, the
    // throttling plugin keeps its queues in process: the pace counts writes across replicas
    // (shared-write-window.ts), and Bottleneck's clustered limiters expire their settings in
    // Redis after 2 minutes idle while the process keeps using them, so that an installation's
    // first request after a pause waited ~60 s for a cleanup (ERR SETTINGS_KEY_NOT_FOUND,
    // SGrondin/bottleneck#205): its evaluation failed and old passes stayed up as long.
    const throttle = pace === null ? given : Object.fromEntries(Object.entries(given).filter(([name]) => name !== "connection" && name !== "Bottleneck"));
    const key = paceKey(instanceOptions);
    // Unpaced and clustered: the notification group shares Probot's connection.
    const connection = throttle["connection"];
    const notifications =
      pace !== null
        ? { notifications: UNPACED_NOTIFICATIONS }
        : limits.notificationIntervalMs === undefined
        ? {}
        : { notifications: new ((throttle["Bottleneck"] as typeof Bottleneck | undefined) ?? Bottleneck).Group({ id: "changegate-notifications", maxConcurrent: 1, minTime: limits.notificationIntervalMs, ...(connection === undefined ? {} : { connection }) } as never) };
    const request = (instanceOptions["request"] ?? {}) as { fetch?: typeof globalThis.fetch };
    return {
      ...instanceOptions,
      request: { ...request, fetch: timedFetch(request.fetch ?? globalThis.fetch, limits.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) },
      retry: { ...((instanceOptions["retry"] as object | undefined) ?? {}), retries, retryAfterBaseValue: limits.retryBaseMs ?? 1_000 },
      throttle: {
        ...throttle,
        // The webhook's event client has no id of its own: without one, its requests share the throttling plugin's queues with every installation's.
        ...(key === "app" ? {} : { id: key }),
        ...(pace === null ? {} : { write: UNPACED_WRITES }),
        // Paced: the pace spaces notifying writes (`notificationIntervalMs`).
        ...notifications,
        retryAfterBaseValue: unit,
        onRateLimit: bounded("Rate limit", key),
        onSecondaryRateLimit: bounded("Secondary rate limit", key),
      },
    };
  }) as typeof ProbotOctokit;
}
