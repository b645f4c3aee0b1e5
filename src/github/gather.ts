import type { Permission, Review, ReviewState } from "../engine/approvals.js";
import { parseChangeRequest } from "../engine/change-request.js";
import { evaluate, type EvaluatedDecision, type EvaluationInput } from "../engine/evaluate.js";
import type { ChangedFile, ChangedFiles } from "../engine/paths.js";
import { POLICY_PATH, type Policy } from "../engine/policy.js";
import type { Problem } from "../engine/problems.js";
import { listAll, statusOf, withAccess, type GitHubClient } from "./access.js";
import { InFlight, LruCache } from "./cache.js";
import { loadPolicy } from "./policy-source.js";
import { MAX_LISTED_FILES, teamsThatMatter, type PullRequestFields } from "./pull-request-inputs.js";

/**
 * The engine's inputs for one pull request, gathered with as few requests as the decision
 * allows, for a long-running caller that keeps caches (the App):
 *
 * - changed files: once per head commit and base branch (a head commit's diff against its
 *   merge base changes only with a push or a retarget);
 * - reviews: every time (they are what most events change; even for a pull request opened
 *   a moment ago, whose `opened` may be delivered after its first review);
 * - reviewers' permissions and team members: kept for minutes (`permissionsTtlMs`,
 *   `teamsTtlMs`), and read only for reviewers whose opinion counts and for teams that can
 *   change the decision;
 * - who pushed the head commit (GitHub's rule: the last pusher's approval does not count):
 *   known from the `synchronize` webhook's sender, else asked of the repository's activity
 *   only when an approval could be theirs;
 * - the policy as the pull request edits it, validated once per head commit.
 */
export interface PullSnapshot extends PullRequestFields {
  base: { ref: string; sha?: string };
  head: { sha: string; ref?: string; repo?: { full_name?: string } | null };
  state?: string;
  draft?: boolean;
  created_at?: string;
  updated_at?: string;
}

