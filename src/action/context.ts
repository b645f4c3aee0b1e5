import { readFileSync } from "node:fs";
import { ActionError } from "./errors.js";

/**
 * What the runner tells a step about its run, from the environment it sets: the repository,
 * the event and its payload, the commit, and where the API is (GitHub Enterprise Server and
 * the tests' fake server set GITHUB_API_URL).
 */
export interface ActionContext {
  owner: string;
  repo: string;
  eventName: string;
  /** The webhook payload that triggered the run ({} when there is none). */
  payload: Record<string, unknown>;
  sha: string;
  apiUrl: string;
  serverUrl: string;
  runUrl: string | null;
  /** GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT: which run and attempt this step belongs to. */
  runId: string | null;
  runAttempt: string | null;
}

export function readContext(env: NodeJS.ProcessEnv): ActionContext {
  const repository = env["GITHUB_REPOSITORY"] ?? "";
  const [owner, repo, ...rest] = repository.split("/");
  if (!owner || !repo || rest.length > 0) {
    throw new ActionError(`GITHUB_REPOSITORY must be "owner/name"; got "${repository}". changegate runs as a step of a GitHub Actions workflow.`);
  }
  const eventPath = env["GITHUB_EVENT_PATH"];
  let payload: Record<string, unknown> = {};
  if (eventPath) {
    try {
      payload = JSON.parse(readFileSync(eventPath, "utf8")) as Record<string, unknown>;
    } catch (error) {
      throw new ActionError(`cannot read the event payload at GITHUB_EVENT_PATH (${eventPath}): ${(error as Error).message}`);
    }
  }
  const serverUrl = (env["GITHUB_SERVER_URL"] || "https://github.com").replace(/\/+$/, "");
  const runId = env["GITHUB_RUN_ID"];
  return {
    owner,
    repo,
    eventName: env["GITHUB_EVENT_NAME"] ?? "",
    payload,
    sha: env["GITHUB_SHA"] ?? "",
    apiUrl: (env["GITHUB_API_URL"] || "https://api.github.com").replace(/\/+$/, ""),
    serverUrl,
    runUrl: runId ? `${serverUrl}/${owner}/${repo}/actions/runs/${runId}` : null,
    runId: runId || null,
    runAttempt: env["GITHUB_RUN_ATTEMPT"] || null,
  };
}
