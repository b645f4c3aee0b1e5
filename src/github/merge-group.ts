import { CHECK_NAMES, fitBytes, MAX_OUTPUT_BYTES, type CheckName, type Conclusion, type RenderedCheck } from "../report/checks.js";
import { cutChars } from "../report/bounded-text.js";
import { annotationKey } from "./check-runs.js";
import { withAccess, type GitHubClient } from "./access.js";

/**
 * Merge queues: GitHub asks for the required checks on a merge group's head commit, which
 * holds the queued pull request and every one ahead of it. The group passes a check when
 * each of its pull requests passes it.
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

export interface GroupMember {
  number: number;
  title: string;
  checks: readonly RenderedCheck[];
}

/** The group's three checks from its pull requests' checks: the worst conclusion of each, saying which pull request decided it. */
export function combineGroupChecks(members: readonly GroupMember[]): [RenderedCheck, RenderedCheck, RenderedCheck] {
  const names: CheckName[] = [CHECK_NAMES.risk, CHECK_NAMES.schedule, CHECK_NAMES.approvals];
  return names.map((name) => combineOne(name, members)) as [RenderedCheck, RenderedCheck, RenderedCheck];
}

const RANK: Record<Conclusion, number> = { failure: 2, neutral: 1, success: 0 };

function combineOne(name: CheckName, members: readonly GroupMember[]): RenderedCheck {
  if (members.length === 0) {
    return {
      name,
      conclusion: "failure",
      title: "No pull request found in this merge group",
      summary: "changegate could not tell which pull requests this merge group holds, so it fails closed.",
      annotations: [],
      enforcedConclusion: "failure",
    };
  }
  const rows = members.map((member) => ({ member, check: member.checks.find((check) => check.name === name)! }));
  const worst = rows.reduce((a, b) => (RANK[b.check.conclusion] > RANK[a.check.conclusion] ? b : a));
  const enforced = rows.reduce((a, b) => (RANK[b.check.enforcedConclusion] > RANK[a.check.enforcedConclusion] ? b : a)).check.enforcedConclusion;
  const deciding = rows.filter((row) => row.check.conclusion === worst.check.conclusion);
  const title =
    members.length === 1
      ? worst.check.title
      : `#${worst.member.number}: ${worst.check.title}${deciding.length > 1 ? ` (and ${deciding.length - 1} more)` : ""}`;
  const summary = [
    `Merge group of ${members.length} pull request${members.length === 1 ? "" : "s"}: it passes when each passes.`,
    "",
    "| Pull request | Conclusion | |",
    "|---|---|---|",
    ...rows.map((row) => `| #${row.member.number} ${row.member.title.replace(/[|\n]/g, " ")} | ${row.check.conclusion} | ${row.check.title.replace(/[|\n]/g, " ")} |`),
    "",
    `#### #${worst.member.number}`,
    "",
    worst.check.summary,
  ].join("\n");
  const seen = new Set<string>();
  const annotations = rows
    .flatMap((row) => row.check.annotations)
    .filter((annotation) => {
      const key = annotationKey(annotation);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return { name, conclusion: worst.check.conclusion, title: cutChars(title, 200), summary: fitBytes(summary, MAX_OUTPUT_BYTES), annotations, enforcedConclusion: enforced };
}
