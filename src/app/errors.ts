import { GitHubAccessError } from "../github/access.js";
import { LockTimeoutError } from "./lock.js";

/**
 * Why an evaluation failed, in words for a check run's title ("Could not evaluate: ...").
 */
export function describeFailure(error: unknown): string {
  if (error instanceof GitHubAccessError) return error.message;
  if (error instanceof LockTimeoutError) return error.message;
  const status = (error as { status?: unknown } | null)?.status;
  const request = (error as { request?: { method?: string; url?: string } } | null)?.request;
  const where = request?.method && request.url ? ` to ${request.method} ${pathOf(request.url)}` : "";
  if (typeof status === "number") {
    const headers = (error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers ?? {};
    const message = String((error as { message?: unknown }).message ?? "");
    if ((status === 403 || status === 429) && (headers["x-ratelimit-remaining"] === "0" || /rate limit/i.test(message))) {
      const reset = Number(headers["x-ratelimit-reset"]);
      const when = Number.isFinite(reset) && reset > 0 ? ` (it resets at ${new Date(reset * 1000).toISOString().slice(11, 16)} UTC)` : "";
      return `GitHub's ${/secondary/i.test(message) ? "secondary " : ""}rate limit was reached${where}${when}`;
    }
    // Octokit gives a request that got no answer (a timeout, a dropped connection) status 500 and no response.
    if (status === 500 && (error as { response?: unknown }).response === undefined) return `No answer from GitHub${where} (${truncate(message, 120)}), also when asked again`;
    if (status >= 500) return `GitHub answered ${status}${where}, also when asked again`;
    return `GitHub answered ${status}${where}${message === "" ? "" : `: ${truncate(message, 120)}`}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `${truncate(message, 160)}`;
}

function pathOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname.replace(/^\/api\/v3/, "");
  } catch {
    return url;
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
