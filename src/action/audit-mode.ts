import "../zod-jitless.js";
import { recordMerge, type MergedPull } from "../audit/merge.js";
import { restReader } from "../github/rest-reader.js";
import { gatherAndEvaluate } from "../pipeline/gather.js";
import type { PullRequestFields } from "../pipeline/reader.js";
import { ActionError, explainAccess } from "./errors.js";
import { actionClient } from "./octokit.js";
import { annotateProblems, type ActionOutcome, type ModeEnvironment } from "./outcome.js";

/**
 * `mode: audit` (on `pull_request` / `pull_request_target` closed): records a merged pull
 * request in the audit trail with the trail's own code, as the App does: the decision at
 * the merge instant under the policy the base held before the merge, once however often
 * the workflow runs.
 */
type MergedPayload = MergedPull & PullRequestFields & { merged?: boolean; base: { ref: string; sha?: string } };

export async function runAuditMode({ context, inputs, log, now }: ModeEnvironment): Promise<ActionOutcome> {
  const pull = context.payload["pull_request"] as MergedPayload | undefined;
  if (!/^pull_request(_target)?$/.test(context.eventName) || context.payload["action"] !== "closed" || pull === undefined) {
    throw new ActionError(
      `mode: audit runs on a pull request's closed event (on: pull_request_target: types: [closed]); this run's event is ${context.eventName}${typeof context.payload["action"] === "string" ? ` (${context.payload["action"]})` : ""}.`,
    );
  }
  const nothing = (reason: string): ActionOutcome => ({ blocked: false, allowed: null, riskScore: null, riskTier: null, reason, nextAllowedAt: null, summary: "" });
  if (pull.merged !== true) return nothing(`PR #${pull.number} was closed without merging: nothing to record.`);

  const client = actionClient(inputs.token, context);
  try {
    // The policy that judged the merge: the base as it was before it (the merged PR may edit the policy).
    const reader = restReader(client.octokit, context.owner, context.repo);
    const loaded = await reader.policyAt(pull.base.sha ?? pull.base.ref);
    if (loaded.status === "not-enrolled") return nothing(`${context.owner}/${context.repo} has no changegate policy on ${pull.base.ref}: nothing to record.`);
    if (loaded.status === "invalid") {
      annotateProblems(log, loaded.problems, "error");
      throw new ActionError(`cannot record PR #${pull.number}: the policy on ${pull.base.ref} is invalid, so the audit trail's location is unknown. The merge was not recorded; fix the policy and re-run this job.`);
    }
    const at = pull.merged_at ? Date.parse(pull.merged_at) : now();
    const { input, decision } = await gatherAndEvaluate(reader, pull, loaded.policy, { at, reviewsUntil: at, eagerPusher: true });
    const recorded = await recordMerge(
      client.octokit,
      { owner: context.owner, repo: context.repo, pull, policy: loaded.policy, decision, files: input.files, policySha: loaded.files.at(-1)?.sha ?? null },
      { recordedBy: "action", now: now() },
    );
    const where = `${recorded.trail.owner}/${recorded.trail.repo}@${recorded.trail.branch}`;
    const reason =
      recorded.status === "appended"
        ? `PR #${pull.number} recorded as audit record ${recorded.seq} on ${where} (hash ${recorded.hash}).`
        : `PR #${pull.number} was already recorded as audit record ${recorded.seq} on ${where}.`;
    log.info(reason);
    return {
      blocked: false,
      allowed: null,
      riskScore: decision.risk.score,
      riskTier: decision.risk.effectiveTier,
      reason,
      nextAllowedAt: null,
      summary: [
        "### changegate audit",
        "",
        "| | |",
        "|---|---|",
        `| Pull request | #${pull.number} ${pull.title.replace(/\|/g, "\\|")} |`,
        `| Record | ${recorded.seq} on \`${where}\` (\`${recorded.path}\`) |`,
        `| Hash | \`${recorded.hash}\` |`,
        `| Status | ${recorded.status === "appended" ? "recorded now" : "already recorded"} |`,
        ...(recorded.retrospectiveIssue === null ? [] : [`| Retrospective | #${recorded.retrospectiveIssue} |`]),
        "",
      ].join("\n"),
    };
  } catch (error) {
    if (error instanceof ActionError) throw error;
    // Fails closed: a merge must never go unrecorded silently.
    const explained = explainAccess(error, context.eventName);
    throw new ActionError(`cannot record PR #${pull.number} in the audit trail: ${explained.message}. The merge was not recorded; re-run this job (recording is idempotent).`);
  } finally {
    client.dispose();
  }
}
