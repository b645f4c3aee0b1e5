import type { EvaluatedDecision } from "../engine/evaluate.js";
import type { GitHubClient } from "../github/access.js";
import { statusOf } from "../github/access.js";
import type { ChangedFiles } from "../engine/paths.js";
import { touchedPaths } from "../engine/paths.js";
import { POLICY_PATH, type Policy } from "../engine/policy.js";
import { createOnce, NO_RETRY, type CreateOnceOptions } from "../github/create-once.js";
import { charCount, cutChars, GITHUB_LIMITS } from "../report/bounded-text.js";
import { AUDIT_COMMENT_MARKER } from "./posted-hashes.js";
import { appendRecord, type Appended, type AppendOptions, type TrailLocation } from "./github-trail.js";
import { buildAuditRecord, type UnsealedRecord } from "./record.js";

/** A merged pull request as a door (the App's webhook, the Action's event) hands it over. */
export interface MergedPull {
  number: number;
  title: string;
  body?: string | null;
  html_url?: string;
  user: { login: string } | null;
  labels?: readonly { name?: string }[];
  created_at?: string;
  draft?: boolean;
  base: { ref: string; sha?: string };
  head: { sha: string };
  merged_at?: string | null;
  merged_by?: { login: string } | null;
  merge_commit_sha?: string | null;
}

export interface MergedChange {
  owner: string;
  repo: string;
  pull: MergedPull;
  policy: Policy;
  /** The decision at the merge instant. */
  decision: EvaluatedDecision | null;
  /** The files the decision was made on. */
  files: ChangedFiles | null;
  policySha: string | null;
}

export interface RecordMergeOptions extends AppendOptions {
  /** How a create whose answer was lost is looked for before it is sent again. */
  creates?: CreateOnceOptions;
  recordedBy: "app" | "action";
  /** The instant, epoch milliseconds (the doors pass their clock). */
  now: number;
}

export interface RecordedMerge extends Appended {
  trail: TrailLocation;
  retrospectiveIssue: number | null;
  /** Whether this call posted the PR's audit comment (false: it was there already). */
  commented: boolean;
}

const RETROSPECTIVE_LABEL = "changegate:retrospective";

/** The trail a repository's policy names: `audit.repository` ("" = this one) on `audit.branch`. */
export function trailOf(change: Pick<MergedChange, "owner" | "repo" | "policy">): TrailLocation {
  const central = change.policy.audit.repository.trim();
  const [owner, repo] = central === "" ? [change.owner, change.repo] : central.split("/");
  if (owner === undefined || repo === undefined || owner === "" || repo === "") throw new Error(`audit.repository must be "owner/name"; got "${central}"`);
  return { owner, repo, branch: change.policy.audit.branch };
}

/**
 * Records a merged pull request once, however often its merge is reported: the record (and
 * for an emergency under `emergency.retrospective`, its retrospective issue, opened first
 * so the record names it), then a comment on the PR with the record's hash and link, so
 * that the PR points at its entry and dropping the newest records from the trail shows.
 */
export async function recordMerge(client: GitHubClient, change: MergedChange, options: RecordMergeOptions): Promise<RecordedMerge> {
  const { decision, pull } = change;
  if (decision === null) throw new Error(`cannot record ${change.owner}/${change.repo}#${pull.number}: its decision at the merge could not be made`);
  const repository = `${change.owner}/${change.repo}`;
  const trail = trailOf(change);
  let retrospectiveIssue: number | null = null;

  const build = async (): Promise<UnsealedRecord> => {
    const [readyAt, firstCommitAt] = await Promise.all([readyForReviewAt(client, change), firstCommitDate(client, change)]);
    if (decision.change?.type === "emergency" && change.policy.emergency.retrospective) retrospectiveIssue = await openRetrospective(client, change, options.creates);
    return buildAuditRecord(
      decision,
      {
        repository,
        number: pull.number,
        title: pull.title,
        url: pull.html_url ?? "",
        author: pull.user?.login ?? "",
        body: pull.body ?? "",
        labels: (pull.labels ?? []).map((label) => label.name ?? "").filter((name) => name !== ""),
        openedAt: pull.created_at ?? null,
        readyAt,
        firstCommitAt,
        baseRef: pull.base.ref,
        baseSha: pull.base.sha ?? null,
        headSha: pull.head.sha,
        mergedAt: pull.merged_at ?? new Date(options.now).toISOString(),
        mergedBy: pull.merged_by?.login ?? null,
        mergeCommitSha: pull.merge_commit_sha ?? null,
        paths: change.files === null ? [] : touchedPaths(change.files),
        pathsComplete: change.files?.complete ?? false,
        policyPath: POLICY_PATH,
        policySha: change.policySha,
        recordedAt: new Date(options.now).toISOString(),
        recordedBy: options.recordedBy,
        retrospectiveIssue,
      },
      change.policy.timezone,
    );
  };

  const appended = await appendRecord(client, trail, { repository, number: pull.number }, build, options);
  const commented = await commentOnce(client, change, trail, appended, options.creates);
  return { ...appended, trail, retrospectiveIssue, commented };
}

/**
 * The retrospective issue of an emergency merge, opened once: an issue carrying the PR's
 * marker is looked for first (a redelivery, or a record that failed after the issue).
 */
