import { createHash } from "node:crypto";
import type { CheckAnnotation, RenderedCheck } from "../report/checks.js";
import { isRateLimit, statusOf, withAccess, type GitHubClient } from "./access.js";

/**
 * Publishes the three rendered checks on a commit, idempotently: a check run of the same
 * name that already says the same is left alone, one that says something else is updated
 * in place, and only a missing one is created, so a commit never carries two check runs of
 * one name. Annotations go 50 a request (GitHub's cap); since GitHub appends the
 * annotations of an update to those a run already has, only the ones it does not have yet
 * are sent. The decision's next change rides in `external_id`, so a scheduled
 * re-evaluation can tell from the check runs alone whether a pull request's decision may
 * have changed, and with it (the App) the inputs the decision was made on, so that a
 * current run can be told from a stale one, each run on its own; for the Action also what
 * all three runs say (`recordContents`) and the evaluation instant, so that its scheduled
 * re-check can tell that the runs it left alone were decided by the same evaluation. For
 * the App and the Action a run's identity is what a person sees (conclusion, title, summary,
 * annotations): a decision whose next change moved but whose text did not writes nothing.
 *
 * A run that turns from passing to blocking (a revocation) is written before the others, and
 * each write can be wrapped by the caller (`aroundWrite`: the App queues a revocation first).
 *
 * A create (POST) is never retried blindly: when it fails in a way that may have created
 * the run after all (a 5xx, a dropped connection), the runs are listed again first.
 */
const EXTERNAL_PREFIX = "changegate:next=";
/** After the next change, the kind of a decision that was not an evaluation ("unavailable", "policy-invalid"). */
const KIND_SEPARATOR = ";decision=";
export const ANNOTATIONS_PER_REQUEST = 50;

export interface PublishedCheck {
  name: string;
  id: number;
  action: "created" | "updated" | "unchanged";
  /** What the run now says, for a caller that keeps it (see KnownCheck). */
  known: KnownCheck;
  /** What a write of this run records in its `external_id` (a run left alone keeps the one it had). */
  externalId: string;
}

/**
 * What a caller knows a run says, without asking GitHub: trusted only by a caller that is
 * the one writer of these runs (the App with one replica, within one process's life).
 */
export interface KnownCheck {
  id: number;
  fingerprint: string;
  /** Keys of the annotations the run has (see annotationKey). */
  annotations: string[];
  /** The run's conclusion (absent in what an older process kept: not known). */
  conclusion?: string | null;
}

/** One run about to be written: what it concluded before (undefined: no run yet; null: not known) and what it will. */
export interface CheckChange {
  name: string;
  from: string | null | undefined;
  to: string;
}

/** Conclusions a required check passes with (GitHub: success, neutral, skipped). */
const PASSING = new Set(["success", "neutral", "skipped"]);

/** Whether writing `change` gives a pass: a run that blocks, is not known, or is missing turns passing. */
export function grants(change: CheckChange): boolean {
  return PASSING.has(change.to) && !(change.from !== undefined && change.from !== null && PASSING.has(change.from));
}

/** Whether writing `change` takes a pass away: a run that passes (or may: not known) turns blocking. */
export function revokes(change: CheckChange): boolean {
  return change.from !== undefined && (change.from === null || PASSING.has(change.from)) && !PASSING.has(change.to);
}

export interface CheckTarget {
  owner: string;
  repo: string;
  headSha: string;
}

export interface CheckRunAction {
  label: string;
  description: string;
  identifier: string;
}

export interface PublishOptions {
  /** Only this app's runs are ours (the list filters on it). */
  appId?: number | null;
  /** name -> what the run says, when the caller knows (no list request then). */
  known?: ReadonlyMap<string, KnownCheck> | null;
  /** The kind of decision the checks render: a failed evaluation is recorded as one (recordedDecisionKind). */
  decision?: "evaluated" | "policy-invalid" | "unavailable";
  /** Buttons on the run (a "Re-evaluate" that sends check_run.requested_action). */
  actions?: readonly CheckRunAction[];
  /** Attempts at creating one run when GitHub's answer leaves it unknown whether it was created. */
  createAttempts?: number;
  /** Wait between those attempts. */
  createRetryDelayMs?: number;
  now?: () => number;
  /** What the decision was made on, recorded in `external_id` (see recordedInputs). */
  inputs?: DecisionInputs | null;
  /**
   * Whether a changed `external_id` alone is a change worth a write (default true: the
   * Action, which has no scheduler, reads each run's next change back). The App passes
   * false: it keeps the next change itself, and a run is rewritten only for what it shows.
   */
  externalIdIsContent?: boolean;
  /**
   * Record in each run written a digest of every check's content (recordedContents): a
   * caller that keeps nothing between runs (the Action's scheduled re-check) tells from it
   * that the runs on a commit were all decided by the evaluation whose record it is, the
   * ones it left alone included.
   */
  recordContents?: boolean;
  /** Wraps each run's writes (the App: at the urgency of a revocation when it is one). */
  aroundWrite?: <T>(change: CheckChange, write: () => Promise<T>) => Promise<T>;
}

