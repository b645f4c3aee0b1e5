import type { Permission, Review, ReviewState } from "../approvals.js";
import type { EvaluationInput } from "../evaluate.js";
import type { ChangedFile } from "../paths.js";
import { POLICY_PATH, type Policy } from "../policy.js";
import { listAll, statusOf, withAccess, type GitHubClient } from "./access.js";
import { proposedPolicyProblems } from "./policy-source.js";

/**
 * The engine's inputs for one pull request, gathered from the API: changed files (GitHub
 * lists at most 3,000), reviews, the members of the teams the policy names (only when
 * someone approved: membership matters only for approvers), reviewers' permissions, and
 * the problems of the policy file as the pull request edits it.
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
  policy: Policy;
  pull: PullRequestFields;
  at: number;
  /** Count only the reviews submitted by this instant (the gate judges a merge as it was). */
  reviewsUntil?: number;
}

export async function pullRequestInputs(client: GitHubClient, options: GatherOptions): Promise<EvaluationInput> {
  const { owner, repo, policy, pull } = options;
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
  const anyApproval = reviews.some((review) => review.state === "APPROVED");
  const [teams, permissions, proposed] = await Promise.all([
    anyApproval ? teamMembers(client, owner, policyTeams(policy)) : Promise.resolve({}),
    reviewerPermissions(client, owner, repo, opinionated),
    files.some((file) => file.path === POLICY_PATH || file.previousPath === POLICY_PATH)
      ? proposedPolicyProblems(client, { owner, repo, ref: pull.head.sha })
      : Promise.resolve(null),
  ]);

  return {
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
      lastPusher: null,
    },
    files: { files, complete },
    reviews,
    teams,
    permissions,
    at: options.at,
    proposedPolicyProblems: proposed,
  };
}

/** Every team the policy names: tier approvals, the emergency approvers, freeze exceptions. */
export function policyTeams(policy: Policy): string[] {
  const teams = new Set<string>();
  for (const tier of ["low", "medium", "high", "critical"] as const) for (const team of policy.approvals[tier].teams) teams.add(team);
  for (const team of policy.emergency.approvers) teams.add(team);
  for (const freeze of policy.freezes) for (const team of freeze.exceptions?.approvers ?? []) teams.add(team);
  return [...teams].sort();
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
