import type { EvaluatedDecision, EvaluationInput } from "../engine/evaluate.js";
import type { GitHubClient } from "../github/access.js";
import { requestReviews, type ReviewRequestDoor } from "../github/review-requests.js";
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
 * `approvals.request_reviews` in the App (github/review-requests.ts asks): "once per head
 * commit" is a mark in Redis when replicas share it, else in memory, set before the request
 * so that a concurrent evaluation never sends a second.
 */
export class ReviewRequester {
  readonly #asked = new LruCache<string, true>(20_000);

  constructor(
    private readonly redis: RedisLike | null,
    private readonly log: Logger,
  ) {}

  /** `reader`: the evaluation's (the App's caches in front), for the missing teams' members and the last pusher. */
  request(client: GitHubClient, key: PullKey, pull: PullSnapshot, decision: EvaluatedDecision, input: EvaluationInput, reader: PullRequestReader): Promise<ReviewRequestNote | null> {
    const door: ReviewRequestDoor = {
      firstOnHead: (mark) => this.#markOnce(`${key.installationId}|${mark}`),
      describe: describeFailure,
      warn: (error, message) => this.log.warn({ err: error }, message),
      permissionHint: "the App needs the Pull requests: write permission to ask for reviews",
    };
    return requestReviews(client, pull, decision, input, reader, door);
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
