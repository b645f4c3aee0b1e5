import { GitHubAccessError } from "../github/errors.js";

/** An error whose message is written for the workflow's author: the step fails with it, without a stack. */
export class ActionError extends Error {}

/**
 * Turns a request GitHub refused into advice a workflow author can act on: which line the
 * job's `permissions:` block lacks, or that GITHUB_TOKEN cannot do it in any workflow.
 */
export function explainAccess(error: unknown, eventName: string): Error {
  if (!(error instanceof GitHubAccessError)) return error instanceof Error ? error : new Error(String(error));
  const what = `changegate ${error.message}.`;
  if (error.permission.startsWith("organization Members")) {
    return new ActionError(
      `${what} The policy names teams, and GITHUB_TOKEN cannot read team membership in any workflow. ` +
        "Pass a token that can as the `token` input: a GitHub App installation token with the organization permission Members: read " +
        "(for example from actions/create-github-app-token), or a fine-grained personal access token with Organization → Members: read.",
    );
  }
  if (error.permission === "checks: write" && eventName === "pull_request") {
    return new ActionError(
      `${what} The token needs \`checks: write\` in the job's permissions: block; on a pull request from a fork, the pull_request event's token is read-only whatever the block says. Run mode: check on pull_request_target instead (see docs/action.md).`,
    );
  }
  if (error.permission.includes("GITHUB_TOKEN")) return new ActionError(`${what} The token needs ${error.permission}.`);
  return new ActionError(`${what} Add \`${error.permission}\` to the job's permissions: block (or pass a token that has it as the \`token\` input).`);
}
