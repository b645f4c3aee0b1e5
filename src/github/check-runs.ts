import type { RenderedCheck } from "../render.js";
import { statusOf, withAccess, type GitHubClient } from "./access.js";

/**
 * Publishes the three rendered checks on a commit, idempotently: a check run of the same
 * name that already says the same is left alone, one that says something else is updated
 * in place, and only a missing one is created. Annotations go 50 a request (GitHub's cap).
 * The decision's next change rides in `external_id`, so a scheduled re-evaluation can tell
 * from the check runs alone whether a pull request's decision may have changed.
 */
const EXTERNAL_PREFIX = "changegate:next=";
const ANNOTATIONS_PER_REQUEST = 50;

export interface PublishedCheck {
  name: string;
  id: number;
  action: "created" | "updated" | "unchanged";
}

export interface CheckTarget {
  owner: string;
  repo: string;
  headSha: string;
}

export async function publishChecks(
  client: GitHubClient,
  target: CheckTarget,
  checks: readonly RenderedCheck[],
  nextChange: number | null,
  detailsUrl: string | null = null,
): Promise<PublishedCheck[]> {
  const { owner, repo, headSha } = target;
  const existing = await changegateCheckRuns(client, target);
  const externalId = `${EXTERNAL_PREFIX}${nextChange === null ? "none" : new Date(nextChange).toISOString()}`;
  const published: PublishedCheck[] = [];
  for (const check of checks) {
    const current = existing.find((run) => run.name === check.name);
    if (
      current !== undefined &&
      current.status === "completed" &&
      current.conclusion === check.conclusion &&
      current.output.title === check.title &&
      current.output.summary === check.summary &&
      current.external_id === externalId &&
      current.output.annotations_count === check.annotations.length
    ) {
      published.push({ name: check.name, id: current.id, action: "unchanged" });
      continue;
    }
    const body = {
      owner,
      repo,
      status: "completed" as const,
      conclusion: check.conclusion,
      completed_at: new Date().toISOString(),
      external_id: externalId,
      ...(detailsUrl === null ? {} : { details_url: detailsUrl }),
      output: { title: check.title, summary: check.summary, annotations: check.annotations.slice(0, ANNOTATIONS_PER_REQUEST) },
    };
    let id: number;
    let action: PublishedCheck["action"];
    const update = current === undefined ? null : await updateRun(client, current.id, body);
    if (update !== null) {
      id = update;
      action = "updated";
    } else {
      const { data } = await withAccess(`create the check run ${check.name}`, "checks: write", () =>
        client.request("POST /repos/{owner}/{repo}/check-runs", { ...body, name: check.name, head_sha: headSha }),
      );
      id = Number(data.id);
      action = "created";
    }
    for (let start = ANNOTATIONS_PER_REQUEST; start < check.annotations.length; start += ANNOTATIONS_PER_REQUEST) {
      await withAccess(`annotate the check run ${check.name}`, "checks: write", () =>
        client.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
          owner,
          repo,
          check_run_id: id,
          output: { title: check.title, summary: check.summary, annotations: check.annotations.slice(start, start + ANNOTATIONS_PER_REQUEST) },
        }),
      );
    }
    published.push({ name: check.name, id, action });
  }
  return published;
}

/** Updates a run in place; null when it belongs to another app (create one of our own instead). */
async function updateRun(client: GitHubClient, id: number, body: Record<string, unknown> & { owner: string; repo: string }): Promise<number | null> {
  try {
    const { data } = await client.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...body, check_run_id: id } as never);
    return (data as { id: number }).id;
  } catch (error) {
    if (statusOf(error) === 403 || statusOf(error) === 404) return null;
    throw error;
  }
}

export interface ChangegateCheckRun {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  completed_at: string | null;
  external_id: string | null;
  output: { title: string | null; summary: string | null; annotations_count: number };
}

/** The latest changegate/* check runs on a commit (one request). */
export async function changegateCheckRuns(client: GitHubClient, target: CheckTarget): Promise<ChangegateCheckRun[]> {
  const { data } = await withAccess(`read the check runs of ${target.headSha.slice(0, 7)}`, "checks: read", () =>
    client.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", { owner: target.owner, repo: target.repo, ref: target.headSha, filter: "latest", per_page: 100 }),
  );
  return data.check_runs.filter((run) => run.name.startsWith("changegate/")) as ChangegateCheckRun[];
}

/** The next change a published check run recorded: an instant, "none", or undefined when it recorded none. */
export function recordedNextChange(run: Pick<ChangegateCheckRun, "external_id">): number | "none" | undefined {
  const id = run.external_id ?? "";
  if (!id.startsWith(EXTERNAL_PREFIX)) return undefined;
  const value = id.slice(EXTERNAL_PREFIX.length);
  if (value === "none") return "none";
  const instant = Date.parse(value);
  return Number.isNaN(instant) ? undefined : instant;
}
