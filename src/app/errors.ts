import { GitHubAccessError, isRateLimit, RequestError } from "../github/errors.js";
import { truncate } from "../report/text.js";

/** Another replica held a pull request's lock for longer than an evaluation may wait. */
export class LockTimeoutError extends Error {}

/** A webhook delivery whose work failed: thrown from its handler, so GitHub records it as failed and the redelivery loop asks for it again. */
export class DeliveryFailed extends Error {
  /** What the webhook is answered: 500, so that the delivery shows as failed and is asked for again. */
  readonly status = 500;
  constructor(message: string) {
    super(message);
    this.name = "DeliveryFailed";
    // The reason is the whole story; a stack would only repeat Probot's internals in the log.
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * The App's errors in words: why an evaluation failed, for a check run's title ("Could not
 * evaluate: ..."), from GitHub's answer (a RequestError), a lock another replica holds, or
 * anything else.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof GitHubAccessError || error instanceof LockTimeoutError) return error.message;
  if (error instanceof RequestError) {
    const where = ` to ${error.request.method} ${pathOf(error.request.url)}`;
    if (isRateLimit(error)) {
      const reset = Number(error.response?.headers["x-ratelimit-reset"]);
      const when = Number.isFinite(reset) && reset > 0 ? ` (it resets at ${new Date(reset * 1000).toISOString().slice(11, 16)} UTC)` : "";
      return `GitHub's ${/secondary/i.test(error.message) ? "secondary " : ""}rate limit was reached${where}${when}`;
    }
    // Octokit gives a request that got no answer (a timeout, a dropped connection) status 500 and no response.
    if (error.status === 500 && error.response === undefined) return `No answer from GitHub${where} (${truncate(error.message, 120)}), also when asked again`;
    if (error.status >= 500) return `GitHub answered ${error.status}${where}, also when asked again`;
    return `GitHub answered ${error.status}${where}${error.message === "" ? "" : `: ${truncate(error.message, 120)}`}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return truncate(message, 160);
}

function pathOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname.replace(/^\/api\/v3/, "");
  } catch {
    return url;
  }
}
