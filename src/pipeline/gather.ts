import type { Permission, Review, ReviewState } from "../engine/approvals.js";
import { evaluate, type EvaluatedDecision, type EvaluationInput } from "../engine/evaluate.js";
import type { ChangedFile } from "../engine/paths.js";
import { POLICY_PATH, type Policy } from "../engine/policy.js";
import { listAll, statusOf, withAccess, type GitHubClient } from "../github/access.js";
import { proposedPolicyProblems } from "../github/policy-source.js";

/**
 * The engine's inputs for one pull request, gathered from the API: changed files (GitHub
 * lists at most 3,000), reviews, reviewers' permissions, the problems of the policy file as
 * the pull request edits it, and the members of the teams that can matter to its decision.
 *
 * Team membership is read only where it can change the decision: when someone approved and
 * the requirement of this change's tier or type names teams, or a freeze in effect has an
 * exception team. So a low-risk change is decided with a token that cannot read teams
 * (GITHUB_TOKEN cannot), and a high-risk one asks for that access only then.
 */
export async function evaluatePullRequest(
  client: GitHubClient,
  options: GatherOptions & { policy: Policy },
  /** What GitHub holds about the pull request, when the caller asked for it already. */
  records: Promise<PullRequestRecords> = pullRequestInputs(client, options),
): Promise<{ input: EvaluationInput; decision: EvaluatedDecision }> {
  const input: EvaluationInput = { ...(await records), policy: options.policy };
  const first = evaluate(input);
  const teams = input.reviews.some((review) => review.state === "APPROVED") ? teamsThatMatter(options.policy, first) : [];
  if (teams.length === 0) return { input, decision: first };
  const withTeams = { ...input, teams: await teamMembers(client, options.owner, teams) };
  return { input: withTeams, decision: evaluate(withTeams) };
}

/** The teams whose membership can change this decision: its approval requirement's, and the exception teams of freezes in effect. */
export function teamsThatMatter(policy: Policy, decision: EvaluatedDecision): string[] {
  const teams = new Set<string>([...(decision.approvals?.requirement.teams ?? []), ...(decision.approvals?.requirement.anyOf ?? [])]);
  for (const entry of decision.schedule?.inEffect ?? []) {
    if (entry.kind !== "freeze") continue;
    for (const freeze of policy.freezes) if (freeze.name === entry.name) for (const team of freeze.exceptions?.approvers ?? []) teams.add(team);
  }
  return [...teams].sort();
}

/**
 * The inputs without team membership (see evaluatePullRequest, which adds the teams that
 * can matter).
 */
export interface PullRequestFields {
  number: number;
  title: string;
  body: string | null;
  user: { login: string } | null;
  labels: readonly { name?: string }[];
  head: { sha: string };
  changed_files?: number;
}

/** GitHub lists at most this many files of a pull request. */
export const MAX_LISTED_FILES = 3_000;

export interface GatherOptions {
  owner: string;
  repo: string;
  pull: PullRequestFields;
  at: number;
  /** Count only the reviews submitted by this instant (the gate judges a merge as it was). */
  reviewsUntil?: number;
}

/** The engine's inputs but the policy, which none of these requests needs. */
export type PullRequestRecords = Omit<EvaluationInput, "policy">;

export async function pullRequestInputs(client: GitHubClient, options: GatherOptions): Promise<PullRequestRecords> {
  const { owner, repo, pull } = options;
  const pullArgs = { owner, repo, pull_number: pull.number, per_page: 100 };
  const [listedFiles, rawReviews] = await Promise.all([
    withAccess(`list the files of PR #${pull.number}`, "pull-requests: read", () =>
      listAll((page) => client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", { ...pullArgs, page }), MAX_LISTED_FILES),
    ),
    withAccess(`list the reviews of PR #${pull.number}`, "pull-requests: read", () =>
      listAll((page) => client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", { ...pullArgs, page })),
    ),
  ]);
  const files: ChangedFile[] = listedFiles.map((file) => ({ path: file.filename, ...(file.previous_filename ? { previousPath: file.previous_filename } : {}) }));
  const complete = listedFiles.length < MAX_LISTED_FILES && (pull.changed_files === undefined || listedFiles.length >= pull.changed_files);

  const until = options.reviewsUntil;
  const reviews: Review[] = rawReviews
    .filter((review) => review.user !== null && (until === undefined || (review.submitted_at != null && Date.parse(review.submitted_at) <= until)))
    .map((review) => ({
      id: Number(review.id),
      login: review.user!.login,
      isBot: review.user!.type === "Bot" || review.user!.login.endsWith("[bot]"),
      state: review.state as ReviewState,
      commitId: review.commit_id ?? null,
      submittedAt: review.submitted_at ?? null,
    }));

  const opinionated = [...new Set(reviews.filter((review) => review.state === "APPROVED" || review.state === "CHANGES_REQUESTED").map((review) => review.login))];
  const [permissions, proposed] = await Promise.all([
    reviewerPermissions(client, owner, repo, opinionated),
    files.some((file) => file.path === POLICY_PATH || file.previousPath === POLICY_PATH)
      ? proposedPolicyProblems(client, { owner, repo, ref: pull.head.sha })
      : Promise.resolve(null),
  ]);

  return {
    pullRequest: {
      owner,
      repo,
      number: pull.number,
      title: pull.title,
      author: pull.user?.login ?? "",
      body: pull.body ?? "",
      labels: pull.labels.map((label) => label.name ?? "").filter((name) => name !== ""),
      headSha: pull.head.sha,
      lastPusher: null,
    },
    files: { files, complete },
    reviews,
    teams: {},
    permissions,
    at: options.at,
    proposedPolicyProblems: proposed,
  };
}

async function teamMembers(client: GitHubClient, org: string, teams: readonly string[]): Promise<Record<string, string[]>> {
  const entries = await Promise.all(
    teams.map(async (team) => {
      // The members list holds active members only (pending invitations are not members).
      const members = await withAccess(
        `read the members of team ${org}/${team}`,
        "organization Members: read",
        () => listAll((page) => client.request("GET /orgs/{org}/teams/{team_slug}/members", { org, team_slug: team, per_page: 100, page })),
        { notFoundIsAccess: true },
      );
      return [team, members.map((member) => member.login)] as const;
    }),
  );
  return Object.fromEntries(entries);
}

const PERMISSIONS = new Set<Permission>(["admin", "maintain", "write", "triage", "read", "none"]);

async function reviewerPermissions(client: GitHubClient, owner: string, repo: string, logins: readonly string[]): Promise<Record<string, Permission>> {
  const entries = await Promise.all(
    logins.map(async (username) => {
      try {
        const { data } = await withAccess(`read the repository permission of @${username}`, "metadata: read", () =>
          client.request("GET /repos/{owner}/{repo}/collaborators/{username}/permission", { owner, repo, username }),
        );
        const role = data.role_name as Permission;
        return [username, PERMISSIONS.has(role) ? role : (data.permission as Permission)] as const;
      } catch (error) {
        if (statusOf(error) === 404) return [username, "none" as Permission] as const;
        throw error;
      }
    }),
  );
  return Object.fromEntries(entries);
}