export async function openRetrospective(client: GitHubClient, change: MergedChange, options: CreateOnceOptions = {}): Promise<number> {
  const { owner, repo, pull } = change;
  const marker = `<!-- changegate:retrospective #${pull.number} -->`;
  const find = async (): Promise<number | null> => {
    const { data: existing } = await client.request("GET /repos/{owner}/{repo}/issues", { owner, repo, labels: RETROSPECTIVE_LABEL, state: "all", per_page: 100 });
    return existing.find((issue) => issue.body?.includes(marker) === true)?.number ?? null;
  };
  const found = await find();
  if (found !== null) return found;
  const request = change.decision?.change?.request;
  const incident = request?.incident ?? "";
  const approver = incidentCommander(change.decision);
  const body = cutChars([
    marker,
    `Emergency change #${pull.number} (${pull.title}) was merged${pull.merged_by ? ` by @${pull.merged_by.login}` : ""}${pull.merged_at ? ` at ${pull.merged_at}` : ""}.`,
    "",
    `- Incident: ${incident === "" ? "(not given)" : incident}`,
    `- Services: ${change.decision?.change?.services.join(", ") || "(none named)"}`,
    `- Incident commander's approval: ${approver === null ? "none recorded" : `@${approver}`}`,
    "",
    "Hold the retrospective: what happened, why the normal path could not be taken, and what follows (a normal change to make the fix permanent, a runbook, a test).",
  ].join("\n"), GITHUB_LIMITS.issueBody);
  const create = async () => {
    const { data: issue } = await client.request("POST /repos/{owner}/{repo}/issues", {
      owner,
      repo,
      title: retrospectiveTitle(pull),
      body,
      labels: [RETROSPECTIVE_LABEL],
      ...(pull.user?.login ? { assignees: [pull.user.login] } : {}),
      ...NO_RETRY,
    });
    return issue.number;
  };
  return createOnce(create, find, options);
}

/** `Retrospective: <PR title> (#N)`, the PR's title cut so that the whole fits GitHub's 256 characters. */
export function retrospectiveTitle(pull: Pick<MergedPull, "title" | "number">): string {
  const prefix = "Retrospective: ";
  const suffix = ` (#${pull.number})`;
  return `${prefix}${cutChars(pull.title, GITHUB_LIMITS.issueTitle - charCount(prefix) - charCount(suffix))}${suffix}`;
}

async function commentOnce(client: GitHubClient, change: MergedChange, trail: TrailLocation, appended: Appended, options: CreateOnceOptions = {}): Promise<boolean> {
  const where = { owner: change.owner, repo: change.repo, issue_number: change.pull.number };
  const hasComment = async (): Promise<boolean> => {
    const { data: comments } = await client.request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", { ...where, per_page: 100 });
    return comments.some((comment) => comment.body?.includes(AUDIT_COMMENT_MARKER) === true);
  };
  if (appended.status === "already-recorded" && (await hasComment())) return false;
  const origin = change.pull.html_url ? new URL(change.pull.html_url).origin : "https://github.com";
  const link = `${origin}/${trail.owner}/${trail.repo}/blob/${appended.commit}/${appended.path}`;
  const body = [
    AUDIT_COMMENT_MARKER,
    `**changegate** recorded this merge in the audit trail as [record ${appended.seq}](${link}) on \`${trail.owner}/${trail.repo}@${trail.branch}\`.`,
    "",
    `Record hash: \`${appended.hash}\``,
    "",
    "`changegate audit verify` checks the trail; this hash lets anyone check that the record is still there, unchanged.",
  ].join("\n");
  const post = () => client.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { ...where, body, ...NO_RETRY }).then(() => true);
  // A comment found after a lost answer is the one this call posted.
  await createOnce(post, async () => ((await hasComment()) ? true : null), options);
  return true;
}

/** When the PR was last marked ready for review; its opening when it never was a draft. */
async function readyForReviewAt(client: GitHubClient, change: MergedChange): Promise<string | null> {
  const { owner, repo, pull } = change;
  try {
    const { data: events } = await client.request("GET /repos/{owner}/{repo}/issues/{issue_number}/events", { owner, repo, issue_number: pull.number, per_page: 100 });
    const ready = events.filter((event) => event.event === "ready_for_review").at(-1);
    return ready?.created_at ?? pull.created_at ?? null;
  } catch (error) {
    if (statusOf(error) === 404) return pull.created_at ?? null;
    throw error;
  }
}

/** The author date of the PR's first commit (GitHub lists them oldest first). */
async function firstCommitDate(client: GitHubClient, change: MergedChange): Promise<string | null> {
  const { owner, repo, pull } = change;
  const { data: commits } = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/commits", { owner, repo, pull_number: pull.number, per_page: 1 });
  return commits[0]?.commit.author?.date ?? null;
}

/** Who approved as incident commander: the freeze's emergency path, else an approver from the emergency teams. */
function incidentCommander(decision: EvaluatedDecision | null): string | null {
  const bypass = decision?.schedule?.bypasses.find((entry) => entry.kind === "emergency");
  if (bypass !== undefined) return bypass.approver;
  const approvals = decision?.approvals;
  const teams = approvals?.requirement.anyOf ?? [];
  return approvals?.counted.find((approval) => approval.teams.some((team) => teams.includes(team)))?.login ?? null;
}
