// First: zod is configured before any schema is built.
import "../zod-jitless.js";
import type { Decision, EvaluationInput } from "../engine/evaluate.js";
import { listAll, type GitHubClient } from "../github/access.js";
import { changegateCheckRuns, publishChecks, recordedDecisionKind, recordedNextChange, type DecisionInputs, type PublishedCheck } from "../github/check-runs.js";
import { decisionInputs, recordForAll } from "../github/decision-inputs.js";
import type { LoadedPolicy } from "../github/policy-source.js";
import { CLOCK_SKEW_MS } from "../github/pull-freshness.js";
import { pullReviews, restReader } from "../github/rest-reader.js";
import { evaluateAndPublish as runPipeline, publishDecision } from "../pipeline/pipeline.js";
import type { CheckPublisher } from "../pipeline/publisher.js";
import type { PullRequestFields } from "../pipeline/reader.js";
import { POLICY_PATH } from "../engine/policy.js";
import { renderChecks, type RenderedCheck } from "../report/checks.js";
import { ActionError, explainAccess } from "./errors.js";
import { requestReviews } from "../github/review-requests.js";
import { actionClient } from "./octokit.js";
import { actionReviewDoor } from "./review-requests.js";
import { annotateProblems, type ActionOutcome, type ModeEnvironment } from "./outcome.js";
import { branchName, pullsInMergeGroup, type MergeGroup } from "../github/merge-group.js";
import { mergeGroupChecks } from "../pipeline/merge-group.js";
import { checkSummary, mergeGroupSummary, recheckSummary, type RecheckRow } from "./summary.js";
import { plural } from "../report/text.js";

/**
 * `mode: check`. On a pull request's events: evaluate it with the policy of its base branch
 * (never its head, also on pull_request_target) and publish the same three check runs as
 * the App. On `merge_group`: the same three on the group's head, from its pull requests. On `schedule`, `workflow_dispatch` and `issues` (an
 * incident issue opened or closed): re-evaluate the open pull requests whose decision can have
 * changed since it was published.
 */
const PULL_REQUEST_EVENTS = new Set(["pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"]);
// `issues`: an issue opened, closed or labelled can declare or lift a `while_issues_open`
// freeze (SPEC §10), so the open pull requests are looked at then, not at the next cron run.
const RECHECK_EVENTS = new Set(["schedule", "workflow_dispatch", "issues"]);
/** Open pull requests a scheduled run looks at. */
const MAX_OPEN_PULLS = 300;

interface PullRequest extends PullRequestFields {
  base: { ref: string };
  updated_at: string;
  draft?: boolean;
}

export async function runCheckMode(environment: ModeEnvironment): Promise<ActionOutcome> {
  const { context, inputs } = environment;
  const recheck = RECHECK_EVENTS.has(context.eventName);
  const number = (context.payload["pull_request"] as { number?: unknown } | undefined)?.number;
  const group = context.eventName === "merge_group" ? mergeGroupOf(context.payload) : null;
  if (!recheck && group === null && (!PULL_REQUEST_EVENTS.has(context.eventName) || typeof number !== "number")) {
    throw new ActionError(
      `mode: check runs on pull request events (pull_request_target, pull_request, pull_request_review), on merge_group (a merge queue's checks) and, to re-evaluate open pull requests, on schedule, workflow_dispatch and issues; this run's event is ${context.eventName || "unknown"}.`,
    );
  }
  const client = actionClient(inputs.token, context);
  try {
    if (recheck) return await recheckOpenPulls(client.octokit, environment);
    if (group !== null) return await checkMergeGroup(client.octokit, environment, group);
    const { data } = await client.octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: context.owner, repo: context.repo, pull_number: number as number });
    return await checkOne(client.octokit, environment, data);
  } catch (error) {
    throw explainAccess(error, context.eventName);
  } finally {
    client.dispose();
  }
}

type Published =
  | { kind: "not-enrolled" }
  | { kind: "published"; decision: Decision; checks: RenderedCheck[]; changed: number; ids: number[]; externalId: string | null };

/** What a publish records a decision was made on (null: nothing to record, as for a failed evaluation). */
type RecordOf = (decision: Decision, input: EvaluationInput | null) => DecisionInputs | null;

/**
 * Check runs on the pull request's head, the job's run linked from them; remembers what it
 * published last. A run is rewritten only for what it shows; each one written records the
 * decision's inputs and what all three say (recordForAll), which the scheduled re-check reads.
 */
