import { listAll, withAccess, type GitHubClient } from "../github/access.js";
import { GitHubAccessError, githubMessageOf, RequestError } from "../github/errors.js";
import type { ReviewRequestDoor } from "../github/review-requests.js";
import { explainAccess } from "./errors.js";
import type { ModeEnvironment } from "./outcome.js";

/** Events read for removed review requests: a pull request's first 300. */
const MAX_EVENTS = 300;

interface IssueEvent {
  event: string;
  requested_reviewer?: { login?: string } | null;
}

/**
 * `approvals.request_reviews` in the Action: a run keeps nothing, so it cannot mark a head
 * as asked the way the App does. What GitHub holds stands in: nobody already requested or
 * who reviewed is asked (engine/review-requests.ts), and nobody whose request someone
 * removed, read from the pull request's events only when someone would be asked. So,
 * unlike the App, the Action does not ask again on a new head someone who was taken off the
 * review. Whom a team has needs a token that can read teams (GITHUB_TOKEN cannot); without
 * one, the approvals check says so.
 */
export function actionReviewDoor(client: GitHubClient, environment: ModeEnvironment, number: number): ReviewRequestDoor {
  const { owner, repo, eventName } = environment.context;
  // As the App words it: what GitHub answered (the door adds what to grant), else the access advice.
  const describe = (error: unknown): string => {
    if (!(error instanceof RequestError) || error instanceof GitHubAccessError) return explainAccess(error, eventName).message;
    const message = githubMessageOf(error);
    return `GitHub answered ${error.status}${message === "" ? "" : ` (${message})`}`;
  };
  return {
    firstOnHead: async () => true,
    declined: async () => {
      const events: IssueEvent[] = await withAccess("read the pull request's events (whose review requests were removed)", "pull-requests: read", () =>
        listAll((page) => client.request("GET /repos/{owner}/{repo}/issues/{issue_number}/events", { owner, repo, issue_number: number, per_page: 100, page }), MAX_EVENTS),
      );
      return events.flatMap((event) => (event.event === "review_request_removed" && typeof event.requested_reviewer?.login === "string" ? [event.requested_reviewer.login] : []));
    },
    describe,
    warn: (error, message) => environment.log.warning(`${message}: ${describe(error)}`),
    permissionHint: "the token needs pull-requests: write to ask for reviews",
  };
}
