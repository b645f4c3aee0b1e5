import type { Octokit } from "@octokit/core";
import type { components } from "@octokit/openapi-types";
import { TooManyCommitsError } from "./errors.js";

/**
 * Which changes a deployment of one commit to one environment carries (SPEC §7): every pull
 * request merged since the environment's last successful deployment, where GitHub records
 * one, else the commit's own pull request; and the commits that no pull request brought.
 *
 * Requests: one for the environment's deployments, one per deployment scanned for its
 * statuses (newest first, usually one or two), one or a few for the comparison, and one per
 * commit on the first-parent line (the commits that landed on the branch: merge, squash or
 * rebased commits and direct pushes; a merged branch's own commits are not looked up). The
 * deployed commit's own lookup goes out first, beside the deployments: it is needed in every
 * case but one (too many commits, which fails closed), and so waits on nothing.
 */
export type PullRequestSimple = components["schemas"]["pull-request-simple"];

export interface ChangesToDeploy {
  basis: { kind: "since-deployment"; sha: string; deploymentId: number } | { kind: "own-pull-request" };
  /** Merged pull requests, oldest merge first. */
  pulls: PullRequestSimple[];
  /** First-parent commits that no merged pull request brought. */
  directCommits: string[];
  /** Open pull requests that contain a direct commit (for the message: "not merged yet"). */
  openPulls: number[];
}

/** Deployments scanned for the last successful one. */
const MAX_DEPLOYMENTS = 30;
/** First-parent commits looked up; a longer range fails closed rather than weigh part of it. */
export const MAX_COMMITS = 250;
/** Commits compared in all (merged branches' own commits included). */
const MAX_COMPARED = 1_000;
const CONCURRENCY = 8;

export { TooManyCommitsError } from "./errors.js";

export async function changesToDeploy(
  octokit: Pick<Octokit, "request">,
  target: { owner: string; repo: string; sha: string; environment: string },
): Promise<ChangesToDeploy> {
  const { owner, repo, sha } = target;
  // The commit's own pull request is looked up whatever the history says (the commit heads
  // the line in every case), so it is asked for at once, beside the deployment history.
  const ownLookup = pullsOfCommit(octokit, { owner, repo, commit: sha });
  ownLookup.catch(() => undefined); // awaited below, unless the history fails first
  const deployed = await lastSuccessfulDeployment(octokit, target);
  let line: string[] = [sha];
  let basis: ChangesToDeploy["basis"] = { kind: "own-pull-request" };
  if (deployed !== null && deployed.sha !== sha) {
    const range = await firstParentLine(octokit, { owner, repo, base: deployed.sha, head: sha });
    // Behind or identical (a redeploy or a rollback): nothing new is merged, weigh the commit's own.
    if (range.length > 0) {
      line = range;
      basis = { kind: "since-deployment", sha: deployed.sha, deploymentId: deployed.id };
    }
  }

  const found = await mapLimit(line, CONCURRENCY, (commit) => (commit === sha ? ownLookup : pullsOfCommit(octokit, { owner, repo, commit })));

  const pulls = new Map<number, PullRequestSimple>();
  const directCommits: string[] = [];
  const openPulls = new Set<number>();
  for (const { commit, pull, open } of found) {
    if (pull !== null) pulls.set(pull.number, pull);
    else {
      directCommits.push(commit);
      for (const candidate of open) openPulls.add(candidate.number);
    }
  }
  return {
    basis,
    pulls: [...pulls.values()].sort((a, b) => Date.parse(a.merged_at!) - Date.parse(b.merged_at!)),
    directCommits: directCommits.reverse(),
    openPulls: [...openPulls],
  };
}

/** The pull request that brought `commit` (merged), else the open ones that contain it. */
async function pullsOfCommit(
  octokit: Pick<Octokit, "request">,
  target: { owner: string; repo: string; commit: string },
): Promise<{ commit: string; pull: PullRequestSimple | null; open: PullRequestSimple[] }> {
  const { owner, repo, commit } = target;
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", { owner, repo, commit_sha: commit, per_page: 100 });
  const merged = data.filter((pull) => pull.merged_at !== null);
  return { commit, pull: merged.find((pull) => pull.merge_commit_sha === commit) ?? merged[0] ?? null, open: data.filter((pull) => pull.state === "open") };
}

/** The newest deployment of `environment` that ever reached `success` (a later one marks it inactive). */
async function lastSuccessfulDeployment(
  octokit: Pick<Octokit, "request">,
  target: { owner: string; repo: string; sha: string; environment: string },
): Promise<{ id: number; sha: string } | null> {
  const { owner, repo, environment } = target;
  const { data: deployments } = await octokit.request("GET /repos/{owner}/{repo}/deployments", { owner, repo, environment, per_page: MAX_DEPLOYMENTS });
  for (const deployment of deployments) {
    const { data: statuses } = await octokit.request("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
      owner,
      repo,
      deployment_id: Number(deployment.id),
      per_page: 100,
    });
    if (statuses.some((status) => status.state === "success")) return { id: Number(deployment.id), sha: deployment.sha };
  }
  return null;
}

/** The commits `head` has that `base` has not, along head's first parents, newest first. */
async function firstParentLine(
  octokit: Pick<Octokit, "request">,
  range: { owner: string; repo: string; base: string; head: string },
): Promise<string[]> {
  const parents = new Map<string, string | null>();
  const perPage = 100;
  for (let page = 1; ; page++) {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/compare/{basehead}", {
      owner: range.owner,
      repo: range.repo,
      basehead: `${range.base}...${range.head}`,
      per_page: perPage,
      page,
    });
    if (data.status === "identical" || data.status === "behind") return [];
    if (data.total_commits > MAX_COMPARED) throw tooMany(data.total_commits, range.base);
    for (const commit of data.commits) parents.set(commit.sha, commit.parents[0]?.sha ?? null);
    if (data.commits.length < perPage || parents.size >= data.total_commits) break;
  }
  const line: string[] = [];
  for (let commit: string | null = range.head; commit !== null && parents.has(commit); commit = parents.get(commit) ?? null) {
    line.push(commit);
    if (line.length > MAX_COMMITS) throw tooMany(parents.size, range.base);
  }
  return line;
}

function tooMany(count: number, base: string): TooManyCommitsError {
  return new TooManyCommitsError(
    `${count} commits landed since the last successful deployment (${base.slice(0, 7)}): more than changegate weighs in one deployment (${MAX_COMMITS} on the branch's first-parent line, ${MAX_COMPARED} in all), and it does not weigh part of them. Deploy an earlier commit first.`,
  );
}

async function mapLimit<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]!);
    }
  });
  await Promise.all(workers);
  return results;
}