function actionPublisher(client: GitHubClient, target: { owner: string; repo: string; headSha: string }, environment: ModeEnvironment, record: RecordOf): CheckPublisher & { last: PublishedCheck[] } {
  const publisher = {
    last: [] as PublishedCheck[],
    async publish(checks: readonly RenderedCheck[], nextChange: number | null, decision: Decision, input: EvaluationInput | null): Promise<number> {
      publisher.last = await publishChecks(client, target, checks, nextChange, environment.context.runUrl, {
        decision: decision.kind,
        inputs: record(decision, input),
        recordContents: true,
        externalIdIsContent: false,
        now: environment.now,
      });
      return publisher.last.filter((check) => check.action !== "unchanged").length;
    },
  };
  return publisher;
}

/**
 * Evaluates one pull request and publishes its checks; an evaluation that fails publishes
 * failing checks that say why, then throws. `policyAt`: where its base branch's policy is
 * read (the re-check reads each branch's once).
 */
async function evaluateAndPublish(client: GitHubClient, environment: ModeEnvironment, pull: PullRequest, policyAt?: (ref: string) => Promise<LoadedPolicy>): Promise<Published> {
  const { context, log } = environment;
  // Before any read: what the runs record as the instant their inputs were read after.
  const at = environment.now();
  let policyRead: { sha: string }[] | null = null;
  const record: RecordOf = (decision, input) => (decision.kind === "unavailable" || policyRead === null ? null : { ...decisionInputs(pull, input?.reviews ?? [], policyRead), at });
  const publisher = actionPublisher(client, { owner: context.owner, repo: context.repo, headSha: pull.head.sha }, environment, record);
  const published = (decision: Decision, checks: RenderedCheck[], changed: number): Published => ({
    kind: "published",
    decision,
    checks,
    changed,
    ids: publisher.last.map((check) => check.id),
    externalId: publisher.last[0]?.externalId ?? null,
  });
  const publishAlone = async (decision: Decision): Promise<Published> => {
    const { checks, writes } = await publishDecision(publisher, decision, null);
    return published(decision, checks, writes);
  };

  try {
    const reader = restReader(client, context.owner, context.repo);
    const loaded = await (policyAt ?? reader.policyAt)(pull.base.ref);
    if (loaded.status === "not-enrolled") return { kind: "not-enrolled" };
    policyRead = readFor(loaded);
    if (loaded.status === "invalid") {
      annotateProblems(log, loaded.problems, "error");
      return await publishAlone({ kind: "policy-invalid", problems: loaded.problems });
    }
    const policy = loaded.policy;
    const result = await runPipeline(reader, publisher, pull, policy, {
      at,
      eagerPusher: true,
      annotate: async ({ decision, input }) => (policy.approvals.request_reviews ? { reviewRequests: await requestReviews(client, pull, decision, input, reader, actionReviewDoor(client, environment, pull.number)) } : {}),
    });
    annotateProblems(log, result.decision.changeRequest.problems, "error");
    annotateProblems(log, result.decision.proposedPolicyProblems, "warning");
    annotateProblems(log, result.decision.policyWarnings, "warning");
    return published(result.decision, result.checks, result.writes);
  } catch (error) {
    const explained = explainAccess(error, context.eventName);
    // Fail closed where it shows: the checks say why (if the token may publish them at all).
    await publishAlone({ kind: "unavailable", reason: explained.message }).catch(() => undefined);
    throw explained;
  }
}

async function checkOne(client: GitHubClient, environment: ModeEnvironment, pull: PullRequest): Promise<ActionOutcome> {
  const { context, log } = environment;
  if (context.eventName === "pull_request") {
    log.info("Running on pull_request: the pull request's author can edit this workflow. pull_request_target is safer (see docs/action.md).");
  }
  const result = await evaluateAndPublish(client, environment, pull);
  if (result.kind === "not-enrolled") {
    const reason = `${context.owner}/${context.repo} is not enrolled: ${pull.base.ref} has no ${POLICY_PATH}, so changegate posts no checks.`;
    return { blocked: false, allowed: null, riskScore: null, riskTier: null, reason, nextAllowedAt: null, summary: "" };
  }
  const { decision, checks } = result;
  const failing = checks.filter((check) => check.conclusion === "failure");
  const evaluated = decision.kind === "evaluated" ? decision : null;
  const onlySchedule = failing.length === 1 && failing[0]!.name === "changegate/schedule";
  const wouldFail = checks.filter((check) => check.enforcedConclusion === "failure");
  const reason =
    failing.length > 0
      ? failing.map((check) => `${check.name}: ${check.title}`).join("; ")
      : wouldFail.length > 0
        ? wouldFail.map((check) => `${check.name}: ${check.title}`).join("; ")
        : `Every check passes: ${checks.map((check) => check.title).join("; ")}`;
  return {
    blocked: failing.length > 0,
    allowed: failing.length === 0,
    riskScore: evaluated?.risk.score ?? null,
    riskTier: evaluated?.risk.effectiveTier ?? null,
    reason,
    nextAllowedAt: failing.length === 0 ? (evaluated?.at ?? null) : onlySchedule ? (evaluated?.schedule?.opensAt ?? null) : null,
    summary: checkSummary({ repository: `${context.owner}/${context.repo}`, number: pull.number, headSha: pull.head.sha }, checks),
  };
}