/** The inputs a decision was made on, as a run records them (its head is the run's own). */
export interface DecisionInputs {
  /** The pull request's own fields (pullContentKey), shortened. */
  pull: string;
  /** The reviews' ids and states (a dismissal keeps the id), hashed and shortened. */
  reviews: string;
  /** The policy files' blobs, hashed and shortened; "none" when no policy applied. */
  policy: string;
  /** The evaluation instant, when recorded: every read of the inputs came after it (the Action's re-check compares `updated_at` with it). */
  at?: number;
}

export async function publishChecks(
  client: GitHubClient,
  target: CheckTarget,
  checks: readonly RenderedCheck[],
  nextChange: number | null,
  detailsUrl: string | null = null,
  options: PublishOptions = {},
): Promise<PublishedCheck[]> {
  const { owner, repo } = target;
  const appId = options.appId ?? null;
  const now = options.now ?? Date.now;
  const kind = options.decision === undefined || options.decision === "evaluated" ? "" : `${KIND_SEPARATOR}${options.decision}`;
  const inputs = options.inputs;
  const record =
    inputs == null
      ? ""
      : `;pr=${inputs.pull};rv=${inputs.reviews};po=${inputs.policy}${options.recordContents === true ? `;all=${contentsDigest(checks)}` : ""}${inputs.at === undefined ? "" : `;at=${new Date(inputs.at).toISOString()}`}`;
  const externalId = `${EXTERNAL_PREFIX}${nextChange === null ? "none" : new Date(nextChange).toISOString()}${record}${kind}`;
  const identity = options.externalIdIsContent === false ? "" : externalId;
  let listed: ChangegateCheckRun[] | null = null;
  const list = async () => (listed ??= await changegateCheckRuns(client, target, { appId }));
  const current = async (name: string): Promise<CurrentRun | undefined> => {
    const known = options.known?.get(name);
    if (options.known != null) return known === undefined ? undefined : { id: known.id, fingerprint: known.fingerprint, annotations: new Set(known.annotations), annotationsCount: known.annotations.length, conclusion: known.conclusion ?? null };
    const run = (await list()).find((candidate) => candidate.name === name);
    return run === undefined ? undefined : fromListed(run, options.externalIdIsContent !== false);
  };

  // What each run concluded before: revocations are written first.
  const before = new Map<string, CurrentRun | undefined>();
  for (const check of checks) before.set(check.name, await current(check.name));
  const change = (check: RenderedCheck): CheckChange => {
    const run = before.get(check.name);
    return { name: check.name, from: run === undefined ? undefined : run.conclusion, to: check.conclusion };
  };
  const ordered = [...checks.filter((check) => revokes(change(check))), ...checks.filter((check) => !revokes(change(check)))];
  const around = options.aroundWrite ?? (<T>(_change: CheckChange, write: () => Promise<T>) => write());

  const published: PublishedCheck[] = [];
  for (const check of ordered) {
    const fingerprint = fingerprintOf(check.conclusion, check.title, check.summary, identity);
    const wanted = check.annotations.map((annotation) => ({ annotation, key: annotationKey(annotation) }));
    let run = before.get(check.name);
    let missing = wanted;
    if (run !== undefined && wanted.length > 0 && run.annotationsCount > 0) {
      run.annotations ??= new Set(await annotationKeys(client, target, run.id));
      missing = wanted.filter((entry) => !run!.annotations!.has(entry.key));
    }
    if (run !== undefined && run.fingerprint === fingerprint && missing.length === 0) {
      published.push({ name: check.name, id: run.id, action: "unchanged", known: knownOf(run.id, fingerprint, run.annotations, wanted, check.conclusion), externalId });
      continue;
    }
    const body = {
      owner,
      repo,
      status: "completed" as const,
      conclusion: check.conclusion,
      completed_at: new Date(now()).toISOString(),
      external_id: externalId,
      ...(detailsUrl === null ? {} : { details_url: detailsUrl }),
      ...(options.actions === undefined || options.actions.length === 0 ? {} : { actions: options.actions.map((action) => ({ ...action })) }),
    };
    const firstBatch = missing.slice(0, ANNOTATIONS_PER_REQUEST).map((entry) => entry.annotation);
    const output = { title: check.title, summary: check.summary, ...(firstBatch.length > 0 ? { annotations: firstBatch } : {}) };
    const written = await around(change(check), async () => {
      let action: PublishedCheck["action"] = "updated";
      let id: number | null = null;
      let reused = false;
      if (run !== undefined) id = await updateRun(client, run.id, { ...body, output });
      if (id === null) {
        const created = await createRun(client, target, check.name, { ...body, output }, options, () => {
          listed = null;
        });
        id = created.id;
        action = created.reused ? "updated" : "created";
        reused = created.reused;
      }
      for (let start = ANNOTATIONS_PER_REQUEST; start < missing.length; start += ANNOTATIONS_PER_REQUEST) {
        const batch = missing.slice(start, start + ANNOTATIONS_PER_REQUEST).map((entry) => entry.annotation);
        await withAccess(`annotate the check run ${check.name}`, "checks: write", () =>
          client.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { owner, repo, check_run_id: id!, output: { title: check.title, summary: check.summary, annotations: batch } }),
        );
      }
      return { id, action, reused };
    });
    if (written.reused) run = undefined;
    published.push({ name: check.name, id: written.id, action: written.action, known: knownOf(written.id, fingerprint, run?.annotations ?? null, wanted, check.conclusion), externalId });
  }
  // In the order the checks were given.
  return checks.map((check) => published.find((entry) => entry.name === check.name)!);
}