export interface GatherCachesOptions {
  permissionsTtlMs?: number;
  teamsTtlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export class GatherCaches {
  readonly files: LruCache<string, ChangedFiles>;
  readonly permissions: LruCache<string, Permission>;
  readonly teams: LruCache<string, string[]>;
  readonly pushers: LruCache<string, string | null>;
  readonly proposed: LruCache<string, Problem[] | null>;
  readonly inFlight = new InFlight<unknown>();

  constructor(options: GatherCachesOptions = {}) {
    const max = options.maxEntries ?? 20_000;
    const now = options.now ?? Date.now;
    this.files = new LruCache(Math.min(max, 5_000), Infinity, now);
    this.permissions = new LruCache(max, options.permissionsTtlMs ?? 10 * 60_000, now);
    this.teams = new LruCache(2_000, options.teamsTtlMs ?? 5 * 60_000, now);
    this.pushers = new LruCache(max, Infinity, now);
    this.proposed = new LruCache(max, Infinity, now);
  }

  /** A push or a membership change makes these stale: forget them for one scope (installation). */
  forgetScope(scope: string): void {
    const prefix = `${scope}|`;
    for (const cache of [this.files, this.permissions, this.teams, this.proposed] as LruCache<string, unknown>[]) cache.deleteWhere((key) => key.startsWith(prefix));
  }

  /** Records who pushed a commit (a `synchronize` webhook's sender). */
  rememberPusher(headRepo: string, sha: string, login: string): void {
    this.pushers.set(`${headRepo.toLowerCase()}@${sha}`, login);
  }
}

export interface GatherRequest {
  owner: string;
  repo: string;
  pull: PullSnapshot;
  policy: Policy;
  at: number;
  /** The installation: cache keys are per scope, since what a token may see differs. */
  scope?: string;
  /** Read everything again (the Re-evaluate button). */
  fresh?: boolean;
}

export interface Gathered {
  input: EvaluationInput;
  decision: EvaluatedDecision;
}

export async function gatherAndEvaluate(client: GitHubClient, request: GatherRequest, caches: GatherCaches): Promise<Gathered> {
  const { owner, repo, pull, policy } = request;
  const scope = request.scope ?? "";
  const repoKey = `${scope}|${owner}/${repo}`.toLowerCase();
  const pullKey = `${repoKey}#${pull.number}@${pull.head.sha}:${pull.base.ref}`;
  const headRepo = pull.head.repo?.full_name ?? `${owner}/${repo}`;
  const pusherKey = `${headRepo.toLowerCase()}@${pull.head.sha}`;

  const [files, reviews] = await Promise.all([
    cached(caches, caches.files, pullKey, request.fresh === true, () => changedFiles(client, owner, repo, pull)),
    pullReviews(client, owner, repo, pull.number),
  ]);

  const opinionated = [...new Set(reviews.filter((review) => !review.isBot && (review.state === "APPROVED" || review.state === "CHANGES_REQUESTED")).map((review) => review.login))];
  const touchesPolicy = files.files.some((file) => file.path === POLICY_PATH || file.previousPath === POLICY_PATH);
  const [permissions, proposed] = await Promise.all([
    Promise.all(
      opinionated.map(async (login) => [login, await cached(caches, caches.permissions, `${repoKey}|${login.toLowerCase()}`, request.fresh === true, () => permissionOf(client, owner, repo, login))] as const),
    ).then((entries) => Object.fromEntries(entries) as Record<string, Permission>),
    touchesPolicy
      ? cached(caches, caches.proposed, `${repoKey}@${pull.head.sha}`, false, () => proposedPolicyProblems(client, owner, repo, pull.head.sha))
      : Promise.resolve(null),
  ]);

  const input: EvaluationInput = {
    policy,
    pullRequest: {
      owner,
      repo,
      number: pull.number,
      title: pull.title,
      author: pull.user?.login ?? "",
      body: pull.body ?? "",
      labels: pull.labels.map((label) => label.name ?? "").filter((name) => name !== ""),
      headSha: pull.head.sha,
      lastPusher: caches.pushers.get(pusherKey) ?? null,
    },
    files,
    reviews,
    teams: {},
    permissions,
    at: request.at,
    proposedPolicyProblems: proposed,
    // Parsed once: the decision may be made up to three times below (and again by the caller).
    changeRequest: parseChangeRequest(pull.body ?? ""),
  };
  let decision = evaluate(input);

  // Whose push the head is matters only when someone's approval would count.
  if ((decision.approvals?.counted.length ?? 0) > 0 && caches.pushers.peek(pusherKey) === undefined) {
    const pusher = await cached(caches, caches.pushers, pusherKey, false, () => lastPusher(client, headRepo, pull));
    if (pusher !== null) {
      input.pullRequest = { ...input.pullRequest, lastPusher: pusher };
      decision = evaluate(input);
    }
  }

  const teams = reviews.some((review) => review.state === "APPROVED") ? teamsThatMatter(policy, decision) : [];
  if (teams.length > 0) {
    const entries = await Promise.all(
      teams.map(async (team) => [team, await cached(caches, caches.teams, `${scope}|${owner}|${team}`.toLowerCase(), request.fresh === true, () => teamMembers(client, owner, team))] as const),
    );
    input.teams = Object.fromEntries(entries);
    decision = evaluate(input);
  }
  return { input, decision };
}

async function cached<V>(caches: GatherCaches, cache: LruCache<string, V>, key: string, fresh: boolean, load: () => Promise<V>): Promise<V> {
  if (!fresh) {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
  }
  return (caches.inFlight as InFlight<V>).run(`${key}`, async () => {
    const value = await load();
    cache.set(key, value);
    return value;
  });
}

/** The changed files, both names of a rename; GitHub lists at most 3,000. */
export async function changedFiles(client: GitHubClient, owner: string, repo: string, pull: Pick<PullSnapshot, "number" | "changed_files">): Promise<ChangedFiles> {
  const listed = await withAccess(`list the files of PR #${pull.number}`, "pull-requests: read", () =>
    listAll((page) => client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", { owner, repo, pull_number: pull.number, per_page: 100, page }), MAX_LISTED_FILES),
  );
  const files: ChangedFile[] = listed.map((file) => ({ path: file.filename, ...(file.previous_filename ? { previousPath: file.previous_filename } : {}) }));
  const complete = listed.length < MAX_LISTED_FILES && (pull.changed_files === undefined || listed.length >= pull.changed_files);
  return { files, complete };
}

export async function pullReviews(client: GitHubClient, owner: string, repo: string, number: number): Promise<Review[]> {
  const raw = await withAccess(`list the reviews of PR #${number}`, "pull-requests: read", () =>
    listAll((page) => client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", { owner, repo, pull_number: number, per_page: 100, page })),
  );
  return raw
    .filter((review) => review.user !== null)
    .map((review) => ({
      id: Number(review.id),
      login: review.user!.login,
      isBot: review.user!.type === "Bot" || review.user!.login.endsWith("[bot]"),
      state: review.state as ReviewState,
      commitId: review.commit_id ?? null,
      submittedAt: review.submitted_at ?? null,
    }));
}

const PERMISSIONS = new Set<Permission>(["admin", "maintain", "write", "triage", "read", "none"]);

export async function permissionOf(client: GitHubClient, owner: string, repo: string, username: string): Promise<Permission> {
  try {
    const { data } = await withAccess(`read the repository permission of @${username}`, "metadata: read", () =>
      client.request("GET /repos/{owner}/{repo}/collaborators/{username}/permission", { owner, repo, username }),
    );
    const role = data.role_name as Permission;
    return PERMISSIONS.has(role) ? role : (data.permission as Permission);
  } catch (error) {
    if (statusOf(error) === 404) return "none";
    throw error;
  }
}

/** Active members of a team (the members list holds no pending invitations). */
export async function teamMembers(client: GitHubClient, org: string, team: string): Promise<string[]> {
  const members = await withAccess(
    `read the members of team ${org}/${team}`,
    "organization Members: read",
    () => listAll((page) => client.request("GET /orgs/{org}/teams/{team_slug}/members", { org, team_slug: team, per_page: 100, page })),
    { notFoundIsAccess: true },
  );
  return members.map((member) => member.login);
}

/**
 * The edited policy of a pull request that changes `.github/changegate.yml`, layered as it
 * would be once merged (its own `_extends` followed): its problems, empty when valid, null
 * when the pull request removes the file.
 */
export async function proposedPolicyProblems(client: GitHubClient, owner: string, repo: string, headSha: string): Promise<Problem[] | null> {
  const loaded = await loadPolicy(client, { owner, repo, ref: headSha });
  if (loaded.status === "not-enrolled") return null;
  return loaded.status === "invalid" ? loaded.problems : [];
}

/**
 * Who pushed the head commit, from the repository's activity (pushes and force pushes, with
 * their actor); null when GitHub does not say (a fork the token cannot read, an old push).
 */
export async function lastPusher(client: GitHubClient, headRepo: string, pull: Pick<PullSnapshot, "head">): Promise<string | null> {
  const [owner, repo] = headRepo.split("/") as [string, string];
  if (pull.head.ref === undefined || repo === undefined) return null;
  try {
    const { data } = await client.request("GET /repos/{owner}/{repo}/activity", { owner, repo, ref: `refs/heads/${pull.head.ref}`, per_page: 30 });
    const push = data.find((activity) => activity.after === pull.head.sha && (activity.activity_type === "push" || activity.activity_type === "force_push"));
    return push?.actor?.login ?? null;
  } catch (error) {
    const status = statusOf(error);
    if (status === 403 || status === 404 || status === 422) return null;
    throw error;
  }
}
