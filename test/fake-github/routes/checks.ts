import { errorBody, HttpError, intParam, json, notFound, paginate, repoOf, stringField, type JsonObject, type RouteContext, type Routes } from "../http.js";
import { Renderer } from "../render.js";
import { timestamp, type Annotation, type CheckConclusion, type CheckRun, type CheckRunAction, type CheckStatus, type Repository } from "../state.js";

/**
 * Check runs and suites. Creating a run files it in the app's suite for the head SHA;
 * updating appends annotations (at most 50 per request, enforced by the rules) and replaces
 * title, summary and text.
 */

interface OutputBody {
  title?: string;
  summary?: string;
  text?: string;
  annotations?: Annotation[];
}

function runOf(context: RouteContext): { repo: Repository; run: CheckRun } {
  const repo = repoOf(context);
  const run = repo.checkRuns.find((candidate) => candidate.id === intParam(context, "check_run_id"));
  if (run === undefined) throw notFound();
  return { repo, run };
}

/** The SHA a {ref} names: a branch, a tag, a known commit, or any 40-hex SHA (runs may name commits the fake never saw). */
function shaOf(context: RouteContext, repo: Repository): string {
  const ref = context.params["ref"] ?? "";
  const sha = context.state.resolveRef(repo, ref);
  if (sha !== undefined) return sha;
  if (/^[0-9a-f]{40}$/i.test(ref)) return ref.toLowerCase();
  throw new HttpError(422, errorBody(422, `No commit found for SHA: ${ref}`));
}

/** GitHub keeps a run's timestamps to the second: "…T10:00:00.999Z" reads back as "…T10:00:00Z". */
function toSeconds(iso: string): string {
  const instant = Date.parse(iso);
  return Number.isNaN(instant) ? iso : timestamp(new Date(instant));
}

/** Applies the fields of a create/update body to a run. */
function applyBody(context: RouteContext, run: CheckRun, body: JsonObject): void {
  const now = context.state.now();
  const name = stringField(body, "name");
  if (name !== undefined) run.name = name;
  if (body["details_url"] !== undefined) run.detailsUrl = stringField(body, "details_url") ?? null;
  if (body["external_id"] !== undefined) run.externalId = stringField(body, "external_id") ?? null;
  const startedAt = stringField(body, "started_at");
  if (startedAt !== undefined) run.startedAt = toSeconds(startedAt);
  const status = stringField(body, "status") as CheckStatus | undefined;
  const conclusion = stringField(body, "conclusion") as CheckConclusion | undefined;
  if (status !== undefined) run.status = status;
  if (conclusion !== undefined) {
    run.conclusion = conclusion;
    run.status = "completed";
  }
  const completedAt = stringField(body, "completed_at");
  if (run.status === "completed") run.completedAt = (completedAt === undefined ? undefined : toSeconds(completedAt)) ?? run.completedAt ?? now;
  else {
    run.conclusion = null;
    run.completedAt = null;
  }
  const output = body["output"] as OutputBody | undefined;
  if (output !== undefined) {
    if (output.title !== undefined) run.output.title = output.title;
    if (output.summary !== undefined) run.output.summary = output.summary;
    if (output.text !== undefined) run.output.text = output.text;
    run.output.annotations.push(...(output.annotations ?? []));
  }
  const actions = body["actions"] as CheckRunAction[] | undefined;
  if (actions !== undefined) run.actions = actions;
}