interface CurrentRun {
  id: number;
  fingerprint: string | null;
  /** Null until read (only when it matters). */
  annotations: Set<string> | null;
  annotationsCount: number;
  /** Null: not known (a run still in progress, or kept by an older process). */
  conclusion: string | null;
}

function fromListed(run: ChangegateCheckRun, externalIdIsContent: boolean): CurrentRun {
  return {
    id: run.id,
    fingerprint:
      run.status === "completed" && run.conclusion !== null && run.output.title !== null && run.output.summary !== null
        ? fingerprintOf(run.conclusion, run.output.title, run.output.summary, externalIdIsContent ? (run.external_id ?? "") : "")
        : null,
    annotations: run.output.annotations_count === 0 ? new Set() : null,
    annotationsCount: run.output.annotations_count,
    conclusion: run.status === "completed" ? run.conclusion : null,
  };
}

function knownOf(id: number, fingerprint: string, had: Set<string> | null, wanted: readonly { key: string }[], conclusion: string): KnownCheck {
  return { id, fingerprint, annotations: [...new Set([...(had ?? []), ...wanted.map((entry) => entry.key)])], conclusion };
}

/** What a set of checks says (each one's name, conclusion, title and summary), hashed and shortened: the same for rendered checks and for the runs that show them. */
export function contentsDigest(checks: readonly { name: string; conclusion: string | null; title: string | null; summary: string | null }[]): string {
  const contents = [...checks].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((check) => [check.name, check.conclusion, check.title, check.summary]);
  return createHash("sha256").update(JSON.stringify(contents)).digest("base64url").slice(0, 16);
}

export function fingerprintOf(conclusion: string, title: string, summary: string, externalId: string): string {
  return createHash("sha256").update(JSON.stringify([conclusion, title, summary, externalId])).digest("base64url");
}

/** An annotation's identity: where it points and what it says. */
export function annotationKey(annotation: Pick<CheckAnnotation, "path" | "start_line" | "end_line" | "annotation_level" | "title" | "message">): string {
  return JSON.stringify([annotation.path, annotation.start_line, annotation.end_line, annotation.annotation_level, annotation.title ?? "", annotation.message]);
}

async function annotationKeys(client: GitHubClient, target: CheckTarget, id: number): Promise<string[]> {
  const keys: string[] = [];
  for (let page = 1; page <= 20; page++) {
    const { data } = await withAccess(`read the annotations of check run ${id}`, "checks: read", () =>
      client.request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations", { owner: target.owner, repo: target.repo, check_run_id: id, per_page: 100, page }),
    );
    for (const annotation of data) {
      keys.push(
        annotationKey({
          path: annotation.path,
          start_line: annotation.start_line,
          end_line: annotation.end_line,
          annotation_level: (annotation.annotation_level ?? "failure") as CheckAnnotation["annotation_level"],
          title: annotation.title ?? "",
          message: annotation.message ?? "",
        }),
      );
    }
    if (data.length < 100) break;
  }
  return keys;
}

/**
 * Updates a run in place; null when it belongs to another app or is gone (create one of
 * our own instead). A rate limit is not "another app's run": it is thrown (the client has
 * waited what it may), so that no second run is created.
 */
async function updateRun(client: GitHubClient, id: number, body: Record<string, unknown> & { owner: string; repo: string }): Promise<number | null> {
  try {
    const { data } = await client.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...body, check_run_id: id } as never);
    return (data as { id: number }).id;
  } catch (error) {
    if (isRateLimit(error)) throw error;
    if (statusOf(error) === 403 || statusOf(error) === 404) return null;
    throw error;
  }
}

