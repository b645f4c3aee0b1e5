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
 * (publishChecks, createOnce).
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
}

interface RequestOptionsLike {
  method: string;
  url: string;
}

interface LoggerLike {
  warn(message: string): void;
}

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
    return {
      ...instanceOptions,
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