function mergeGroupOf(payload: Record<string, unknown>): MergeGroup | null {
  const group = payload["merge_group"] as Partial<MergeGroup> | undefined;
  if (typeof group?.head_sha !== "string" || typeof group.base_sha !== "string" || typeof group.head_ref !== "string" || typeof group.base_ref !== "string") return null;
  return group as MergeGroup;
}

/**
 * A merge queue's group (§9), as the App does it: each pull request in it is judged by the
 * policy of the branch the group merges into, and the group's head gets the three checks,
 * each the worst of its pull requests'.
 */
async function checkMergeGroup(client: GitHubClient, environment: ModeEnvironment, group: MergeGroup): Promise<ActionOutcome> {
  const { context, log } = environment;
  const { owner, repo } = context;
  const base = branchName(group.base_ref);
  const reader = restReader(client, owner, repo);
  const loaded = await reader.policyAt(base);
  if (loaded.status === "not-enrolled") {
    const reason = `${owner}/${repo} is not enrolled: ${base} has no ${POLICY_PATH}, so changegate posts no checks.`;
    return { blocked: false, allowed: null, riskScore: null, riskTier: null, reason, nextAllowedAt: null, summary: "" };
  }
  let checks: RenderedCheck[];
  let numbers: number[] = [];
  if (loaded.status === "invalid") {
    annotateProblems(log, loaded.problems, "error");
    checks = renderChecks({ kind: "policy-invalid", problems: loaded.problems }, { timezone: "UTC" });
  } else {
    numbers = await pullsInMergeGroup(client, owner, repo, group);
    const readPull = async (number: number) => (await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner, repo, pull_number: number })).data;
    checks = await mergeGroupChecks(reader, readPull, numbers, loaded.policy, { at: environment.now(), eagerPusher: true });
  }
  await publishChecks(client, { owner, repo, headSha: group.head_sha }, checks, null, context.runUrl, loaded.status === "invalid" ? { decision: "policy-invalid" } : {});
  const failing = checks.filter((check) => check.conclusion === "failure");
  return {
    blocked: failing.length > 0,
    allowed: failing.length === 0,
    riskScore: null,
    riskTier: null,
    reason: failing.length > 0 ? failing.map((check) => `${check.name}: ${check.title}`).join("; ") : `Every check passes for the merge group of ${numbers.map((number) => `#${number}`).join(", ")}`,
    nextAllowedAt: null,
    summary: mergeGroupSummary(`${owner}/${repo}`, group.head_sha, numbers, checks),
  };
}

/**
 * A scheduled run: only the open pull requests whose decision can have changed are evaluated
 * again, and only the runs whose content changed are written.
 */