/**
 * Creates a run. The POST is sent with the retry plugin off: when it fails with a 5xx or no
 * answer, GitHub may have created the run all the same, so the runs are listed again and
 * an existing run of that name is updated instead of a second one being created.
 */
async function createRun(
  client: GitHubClient,
  target: CheckTarget,
  name: string,
  body: Record<string, unknown> & { owner: string; repo: string },
  options: PublishOptions,
  forgetList: () => void,
): Promise<{ id: number; reused: boolean }> {
  const attempts = Math.max(1, options.createAttempts ?? 3);
  const delay = options.createRetryDelayMs ?? 1_000;
  let lastError: unknown = null;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      await new Promise((resolve) => setTimeout(resolve, delay * (attempt - 1)));
      forgetList();
      const existing = (await changegateCheckRuns(client, target, { appId: options.appId ?? null, name })).find((run) => run.name === name);
      if (existing !== undefined) {
        const updated = await updateRun(client, existing.id, body);
        if (updated !== null) return { id: updated, reused: true };
      }
    }
    try {
      const { data } = await withAccess(`create the check run ${name}`, "checks: write", () =>
        client.request("POST /repos/{owner}/{repo}/check-runs", { ...body, name, head_sha: target.headSha, request: { retries: 0 } } as never),
      );
      return { id: Number((data as { id: number }).id), reused: false };
    } catch (error) {
      const status = statusOf(error);
      // A refusal (4xx) is GitHub saying it did not create it: no point in asking again.
      if (status !== null && status < 500) throw error;
      lastError = error;
    }
  }
  throw lastError;
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

/** The latest changegate/* check runs on a commit (one request); with `appId`, only that app's. */
export async function changegateCheckRuns(
  client: GitHubClient,
  target: CheckTarget,
  options: { appId?: number | null; name?: string } = {},
): Promise<ChangegateCheckRun[]> {
  const { data } = await withAccess(`read the check runs of ${target.headSha.slice(0, 7)}`, "checks: read", () =>
    client.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
      owner: target.owner,
      repo: target.repo,
      ref: target.headSha,
      filter: "latest",
      per_page: 100,
      ...(options.appId == null ? {} : { app_id: options.appId }),
      ...(options.name === undefined ? {} : { check_name: options.name }),
    }),
  );
  return data.check_runs.filter((run) => run.name.startsWith("changegate/")) as ChangegateCheckRun[];
}

/** The next change a published check run recorded: an instant, "none", or undefined when it recorded none. */
export function recordedNextChange(run: Pick<ChangegateCheckRun, "external_id">): number | "none" | undefined {
  const id = run.external_id ?? "";
  if (!id.startsWith(EXTERNAL_PREFIX)) return undefined;
  const value = id.slice(EXTERNAL_PREFIX.length).split(";")[0]!;
  if (value === "none") return "none";
  const instant = Date.parse(value);
  return Number.isNaN(instant) ? undefined : instant;
}

/** The kind of decision a published run rendered, when it was not an evaluation; undefined for an evaluation (or a run that does not say). */
export function recordedDecisionKind(run: Pick<ChangegateCheckRun, "external_id">): "policy-invalid" | "unavailable" | undefined {
  const kind = (run.external_id ?? "").split(KIND_SEPARATOR)[1]?.split(";")[0];
  return kind === "policy-invalid" || kind === "unavailable" ? kind : undefined;
}

/** The inputs a run recorded it was decided on, or null when it recorded none (a failure, an older run, the Action). */
export function recordedInputs(run: Pick<ChangegateCheckRun, "external_id">): DecisionInputs | null {
  const id = run.external_id ?? "";
  if (!id.startsWith(EXTERNAL_PREFIX)) return null;
  const fields = new Map(id.split(";").slice(1).map((field) => [field.slice(0, field.indexOf("=")), field.slice(field.indexOf("=") + 1)] as const));
  const pull = fields.get("pr");
  const reviews = fields.get("rv");
  const policy = fields.get("po");
  if (pull === undefined || reviews === undefined || policy === undefined) return null;
  const at = Date.parse(fields.get("at") ?? "");
  return { pull, reviews, policy, ...(Number.isNaN(at) ? {} : { at }) };
}

/** The digest of every check's content a run recorded when it was written (see recordContents), or null. */
export function recordedContents(run: Pick<ChangegateCheckRun, "external_id">): string | null {
  const field = (run.external_id ?? "").split(";").find((part) => part.startsWith("all="));
  return field === undefined ? null : field.slice("all=".length);
}
