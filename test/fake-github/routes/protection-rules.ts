import { intParam, json, notFound, repoOf, stringField, unprocessable, type Routes } from "../http.js";
import { findGate } from "../protection-rules.js";

/**
 * A workflow run's custom deployment protection rules (see protection-rules.ts). GitHub's
 * description gives the callback only a 204; an answer for an environment the run does not
 * wait on is refused with a 422 here (a made-up run is an error, not silence).
 */
export const protectionRuleRoutes: Routes = {
  "POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule": (context) => {
    const repo = repoOf(context);
    const environment = stringField(context.body, "environment_name") ?? "";
    const [gate] = findGate(context.state, repo.owner.login, repo.name, intParam(context, "run_id"), environment);
    if (gate === undefined) throw unprocessable(`No pending deployment protection rule for environment "${environment}" on this run`);
    const state = stringField(context.body, "state") as "approved" | "rejected" | undefined;
    gate.answers.push({ state: state ?? null, comment: stringField(context.body, "comment") ?? "", installationId: context.auth.kind === "token" ? context.auth.installationId : null, at: context.state.now() });
    // The first answer with a state decides; a comment alone, or a later answer, changes nothing.
    if (gate.state === "waiting" && state !== undefined) gate.state = state;
    return { status: 204 };
  },

  "GET /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments": (context) => {
    const repo = repoOf(context);
    const runGates = findGate(context.state, repo.owner.login, repo.name, intParam(context, "run_id"));
    if (runGates.length === 0) throw notFound();
    return json(
      200,
      runGates
        .filter((gate) => gate.state === "waiting")
        .map((gate) => ({
          environment: {
            id: gate.environmentId,
            node_id: Buffer.from(`Environment${gate.environmentId}`).toString("base64"),
            name: gate.environment,
            url: `${context.api}/repos/${repo.fullName}/environments/${encodeURIComponent(gate.environment)}`,
            html_url: `https://github.com/${repo.fullName}/deployments/activity_log?environments_filter=${encodeURIComponent(gate.environment)}`,
          },
          wait_timer: 0,
          wait_timer_started_at: null,
          current_user_can_approve: false,
          reviewers: [],
        })),
    );
  },
};
