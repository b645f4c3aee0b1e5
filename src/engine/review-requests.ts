import type { ApprovalDecision } from "./approvals.js";

/**
 * Whom to ask for a review when the approvals check blocks (`approvals.request_reviews`):
 * the active members of each team whose approval is still missing, less the author, the
 * last pusher, anyone who already reviewed and anyone already asked. Pure: the App sends
 * the one request and remembers that it did.
 */
export interface ReviewRequestInput {
  approvals: ApprovalDecision;
  /** team slug -> active members (the evaluation's teams input). */
  teams: Readonly<Record<string, readonly string[]>>;
  author: string;
  lastPusher: string | null;
  /** Everyone with a review of any state on the pull request. */
  reviewed: readonly string[];
  /** Everyone whose review is requested and still pending. */
  requested: readonly string[];
}

export interface ReviewRequestPlan {
  /** Logins to ask now, in one request; empty: nothing to send. */
  ask: string[];
  /** Each missing team and who of it is asked now or was asked already (pending). */
  byTeam: { team: string; logins: string[] }[];
}

/** GitHub lists at most this many requested reviewers; one request never asks for more. */
export const MAX_REVIEW_REQUESTS = 15;

export function planReviewRequests(input: ReviewRequestInput): ReviewRequestPlan {
  const { approvals } = input;
  const empty: ReviewRequestPlan = { ask: [], byTeam: [] };
  // Blocked by a change request, or by nothing a team can answer: nobody to ask.
  if (approvals.satisfied || approvals.changesRequested.length > 0) return empty;
  const missingTeams = [...new Set([...approvals.missing.teams, ...(approvals.missing.anyOf ?? [])])];
  if (missingTeams.length === 0) return empty;

  const lower = (login: string) => login.toLowerCase();
  const excluded = new Set([input.author, ...(input.lastPusher === null ? [] : [input.lastPusher]), ...input.reviewed].map(lower));
  const pending = new Set(input.requested.map(lower));
  const ask: string[] = [];
  const asking = new Set<string>();
  const byTeam: ReviewRequestPlan["byTeam"] = [];
  for (const team of missingTeams) {
    const members = [...(input.teams[team] ?? [])].sort((a, b) => lower(a).localeCompare(lower(b)));
    const alreadyAsked = members.filter((login) => pending.has(lower(login)) && !excluded.has(lower(login)));
    const logins = [...alreadyAsked];
    // A team someone of which is already asked is not asked again.
    if (alreadyAsked.length === 0) {
      for (const login of members) {
        if (excluded.has(lower(login)) || login.endsWith("[bot]")) continue;
        if (!asking.has(lower(login))) {
          if (ask.length >= MAX_REVIEW_REQUESTS) break;
          ask.push(login);
          asking.add(lower(login));
        }
        logins.push(login);
      }
    }
    if (logins.length > 0) byTeam.push({ team, logins });
  }
  return { ask, byTeam };
}
