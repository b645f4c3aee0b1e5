import Bottleneck from "bottleneck";
import { ProbotOctokit } from "probot";

/**
 * Probot's Octokit with bounded waits. Probot retries a rate-limited request after the
 * limit resets (up to an hour away) and its retry plugin waits 1 + 4 + 9 s on server
 * errors: a handler must not hang that long, nor send a stale write an hour late. Here a
 * rate limit is waited out only when it resets within `maxRateLimitWaitS` (twice at most),
 * else the request fails, the evaluation fails closed and is retried later; server errors
 * are retried `retries` times. POSTs that create something (check runs, the retrospective
 * issue, the audit comment) opt out of the retry plugin and look before sending again
 * (publishChecks, createOnce). Every attempt has a deadline (`requestTimeoutMs`).
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
  /** Minimum time between two writes of one installation (Probot's default: 1 s, about 60 a minute, under GitHub's 80). */
  writeIntervalMs?: number;
  /** Minimum time between two comments or issues (the throttling plugin's default: 3 s, as GitHub asks). */
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

export function changegateOctokit(limits: OctokitLimits = {}): typeof ProbotOctokit {
  const maxWait = limits.maxRateLimitWaitS ?? 60;
  const retries = limits.retries ?? 3;
  const writeGroup =
    limits.writeIntervalMs === undefined ? null : new Bottleneck.Group({ id: "changegate-write", maxConcurrent: 1, minTime: limits.writeIntervalMs, timeout: 120_000 });
  const bounded =
    (what: string) =>
    (retryAfter: number, options: RequestOptionsLike, octokit: { log?: LoggerLike }, retryCount: number): boolean => {
      const retry = retryCount < 2 && retryAfter <= maxWait;
      octokit.log?.warn(`${what} on ${options.method} ${options.url}: ${retry ? `retrying in ${retryAfter}s` : `not waiting ${retryAfter}s; the evaluation fails closed and is retried later`}`);
      return retry;
    };
  return ProbotOctokit.defaults((instanceOptions: Record<string, unknown>) => {
    const throttle = (instanceOptions["throttle"] ?? {}) as Record<string, unknown>;
    // Clustered (REDIS_URL): Probot passes its Bottleneck and connection; our write group must share them.
    const connection = throttle["connection"];
    const write =
      writeGroup === null
        ? {}
        : connection === undefined
          ? { write: writeGroup }
          : { write: new (throttle["Bottleneck"] as typeof Bottleneck).Group({ id: "changegate-write", maxConcurrent: 1, minTime: limits.writeIntervalMs!, timeout: 120_000, connection } as never) };
    const notifications =
      limits.notificationIntervalMs === undefined
        ? {}
        : { notifications: new ((throttle["Bottleneck"] as typeof Bottleneck | undefined) ?? Bottleneck).Group({ id: "changegate-notifications", maxConcurrent: 1, minTime: limits.notificationIntervalMs, ...(connection === undefined ? {} : { connection }) } as never) };
    const request = (instanceOptions["request"] ?? {}) as { fetch?: typeof globalThis.fetch };
    return {
      ...instanceOptions,
      request: { ...request, fetch: timedFetch(request.fetch ?? globalThis.fetch, limits.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) },
      retry: { ...((instanceOptions["retry"] as object | undefined) ?? {}), retries, retryAfterBaseValue: limits.retryBaseMs ?? 1_000 },
      throttle: {
        ...throttle,
        ...write,
        ...notifications,
        ...(limits.rateLimitUnitMs === undefined ? {} : { retryAfterBaseValue: limits.rateLimitUnitMs }),
        onRateLimit: bounded("Rate limit"),
        onSecondaryRateLimit: bounded("Secondary rate limit"),
      },
    };
  }) as typeof ProbotOctokit;
}
