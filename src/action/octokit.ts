import { Octokit } from "@octokit/core";
import type { ActionContext } from "./context.js";
import { actionFetch } from "./http-fetch.js";

/**
 * The Action's GitHub client: @octokit/core (the adapters need only `request`) over the
 * http-client fetch, against GITHUB_API_URL. One retry for a server error or a dropped
 * connection, except of a POST (see below); anything else fails closed with its reason.
 */
export interface ActionClient {
  octokit: Octokit;
  dispose(): void;
}

const GIT_OBJECT = /\/git\/(trees|blobs|commits)$/;

export function actionClient(token: string, context: ActionContext): ActionClient {
  const transport = actionFetch();
  const octokit = new Octokit({ auth: token, baseUrl: context.apiUrl, userAgent: "changegate-action", request: { fetch: transport.fetch } });
  octokit.hook.wrap("request", async (request, options) => {
    try {
      return await request(options);
    } catch (error) {
      const status = (error as { status?: number }).status ?? 0;
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
