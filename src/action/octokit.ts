import { Octokit } from "@octokit/core";
import type { ActionContext } from "./context.js";
import { actionFetch } from "./http-fetch.js";

/**
 * The Action's GitHub client: @octokit/core (the adapters need only `request`) over the
 * http-client fetch, against GITHUB_API_URL. Each request ends within a deadline (10 s).
 * One retry for a server error, a dropped connection or a timeout; anything else fails
 * closed with its reason.
 */
export interface ActionClient {
  octokit: Octokit;
  dispose(): void;
}

export function actionClient(token: string, context: ActionContext, options: { timeoutMs?: number } = {}): ActionClient {
  const transport = actionFetch(undefined, options.timeoutMs);
  const octokit = new Octokit({ auth: token, baseUrl: context.apiUrl, userAgent: "changegate-action", request: { fetch: transport.fetch } });
  octokit.hook.wrap("request", async (request, options) => {
    try {
      return await request(options);
    } catch (error) {
      const status = (error as { status?: number }).status ?? 0;
      if (status < 500 || status === 501) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return request(options);
    }
  });
  return { octokit, dispose: transport.dispose };
}
