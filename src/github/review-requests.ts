import type { EvaluatedDecision, EvaluationInput } from "../engine/evaluate.js";
import { planReviewRequests } from "../engine/review-requests.js";
import type { PullRequestFields, PullRequestReader } from "../pipeline/reader.js";
import type { ReviewRequestNote } from "../report/checks.js";
import { statusOf, type GitHubClient } from "./access.js";

/**
 * `approvals.request_reviews` (SPEC §6), the same in the App and the Action: when the
 * approvals check blocks for want of a team's approval, one request asks that team's
 * members (engine/review-requests.ts says whom), once per head commit. What differs is how a
 * door knows it asked already: the App keeps a mark (Redis or memory, review-requests.ts in
 * app/), the Action, which keeps nothing between runs, reads whose request someone removed
 * (the pull request's events), so that nobody taken off a review is put back on it. A refused
 * request is shown on the check, with what permission it needs.
 */
export interface ReviewRequestDoor {
  /** True the first time for this head commit; false: asked on it already (then nobody is asked). */
  firstOnHead(mark: string): Promise<boolean>;
  /** People not to ask although GitHub does not list them as requested: whose request was removed. Read only when someone would be asked. */
  declined?: () => Promise<string[]>;
  describe(error: unknown): string;
  warn(error: unknown, message: string): void;
  /** What to grant, said when GitHub refuses the request (403). */
  permissionHint: string;
}

/** The pull request as GitHub gave it, with whom it lists as requested now. */
export type RequestablePull = PullRequestFields & { requested_reviewers?: readonly { login?: string }[] | null };

export async function requestReviews(client: GitHubClient, pull: RequestablePull, decision: EvaluatedDecision, input: EvaluationInput, reader: PullRequestReader, door: ReviewRequestDoor): Promise<ReviewRequestNote | null> {
  const approvals = decision.approvals;
  if (approvals === null || approvals.satisfied || approvals.changesRequested.length > 0) return null;
  const missingTeams = [...new Set([...approvals.missing.teams, ...(approvals.missing.anyOf ?? [])])];
  if (missingTeams.length === 0) return null;
  const where = { owner: reader.owner, repo: reader.repo, pull_number: pull.number };
  const id = `${reader.owner}/${reader.repo}#${pull.number}`;
  let teams: Record<string, readonly string[]>;
  let pusher: string | null;
  try {
    ({ teams, pusher } = await lookups(reader, pull, input, missingTeams));
  } catch (error) {
    door.warn(error, `changegate: could not find whom to ask for reviews on ${id}`);
    return { byTeam: missingTeams.map((team) => ({ team, logins: [] })), error: door.describe(error) };
  }

  const requested = (pull.requested_reviewers ?? []).flatMap((user) => (typeof user.login === "string" ? [user.login] : []));
  const planFor = (declined: readonly string[]) =>
    planReviewRequests({ approvals, teams, author: input.pullRequest.author, lastPusher: pusher, reviewed: [...input.reviews.map((review) => review.login), ...declined], requested });
  let plan = planFor([]);
  if (plan.ask.length > 0 && door.declined !== undefined) {
    try {
      plan = planFor(await door.declined());
    } catch (error) {
      door.warn(error, `changegate: could not read whose review requests were removed on ${id}`);
      return { byTeam: plan.byTeam, error: door.describe(error) };
    }
  }
  if (plan.byTeam.length === 0) return null;
  if (plan.ask.length === 0) return { byTeam: plan.byTeam, error: null };
  // A mark that cannot be set asks nobody: never a second request for one head.
  if (!(await door.firstOnHead(`${id}@${pull.head.sha}`.toLowerCase()).catch(() => false))) {
    // Asked on this head already: those still pending are who was asked.
    const pending = plan.byTeam.map((entry) => ({ team: entry.team, logins: entry.logins.filter((login) => requested.some((other) => other.toLowerCase() === login.toLowerCase())) }));
    const shown = pending.filter((entry) => entry.logins.length > 0);
    return shown.length === 0 ? null : { byTeam: shown, error: null };
  }
  try {
    await client.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", { ...where, reviewers: plan.ask });
    return { byTeam: plan.byTeam, error: null };
  } catch (error) {
    door.warn(error, `changegate: could not request reviews on ${id}`);
    const reason = door.describe(error);
    return { byTeam: plan.byTeam, error: statusOf(error) === 403 ? `${reason} (${door.permissionHint})` : reason };
  }
}

/** The missing teams' members and the last pusher: the gathering reads teams only once someone approved, and the pusher only for a counted approval. */
async function lookups(reader: PullRequestReader, pull: PullRequestFields, input: EvaluationInput, missingTeams: readonly string[]): Promise<{ teams: Record<string, readonly string[]>; pusher: string | null }> {
  const teams: Record<string, readonly string[]> = { ...input.teams };
  await Promise.all(
    missingTeams
      .filter((team) => teams[team] === undefined)
      .map(async (team) => {
        teams[team] = await reader.teamMembers(team);
      }),
  );
  const pusher = input.pullRequest.lastPusher ?? (await reader.lastPusher(pull));
  return { teams, pusher };
}
