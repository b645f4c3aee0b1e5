import type { EvaluatedDecision, EvaluationInput } from "../engine/evaluate.js";
import { planReviewRequests, type ReviewRequestPlan } from "../engine/review-requests.js";
import { statusOf, type GitHubClient } from "../github/access.js";
import type { PullRequestReader, PullSnapshot } from "../pipeline/reader.js";
import { LruCache } from "./cache.js";
import type { ReviewRequestNote } from "../report/checks.js";
import { describeFailure } from "./errors.js";
import type { RedisLike } from "./lock.js";
import type { PullKey } from "./scheduler.js";


interface Logger {
  warn(object: unknown, message?: string): void;
}

const ASKED_PREFIX = "changegate:reviews-asked:";
/** A head commit's mark outlives any review cycle on it. */
const ASKED_TTL_MS = 30 * 86_400_000;

/**
 * `approvals.request_reviews`: when the approvals check blocks, one request for reviews
 * from the missing teams' members, once per head commit (a mark in Redis when replicas
 * share it, else in memory, set before the request so that a concurrent evaluation never
 * sends a second). A refused request is not sent again on that head; the check says why.
 */
export class ReviewRequester {
  readonly #asked = new LruCache<string, true>(20_000);

  constructor(
    private readonly redis: RedisLike | null,
    private readonly log: Logger,
  ) {}

  /** `reader`: the evaluation's (the App's caches in front), for the missing teams' members and the last pusher. */
  async request(client: GitHubClient, key: PullKey, pull: PullSnapshot, decision: EvaluatedDecision, input: EvaluationInput, reader: PullRequestReader): Promise<ReviewRequestNote | null> {
    const approvals = decision.approvals;
    if (approvals === null || approvals.satisfied || approvals.changesRequested.length > 0) return null;
    const missingTeams = [...new Set([...approvals.missing.teams, ...(approvals.missing.anyOf ?? [])])];
    if (missingTeams.length === 0) return null;
    let teams: Record<string, readonly string[]>;
    let pusher: string | null;
    try {
      ({ teams, pusher } = await this.#lookups(reader, pull, input, missingTeams));
    } catch (error) {
      this.log.warn({ err: error, pull: `${key.owner}/${key.repo}#${key.number}` }, "changegate: could not find whom to ask for reviews");
      return { byTeam: missingTeams.map((team) => ({ team, logins: [] })), error: describeFailure(error) };
    }

    const requested = ((pull as { requested_reviewers?: { login?: string }[] }).requested_reviewers ?? []).flatMap((user) => (typeof user.login === "string" ? [user.login] : []));
    const plan: ReviewRequestPlan = planReviewRequests({
      approvals,
      teams,
      author: input.pullRequest.author,
      lastPusher: pusher,
      reviewed: input.reviews.map((review) => review.login),
      requested,
    });
    if (plan.byTeam.length === 0) return null;
    if (plan.ask.length === 0) return { byTeam: plan.byTeam, error: null };
    const mark = `${key.installationId}|${key.owner}/${key.repo}#${key.number}@${pull.head.sha}`.toLowerCase();
    // A mark that cannot be set (Redis down) asks nobody: never a second request for one head.
    if (!(await this.#markOnce(mark).catch(() => false))) {
      // Asked on this head already: those still pending are who was asked.
      const pending = plan.byTeam.map((entry) => ({ team: entry.team, logins: entry.logins.filter((login) => requested.some((other) => other.toLowerCase() === login.toLowerCase())) }));
      const shown = pending.filter((entry) => entry.logins.length > 0);
      return shown.length === 0 ? null : { byTeam: shown, error: null };
    }
    try {
      await client.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", { owner: key.owner, repo: key.repo, pull_number: key.number, reviewers: plan.ask });
      return { byTeam: plan.byTeam, error: null };
    } catch (error) {
      const reason = describeFailure(error);
      this.log.warn({ err: error, pull: `${key.owner}/${key.repo}#${key.number}` }, "changegate: could not request reviews");
      return { byTeam: plan.byTeam, error: statusOf(error) === 403 ? `${reason} (the App needs the Pull requests: write permission to ask for reviews)` : reason };
    }
  }

  /** The missing teams' members and the last pusher: the gathering reads teams only once someone approved, and the pusher only for a counted approval. */
  async #lookups(reader: PullRequestReader, pull: PullSnapshot, input: EvaluationInput, missingTeams: readonly string[]): Promise<{ teams: Record<string, readonly string[]>; pusher: string | null }> {
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

  /** True the first time for a mark; false once it is set (here or, with Redis, by any replica). */
  async #markOnce(mark: string): Promise<boolean> {
    if (this.redis === null) {
      if (this.#asked.get(mark) !== undefined) return false;
      this.#asked.set(mark, true);
      return true;
    }
    const set = await this.redis.set(ASKED_PREFIX + mark, "1", "PX", ASKED_TTL_MS, "NX");
    return set === "OK";
  }
}
