import { createHash } from "node:crypto";
import type { Permission } from "../engine/approvals.js";
import type { Policy } from "../engine/policy.js";
import { attachCalendar, calendarNeeds, type AttachedResult, type Issue, type Release } from "../calendar/build.js";
import { MAX_ICS_BYTES } from "../calendar/limits.js";
import { listAll, statusOf, withAccess, type GitHubClient } from "./access.js";
import { permissionOf, teamMembers } from "./rest-reader.js";
import { readPolicyFile } from "./policy-file.js";

/**
 * A policy's calendar as GitHub holds it (SPEC §10), read once per policy read: its
 * iCalendar files from the same ref as the policy (the base branch), the repository's
 * releases when an entry follows releases, and its open issues with each label set a
 * `while_issues_open` entry names, with what decides who may declare such a freeze. The
 * client's conditional requests make a re-read of unchanged lists a 304.
 */
export async function attachCalendarFromGitHub(client: GitHubClient, target: { owner: string; repo: string; ref: string | null }, policy: Policy, now: number = Date.now()): Promise<AttachedResult & { read: string }> {
  const needs = calendarNeeds(policy);
  const { owner, repo } = target;
  const [files, releases, issues, teams] = await Promise.all([
    Promise.all(needs.files.map(async (path) => [path, await readCalendarFile(client, { ...target, path })] as const)),
    needs.releases ? readReleases(client, owner, repo, now - needs.releasesWithinMs) : Promise.resolve(null),
    needs.issueLabels.length > 0 ? readIssues(client, owner, repo, needs.issueLabels) : Promise.resolve(null),
    Promise.all(needs.teams.map(async (team) => [team, await teamMembers(client, owner, team)] as const)),
  ]);
  let permissions: Record<string, Permission> | null = null;
  if (needs.authorPermissions && issues !== null) {
    const authors = [...new Set(issues.flatMap((issue) => (issue.user ? [issue.user.login] : [])))];
    permissions = Object.fromEntries(await Promise.all(authors.map(async (login) => [login, await permissionOf(client, owner, repo, login)] as const)));
  }
  const inputs = {
    files: new Map(files),
    releases,
    issues: issues ?? (needs.issueLabels.length > 0 ? [] : null),
    teams: Object.fromEntries(teams),
    permissions: permissions ?? (needs.authorPermissions ? {} : null),
    repositoryUrl: `https://github.com/${owner}/${repo}`,
  };
  // What was read, so that a caller keeping nothing between runs (the Action's re-check) can tell an incident opened since.
  const read = createHash("sha256")
    .update(JSON.stringify([files, releases, issues?.map((issue) => [issue.number, issue.state, issue.labels, issue.user?.login ?? null, issue.title]) ?? null, inputs.teams, inputs.permissions]))
    .digest("base64url")
    .slice(0, 16);
  return { ...(await attachCalendar(policy, inputs)), read };
}

/** A file at the policy's ref, as text; null when it is not there; refused past the size cap. */
async function readCalendarFile(client: GitHubClient, location: { owner: string; repo: string; ref: string | null; path: string }): Promise<string | null> {
  const file = await readPolicyFile(client, location, false);
  if (file === null) return null;
  // The contents API returns files up to 1 MB inline; a larger one is refused by the parser's cap.
  return Buffer.byteLength(file.text) > MAX_ICS_BYTES ? file.text.slice(0, MAX_ICS_BYTES + 1) : file.text;
}

/**
 * Pages of releases, or of one label set's open issues, read at the most (100 a page): each
 * page is a conditional request, so a re-read of an unchanged list costs 304s that GitHub
 * does not count against the rate limit.
 */
export const MAX_CALENDAR_PAGES = 10;

/**
 * The releases that can freeze now or later: newest first, page by page, until a page holds
 * only releases created before `since` (GitHub lists them by creation, newest first, and
 * none published before `since` freezes anything any more), at most MAX_CALENDAR_PAGES.
 */
async function readReleases(client: GitHubClient, owner: string, repo: string, since: number): Promise<Release[]> {
  const data = await withAccess("read the releases", "contents: read", () =>
    listAll((page) => client.request("GET /repos/{owner}/{repo}/releases", { owner, repo, per_page: 100, page }), Infinity, {
      maxPages: MAX_CALENDAR_PAGES,
      stopAfter: (releases) => releases.every((release) => Date.parse(release.created_at) < since),
    }),
  );
  return data.map((release) => ({
    tag_name: release.tag_name,
    name: release.name,
    published_at: release.published_at,
    created_at: release.created_at,
    draft: release.draft,
    prerelease: release.prerelease,
    html_url: release.html_url,
  }));
}

/** Open issues carrying each label set (one request a set; GitHub ANDs the labels of one request). */
async function readIssues(client: GitHubClient, owner: string, repo: string, labelSets: readonly string[][]): Promise<Issue[]> {
  const unique = [...new Map(labelSets.map((labels) => [[...labels].sort().join(","), labels])).values()];
  const lists = await Promise.all(
    unique.map(async (labels) => {
      try {
        const data = await withAccess("read the open issues", "issues: read", () =>
          listAll((page) => client.request("GET /repos/{owner}/{repo}/issues", { owner, repo, state: "open", labels: labels.join(","), per_page: 100, page }), Infinity, {
            maxPages: MAX_CALENDAR_PAGES + 1,
          }),
        );
        // Past the cap, an open issue that freezes may be among those not read: fail closed.
        if (data.length > MAX_CALENDAR_PAGES * 100) throw new Error(`more than ${MAX_CALENDAR_PAGES * 100} open issues carry the labels ${labels.join(", ")}; changegate reads at most that many`);
        return data;
      } catch (error) {
        // Issues switched off for the repository: nobody can declare such a freeze.
        if (statusOf(error) === 410) return [];
        throw error;
      }
    }),
  );
  const byNumber = new Map<number, Issue>();
  for (const issue of lists.flat()) {
    byNumber.set(issue.number, {
      number: issue.number,
      title: issue.title,
      state: issue.state,
      labels: issue.labels.map((label) => (typeof label === "string" ? label : { name: label.name ?? null })),
      user: issue.user ? { login: issue.user.login } : null,
      created_at: issue.created_at,
      html_url: issue.html_url,
      ...(issue.pull_request === undefined ? {} : { pull_request: issue.pull_request }),
    });
  }
  return [...byNumber.values()];
}