export const checkRoutes: Routes = {
  "POST /repos/{owner}/{repo}/check-runs": (context) => {
    const repo = repoOf(context);
    const run = context.state.createCheckRun(repo.owner.login, repo.name, { headSha: stringField(context.body, "head_sha") ?? "", name: stringField(context.body, "name") ?? "" });
    applyBody(context, run, context.body);
    return json(201, new Renderer(context.state, context.api).checkRun(repo, run));
  },

  "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}": (context) => {
    const { repo, run } = runOf(context);
    applyBody(context, run, context.body);
    const suite = repo.checkSuites.find((candidate) => candidate.id === run.checkSuiteId);
    if (suite !== undefined) suite.updatedAt = context.state.now();
    return json(200, new Renderer(context.state, context.api).checkRun(repo, run));
  },

  "GET /repos/{owner}/{repo}/check-runs/{check_run_id}": (context) => {
    const { repo, run } = runOf(context);
    return json(200, new Renderer(context.state, context.api).checkRun(repo, run));
  },

  "GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations": (context) => {
    const { run } = runOf(context);
    const page = paginate(context, run.output.annotations);
    return json(
      200,
      page.items.map((annotation) => ({
        path: annotation.path,
        start_line: annotation.start_line,
        end_line: annotation.end_line,
        start_column: annotation.start_column ?? null,
        end_column: annotation.end_column ?? null,
        annotation_level: annotation.annotation_level,
        title: annotation.title ?? null,
        message: annotation.message,
        raw_details: annotation.raw_details ?? null,
        blob_href: `https://github.com/${context.params["owner"]}/${context.params["repo"]}/blob/${run.headSha}/${annotation.path}`,
      })),
      page.headers,
    );
  },

  "POST /repos/{owner}/{repo}/check-runs/{check_run_id}/rerequest": (context) => {
    runOf(context);
    return json(201, {});
  },

  "GET /repos/{owner}/{repo}/commits/{ref}/check-runs": (context) => {
    const repo = repoOf(context);
    const sha = shaOf(context, repo);
    const render = new Renderer(context.state, context.api);
    const name = context.query.get("check_name");
    const status = context.query.get("status");
    const appId = context.query.get("app_id");
    let runs = repo.checkRuns.filter((run) => run.headSha === sha && (appId === null || run.app.id === Number(appId)));
    if ((context.query.get("filter") ?? "latest") === "latest") {
      const byApp = new Map<number, CheckRun[]>();
      for (const run of runs) byApp.set(run.app.id, [...(byApp.get(run.app.id) ?? []), run]);
      runs = [...byApp.values()].flatMap((list) => render.latestRuns(list));
    }
    runs = runs.filter((run) => (name === null || run.name === name) && (status === null || run.status === status)).sort((a, b) => b.id - a.id);
    const page = paginate(context, runs);
    return json(200, { total_count: runs.length, check_runs: page.items.map((run) => render.checkRun(repo, run)) }, page.headers);
  },

  "GET /repos/{owner}/{repo}/commits/{ref}/check-suites": (context) => {
    const repo = repoOf(context);
    const sha = shaOf(context, repo);
    const render = new Renderer(context.state, context.api);
    const name = context.query.get("check_name");
    const appId = context.query.get("app_id");
    const suites = repo.checkSuites.filter(
      (suite) => suite.headSha === sha && (appId === null || suite.app.id === Number(appId)) && (name === null || repo.checkRuns.some((run) => run.checkSuiteId === suite.id && run.name === name)),
    );
    const page = paginate(context, suites);
    return json(200, { total_count: suites.length, check_suites: page.items.map((suite) => render.checkSuite(repo, suite)) }, page.headers);
  },

  "GET /repos/{owner}/{repo}/check-suites/{check_suite_id}": (context) => {
    const repo = repoOf(context);
    const suite = repo.checkSuites.find((candidate) => candidate.id === intParam(context, "check_suite_id"));
    if (suite === undefined) throw notFound();
    return json(200, new Renderer(context.state, context.api).checkSuite(repo, suite));
  },

  "GET /repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs": (context) => {
    const repo = repoOf(context);
    const suite = repo.checkSuites.find((candidate) => candidate.id === intParam(context, "check_suite_id"));
    if (suite === undefined) throw notFound();
    const render = new Renderer(context.state, context.api);
    const runs = repo.checkRuns.filter((run) => run.checkSuiteId === suite.id).sort((a, b) => b.id - a.id);
    const page = paginate(context, runs);
    return json(200, { total_count: runs.length, check_runs: page.items.map((run) => render.checkRun(repo, run)) }, page.headers);
  },

  "POST /repos/{owner}/{repo}/check-suites/{check_suite_id}/rerequest": (context) => {
    const repo = repoOf(context);
    if (!repo.checkSuites.some((candidate) => candidate.id === intParam(context, "check_suite_id"))) throw notFound();
    return json(201, {});
  },
};
