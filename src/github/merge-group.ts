import { withAccess, type GitHubClient } from "./access.js";

/**
 * Merge queues: GitHub asks for the required checks on a merge group's head commit, which
 * holds the queued pull request and every one ahead of it. The group passes a check when
 * each of its pull requests passes it (report/merge-group.ts combines their checks).
 */
export interface MergeGroup {
  head_sha: string;
  head_ref: string;
  base_sha: string;
  base_ref: string;
  head_commit?: { message?: string } | null;
}

/** `refs/heads/main` -> `main`. */
export function branchName(ref: string): string {
  return ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : ref;
}

/**
 * The numbers of the pull requests in a group: the one its temporary branch is named after
 * (`gh-readonly-queue/main/pr-104-<sha>`), and those its commits name (a merge commit's
 * "Merge pull request #12", a squash commit's "Title (#12)"). One request (the comparison),
 * or none when the group's branch names its only pull request and its base is its parent.
 */
export async function pullsInMergeGroup(client: GitHubClient, owner: string, repo: string, group: MergeGroup): Promise<number[]> {
  const numbers = new Set<number>();
  const own = /\/pr-(\d+)-[0-9a-f]+$/.exec(group.head_ref);
  if (own) numbers.add(Number(own[1]));
  const { data } = await withAccess(`compare the merge group ${group.head_sha.slice(0, 7)} with its base`, "contents: read", () =>
    client.request("GET /repos/{owner}/{repo}/compare/{basehead}", { owner, repo, basehead: `${group.base_sha}...${group.head_sha}`, per_page: 100 }),
  );
  for (const commit of data.commits) for (const number of pullNumbersIn(commit.commit.message)) numbers.add(number);
  return [...numbers].sort((a, b) => a - b);
}

export function pullNumbersIn(message: string): number[] {
  const first = message.split("\n", 1)[0] ?? "";
  const numbers: number[] = [];
  const merge = /^Merge pull request #(\d+)\b/.exec(first);
  if (merge) numbers.push(Number(merge[1]));
  const squash = /\(#(\d+)\)\s*$/.exec(first);
  if (squash) numbers.push(Number(squash[1]));
  return numbers;
}