async function recheckOpenPulls(client: GitHubClient, environment: ModeEnvironment): Promise<ActionOutcome> {
  const { context, log } = environment;
  const { owner, repo } = context;
  const pulls: PullRequest[] = await listAll(
    (page) => client.request("GET /repos/{owner}/{repo}/pulls", { owner, repo, state: "open", sort: "created", direction: "asc", per_page: 100, page }),
    MAX_OPEN_PULLS,
  );
  const now = environment.now();
  // Each base branch's policy read once for the whole run (what is due is judged on it too).
  const policies = new Map<string, Promise<LoadedPolicy>>();
  const reader = restReader(client, owner, repo);
  const policyAt = (ref: string): Promise<LoadedPolicy> => {
    if (!policies.has(ref)) policies.set(ref, reader.policyAt(ref));
    return policies.get(ref)!;
  };
  const rows: RecheckRow[] = [];
  const failures: string[] = [];
  let changed = 0;
  for (const pull of pulls) {
    const due = await dueReason(client, { owner, repo, headSha: pull.head.sha }, pull, now, policyAt).catch((error: unknown) => `could not tell whether its checks are current (${explainAccess(error, context.eventName).message})`);
    if (due === null) {
      rows.push({ number: pull.number, title: pull.title, checks: null, note: "unchanged" });
      continue;
    }
    try {
      const result = await evaluateAndPublish(client, environment, pull, policyAt);
      if (result.kind === "not-enrolled") {
        rows.push({ number: pull.number, title: pull.title, checks: null, note: `base ${pull.base.ref} is not enrolled` });
        continue;
      }
      changed += result.changed;
      if (result.changed === 0 && result.ids[0] !== undefined && result.externalId !== null) {
        // Nothing shows a change, but no run records this evaluation: one run's external_id
        // takes its record, or the pull request would be evaluated again at every run.
        await client.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { owner, repo, check_run_id: result.ids[0], external_id: result.externalId });
      }
      rows.push({ number: pull.number, title: pull.title, checks: result.checks, note: `${due}${result.changed > 0 ? `; ${plural(result.changed, "check")} updated` : "; checks unchanged"}` });
    } catch (error) {
      const message = explainAccess(error, context.eventName).message;
      log.error(`PR #${pull.number}: ${message}`);
      failures.push(`PR #${pull.number}: ${message}`);
      rows.push({ number: pull.number, title: pull.title, checks: null, note: `could not evaluate: ${message}` });
    }
  }
  const evaluated = rows.filter((row) => row.checks !== null).length;
  const reason =
    failures.length > 0
      ? `Could not re-evaluate ${plural(failures.length, "open pull request")}: ${failures[0]}`
      : `Re-evaluated ${evaluated} of ${plural(pulls.length, "open pull request")}; ${plural(changed, "check run")} updated`;
  return { blocked: failures.length > 0, allowed: null, riskScore: null, riskTier: null, reason, nextAllowedAt: null, summary: recheckSummary(`${owner}/${repo}`, rows) };
}

/**
 * Why a pull request's published decision may be out of date, or null when it cannot be:
 * one evaluation's record vouches for all three runs (recordForAll), no instant it recorded
 * has passed, and it was made on what GitHub holds now: the pull request's own fields, its
 * base branch's policy, and its reviews (read only when the pull request was active since
 * the evaluation began: `updated_at`, which a review moves, has one-second resolution).
 */
async function dueReason(
  client: GitHubClient,
  target: { owner: string; repo: string; headSha: string },
  pull: PullRequest,
  now: number,
  policyAt: (ref: string) => Promise<LoadedPolicy>,
): Promise<string | null> {
  const runs = await changegateCheckRuns(client, target);
  if (runs.length < 3) return "no changegate checks on its head yet";
  if (runs.some((run) => recordedDecisionKind(run) === "unavailable")) return "its last evaluation failed";
  const found = recordForAll(runs);
  if (found === null) return "its checks do not all record one evaluation";
  const { run, inputs } = found;
  const kind = recordedDecisionKind(run);
  const next = recordedNextChange(run);
  if (next === undefined) return "its checks do not record when they change";
  if (next !== "none" && next <= now) return `its decision was due to change at ${new Date(next).toISOString()}`;
  const loaded = await policyAt(pull.base.ref);
  const current = decisionInputs(pull, [], readFor(loaded));
  if (current.pull !== inputs.pull) return "updated since it was last evaluated";
  if (current.policy !== inputs.policy) return "its base branch's policy changed since it was last evaluated";
  if (kind === "policy-invalid") return null;
  if (Date.parse(pull.updated_at) + 1_000 + CLOCK_SKEW_MS <= inputs.at!) return null;
  const reviews = decisionInputs(pull, await pullReviews(client, target.owner, target.repo, pull.number), null).reviews;
  return reviews === inputs.reviews ? null : "reviewed since it was last evaluated";
}

/**
 * What the Action's runs record as their policy: its files' blobs and, with calendar forms,
 * what the calendar was read from, so that an incident issue opened or a release published
 * since is a change the scheduled re-check sees (the App hears those as events).
 */
function readFor(loaded: LoadedPolicy): { sha: string }[] | null {
  if (loaded.status === "not-enrolled") return null;
  return loaded.status === "valid" && loaded.calendar !== undefined ? [...loaded.files, { sha: loaded.calendar }] : loaded.files;
}
