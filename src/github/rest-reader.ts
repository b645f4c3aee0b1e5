import type { Permission, Review, ReviewState } from "../engine/approvals.js";
import type { ChangedFile, ChangedFiles } from "../engine/paths.js";
import type { PullRequestFields, PullRequestReader } from "../pipeline/reader.js";
import { listAll, statusOf, withAccess, type GitHubClient } from "./access.js";
import { loadPolicy } from "./policy-source.js";

/**
 * The pipeline's reader on GitHub's REST API, one repository through one client: every
 * read is a request (the App puts its caching decorator in front, app/caching-reader.ts).
 */
export function restReader(client: GitHubClient, owner: string, repo: string): PullRequestReader {
  return {
    owner,
    repo,
    changedFiles: (pull) => changedFiles(client, owner, repo, pull),
    reviews: (pull) => pullReviews(client, owner, repo, pull.number),
    permission: (login) => permissionOf(client, owner, repo, login),
    teamMembers: (team) => teamMembers(client, owner, team),
    lastPusher: (pull) => lastPusher(client, pull.head.repo?.full_name ?? `${owner}/${repo}`, pull),
    policyAt: (ref) => loadPolicy(client, { owner, repo, ref }),
    proposedPolicy: (pull) => loadPolicy(client, { owner, repo, ref: pull.head.sha }),
  };
}

/** GitHub lists at most this many files of a pull request. */
export const MAX_LISTED_FILES = 3_000;

/** The changed files, both names of a rename; GitHub lists at most 3,000. */
export async function changedFiles(client: GitHubClient, owner: string, repo: string, pull: Pick<PullRequestFields, "number" | "changed_files">): Promise<ChangedFiles> {
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
 * Who pushed the head commit, from the repository's activity (pushes and force pushes, with
 * their actor); null when GitHub does not say (a fork the token cannot read, an old push).
 */
export async function lastPusher(client: GitHubClient, headRepo: string, pull: Pick<PullRequestFields, "head">): Promise<string | null> {
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
