import { Octokit } from "@octokit/core";
import { isRateLimit, rateLimitWaitMs } from "../github/access.js";
import type { ActionContext } from "./context.js";
import { actionFetch } from "./http-fetch.js";

/**
 * The Action's GitHub client: @octokit/core (the adapters need only `request`) over the
 * http-client fetch, against GITHUB_API_URL. Each request ends within a deadline (10 s).
 * One retry for a server error, a dropped connection or a timeout, except of a POST (see
 * below), and one after a rate limit that lifts within a minute (`retry-after`, else
 * `x-ratelimit-reset`); anything else fails closed with its reason.
 */
export interface ActionClient {
  octokit: Octokit;
  dispose(): void;
}

/** The longest rate-limit wait the Action accepts (once): a person may be waiting on the job. */
export const MAX_RATE_LIMIT_WAIT_MS = 60_000;
const GIT_OBJECT = /\/git\/(trees|blobs|commits)$/;

export function actionClient(token: string, context: ActionContext, limits: { timeoutMs?: number; maxRateLimitWaitMs?: number } = {}): ActionClient {
  const transport = actionFetch(undefined, limits.timeoutMs);
  const octokit = new Octokit({ auth: token, baseUrl: context.apiUrl, userAgent: "changegate-action", request: { fetch: transport.fetch } });
  octokit.hook.wrap("request", async (request, options) => {
    try {
      return await request(options);
    } catch (error) {
      const status = (error as { status?: number }).status ?? 0;
      // A rate-limited request was not done: it may be sent again, POSTs too.
      const wait = isRateLimit(error) ? rateLimitWaitMs(error, Date.now()) : null;
      if (wait !== null && wait <= (limits.maxRateLimitWaitMs ?? MAX_RATE_LIMIT_WAIT_MS)) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        return request(options);
      }
      // A POST creates: GitHub may have done it and lost the answer, so it is never re-sent
      // here; its caller looks for what it may have created first (createOnce, publishChecks).
      // (Git objects are the exception: a second tree or commit nothing points at changes nothing.)
      if (status < 500 || status === 501 || (options.method === "POST" && !GIT_OBJECT.test(options.url))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return request(options);
    }
  });
  return { octokit, dispose: transport.dispose };
}
