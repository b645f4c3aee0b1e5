import type { GitHubClient } from "../github/access.js";
import type { TrailSource } from "./chain.js";
import { recordPath, type ChainHead } from "./layout.js";

/**
 * The hashes changegate posted on merged pull requests, held against the trail. A chain can
 * be cut at its newest records, and `head.json` rewritten to match, by whoever may push to
 * the branch: the PRs' comments, outside the branch, still name those records.
 */
export interface PostedHash {
  pull: string;
  seq: number;
  hash: string;
  /** The trail the comment names ("owner/repo@branch"). */
  trail: string;
}

export const AUDIT_COMMENT_MARKER = "<!-- changegate:audit -->";

const POSTED = /recorded this merge in the audit trail as \[record (\d+)\]\([^)]*\) on `([^`]+)`[\s\S]*?Record hash: `([0-9a-f]{64})`/;

/** The record a changegate audit comment names; null for any other comment. */
export function postedHashOf(body: string, pull: string): PostedHash | null {
  if (!body.includes(AUDIT_COMMENT_MARKER)) return null;
  const match = POSTED.exec(body);
  return match === null ? null : { pull, seq: Number(match[1]), trail: match[2]!, hash: match[3]! };
}

/**
 * Holds the posted hashes that name this trail ("owner/repo@branch", any case) against it:
 * how many were checked, and the first the trail does not hold as posted, in words.
 */
export function checkPostedHashes(trail: TrailSource, head: ChainHead | null, posted: readonly PostedHash[], trailName: string): { checked: number; problem: string | null } {
  const mine = posted.filter((entry) => entry.trail.toLowerCase() === trailName.toLowerCase()).sort((a, b) => b.seq - a.seq);
  for (const entry of mine) {
    if (head === null || entry.seq > head.seq) {
      return { checked: mine.length, problem: `record ${entry.seq} is missing: ${entry.pull}'s comment names it (hash ${entry.hash.slice(0, 12)}…) but the trail ends at ${head?.seq ?? 0} (newest records removed?)` };
    }
    const stored = /"hash":"([0-9a-f]{64})"/.exec(trail.read(recordPath(entry.seq)).toString("latin1"))?.[1];
    if (stored !== entry.hash) {
      return { checked: mine.length, problem: `record ${entry.seq} is not the one ${entry.pull}'s comment names: the comment says ${entry.hash.slice(0, 12)}…, the trail holds ${stored?.slice(0, 12) ?? "no hash"}… (records replaced?)` };
    }
  }
  return { checked: mine.length, problem: null };
}

/**
 * The audit comments on a repository's recently merged pull requests: one request for the
 * newest closed PRs (one page: `limit` up to 100), one per merged PR for its comments.
 */
export async function readPostedHashes(client: GitHubClient, owner: string, repo: string, limit: number): Promise<PostedHash[]> {
  const { data: pulls } = await client.request("GET /repos/{owner}/{repo}/pulls", { owner, repo, state: "closed", sort: "updated", direction: "desc", per_page: Math.min(100, limit) });
  const posted: PostedHash[] = [];
  for (const pull of pulls) {
    if (pull.merged_at === null) continue;
    const { data: comments } = await client.request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner, repo, issue_number: pull.number, per_page: 100 });
    for (const comment of comments) {
      const found = postedHashOf(comment.body ?? "", `${owner}/${repo}#${pull.number}`);
      if (found !== null) posted.push(found);
    }
  }
  return posted;
}
