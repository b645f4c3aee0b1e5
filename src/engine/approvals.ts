/**
 * Approvals under GitHub's review semantics: each reviewer's state is their latest
 * opinionated review; only approvals from people with write access count, never the
 * author's, the last pusher's or a bot's, and (stale_on_push) only on the current head.
 * Listed teams each need their own approver: an assignment, not a greedy pass.
 */
export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";
export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

export interface Review {
  id: number | null;
  login: string;
  isBot: boolean;
  state: ReviewState;
  commitId: string | null;
  submittedAt: string | null;
}

export interface ApprovalRequirement {
  /** Approvals needed in all, team approvals included. */
  count: number;
  /** Each listed team needs its own approver (one person satisfies at most one team). */
  teams: readonly string[];
  /** When set, at least one approver must belong to one of these teams (the emergency path). */
  anyOf: readonly string[] | null;
  basis: "tier" | "standard" | "emergency";
}

export interface ApprovalsInput {
  reviews: readonly Review[];
  author: string;
  /** Who pushed the head commit; like GitHub, their approval doesn't count. */
  lastPusher: string | null;
  /** The PR's head SHA; stale filtering applies only when it is known. */
  headSha: string | null;
  staleOnPush: boolean;
  /** login -> permission; null means every reviewer is taken to have write access. */
  permissions: Readonly<Record<string, Permission>> | null;
  /** team slug -> active member logins. */
  teams: Readonly<Record<string, readonly string[]>>;
  requirement: ApprovalRequirement;
}

export interface CountedApproval {
  login: string;
  reviewId: number | null;
  commitId: string | null;
  submittedAt: string | null;
  /** Teams of the teams input the approver is an active member of. */
  teams: string[];
}

export type IgnoredReason = "author" | "bot" | "last-pusher" | "no-write-access" | "stale";

export interface ApprovalDecision {
  requirement: ApprovalRequirement;
  satisfied: boolean;
  counted: CountedApproval[];
  ignored: { login: string; reviewId: number | null; reason: IgnoredReason }[];
  changesRequested: { login: string; reviewId: number | null; submittedAt: string | null }[];
  /** team -> the approver assigned to it. */
  assignment: Record<string, string>;
  missing: { count: number; teams: string[]; anyOf: string[] | null };
}

const WRITE_OR_MORE = new Set<Permission>(["admin", "maintain", "write"]);

export function evaluateApprovals(input: ApprovalsInput): ApprovalDecision {
  const author = input.author.toLowerCase();
  const lastPusher = input.lastPusher?.toLowerCase() ?? null;
  const permissions = input.permissions === null ? null : lowerKeys(input.permissions);
  const membership = teamsByMember(input.teams);

  const counted: CountedApproval[] = [];
  const ignored: ApprovalDecision["ignored"] = [];
  const changesRequested: ApprovalDecision["changesRequested"] = [];
  for (const review of latestOpinions(input.reviews)) {
    const login = review.login.toLowerCase();
    const hasWrite = permissions === null || WRITE_OR_MORE.has(permissions[login] ?? "none");
    if (review.state === "CHANGES_REQUESTED") {
      if (!review.isBot && login !== author && hasWrite) {
        changesRequested.push({ login: review.login, reviewId: review.id, submittedAt: review.submittedAt });
      }
      continue;
    }
    if (review.state !== "APPROVED") continue;
    const reason: IgnoredReason | null = review.isBot ? "bot"
      : login === author ? "author"
      : login === lastPusher ? "last-pusher"
      : !hasWrite ? "no-write-access"
      : input.staleOnPush && input.headSha !== null && review.commitId !== input.headSha ? "stale"
      : null;
    if (reason !== null) {
      ignored.push({ login: review.login, reviewId: review.id, reason });
      continue;
    }
    counted.push({
      login: review.login,
      reviewId: review.id,
      commitId: review.commitId,
      submittedAt: review.submittedAt,
      teams: membership.get(login) ?? [],
    });
  }

  const { requirement } = input;
  const assignment = assignTeams(requirement.teams, counted);
  const missingTeams = requirement.teams.filter((team) => !(team in assignment));
  const anyOfMet = requirement.anyOf === null || counted.some((approval) => approval.teams.some((team) => requirement.anyOf!.includes(team)));
  const needed = Math.max(requirement.count, requirement.teams.length, requirement.anyOf === null ? 0 : 1);
  const missingCount = Math.max(0, needed - counted.length, missingTeams.length, anyOfMet ? 0 : 1);
  return {
    requirement,
    satisfied: changesRequested.length === 0 && missingCount === 0,
    counted,
    ignored,
    changesRequested,
    assignment,
    missing: { count: missingCount, teams: missingTeams, anyOf: anyOfMet ? null : [...requirement.anyOf!] },
  };
}

/** Each reviewer's latest review that is an approval, a change request or a dismissal. */
function latestOpinions(reviews: readonly Review[]): Review[] {
  const ordered = reviews
    .map((review, index) => ({ review, index }))
    .sort((a, b) => compareTimes(a.review.submittedAt, b.review.submittedAt) || a.index - b.index);
  const latest = new Map<string, Review>();
  for (const { review } of ordered) {
    if (review.state === "COMMENTED" || review.state === "PENDING") continue;
    latest.set(review.login.toLowerCase(), review);
  }
  return [...latest.values()];
}

function compareTimes(a: string | null, b: string | null): number {
  if (a === null || b === null) return 0;
  return Date.parse(a) - Date.parse(b);
}

function lowerKeys<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = Object.create(null) as Record<string, T>;
  for (const [key, value] of Object.entries(record)) out[key.toLowerCase()] = value;
  return out;
}

function teamsByMember(teams: Readonly<Record<string, readonly string[]>>): Map<string, string[]> {
  const byMember = new Map<string, string[]>();
  for (const [team, members] of Object.entries(teams)) {
    for (const member of members) {
      const login = member.toLowerCase();
      const list = byMember.get(login) ?? [];
      if (!list.includes(team)) list.push(team);
      byMember.set(login, list);
    }
  }
  return byMember;
}

/**
 * A maximum matching of teams to distinct approvers (augmenting paths). A greedy pass
 * can give the only member of team B to team A when another approver could have served
 * A, and block a PR that is in fact approved.
 */
function assignTeams(teams: readonly string[], approvals: readonly CountedApproval[]): Record<string, string> {
  const holder = new Map<string, string>(); // approver login -> team
  const tryAssign = (team: string, visited: Set<string>): boolean => {
    for (const approval of approvals) {
      if (!approval.teams.includes(team) || visited.has(approval.login)) continue;
      visited.add(approval.login);
      const current = holder.get(approval.login);
      if (current === undefined || tryAssign(current, visited)) {
        holder.set(approval.login, team);
        return true;
      }
    }
    return false;
  };
  for (const team of new Set(teams)) tryAssign(team, new Set());
  const assignment: Record<string, string> = {};
  for (const [login, team] of holder) assignment[team] = login;
  return assignment;
}
