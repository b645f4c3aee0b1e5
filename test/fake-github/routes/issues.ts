import { actorLogin, intParam, json, notFound, paginate, repoOf, stringField, type RouteContext, type Routes } from "../http.js";
import { Renderer } from "../render.js";
import type { Issue, PullRequest, Repository } from "../state.js";

/** Issues (pull requests are issues too, as on GitHub), their comments and labels. */

function issueOf(context: RouteContext): { repo: Repository; issue: Issue | PullRequest } {
  const repo = repoOf(context);
  const number = intParam(context, "issue_number");
  const issue = repo.issues.get(number) ?? repo.pulls.get(number);
  if (issue === undefined) throw notFound();
  return { repo, issue };
}

/** Label names from a body: `{labels: ["a"]}`, `{labels: [{name: "a"}]}`, `["a"]` or `[{name: "a"}]`. */
function labelNames(body: unknown): string[] {
  const list = Array.isArray(body) ? body : (body as { labels?: unknown } | null)?.labels;
  if (!Array.isArray(list)) return [];
  return list.map((item: unknown) => (typeof item === "string" ? item : String((item as { name?: unknown }).name ?? "")));
}

function listLabels(context: RouteContext, repo: Repository, issue: Issue | PullRequest) {
  const render = new Renderer(context.state, context.api);
  const page = paginate(context, issue.labels);
  return json(200, render.labels(repo, page.items), page.headers);
}

export const issueRoutes: Routes = {
  "POST /repos/{owner}/{repo}/issues": (context) => {
    const repo = repoOf(context);
    const assignee = stringField(context.body, "assignee");
    const issue = context.state.createIssue(repo.owner.login, repo.name, {
      title: String(context.body["title"]),
      body: stringField(context.body, "body") ?? null,
      user: actorLogin(context, repo),
      labels: labelNames(context.body),
      assignees: [...((context.body["assignees"] as string[] | undefined) ?? []), ...(assignee === undefined ? [] : [assignee])],
    });
    return json(201, new Renderer(context.state, context.api).issue(repo, issue));
  },

  "GET /repos/{owner}/{repo}/issues": (context) => {
    const repo = repoOf(context);
    const render = new Renderer(context.state, context.api);
    const state = context.query.get("state") ?? "open";
    const labels = (context.query.get("labels") ?? "")
      .split(",")
      .map((label) => label.trim().toLowerCase())
      .filter((label) => label !== "");
    const creator = context.query.get("creator")?.toLowerCase();
    const since = context.query.get("since");
    const sort = context.query.get("sort") ?? "created";
    const direction = context.query.get("direction") ?? "desc";
    const comments = (number: number) => repo.comments.filter((comment) => comment.issueNumber === number).length;
    const items = [...repo.issues.values(), ...repo.pulls.values()]
      .filter(
        (issue) =>
          (state === "all" || issue.state === state) &&
          labels.every((label) => issue.labels.some((name) => name.toLowerCase() === label)) &&
          (creator === undefined || issue.user.login.toLowerCase() === creator) &&
          (since === null || issue.updatedAt >= since),
      )
      .sort((a, b) => {
        const key = (issue: Issue | PullRequest): string | number => (sort === "updated" ? issue.updatedAt : sort === "comments" ? comments(issue.number) : issue.createdAt);
        const [x, y] = [key(a), key(b)];
        const order = x < y ? -1 : x > y ? 1 : a.number - b.number;
        return direction === "asc" ? order : -order;
      });
    const page = paginate(context, items);
    return json(
      200,
      page.items.map((issue) => render.issue(repo, issue)),
      page.headers,
    );
  },

  "GET /repos/{owner}/{repo}/issues/{issue_number}": (context) => {
    const { repo, issue } = issueOf(context);
    return json(200, new Renderer(context.state, context.api).issue(repo, issue));
  },

  "GET /repos/{owner}/{repo}/issues/{issue_number}/events": (context) => {
    const { repo, issue } = issueOf(context);
    const render = new Renderer(context.state, context.api);
    const pull = repo.pulls.get(issue.number);
    const page = paginate(context, pull?.events ?? []);
    return json(
      200,
      page.items.map((event) => ({
        id: event.id,
        node_id: Buffer.from(`IE:${event.id}`).toString("base64"),
        url: `${context.api}/repos/${repo.fullName}/issues/events/${event.id}`,
        actor: render.user(event.actor),
        event: event.event,
        commit_id: null,
        commit_url: null,
        created_at: event.createdAt,
        performed_via_github_app: null,
        ...(event.requestedReviewer === undefined ? {} : { requested_reviewer: render.user(event.requestedReviewer), review_requester: render.user(event.reviewRequester ?? event.actor) }),
      })),
      page.headers,
    );
  },

  "PATCH /repos/{owner}/{repo}/issues/{issue_number}": (context) => {
    const { repo, issue } = issueOf(context);
    const body = context.body;
    if (body["title"] !== undefined && body["title"] !== null) issue.title = String(body["title"]);
    if (body["body"] !== undefined) issue.body = stringField(body, "body") ?? null;
    const state = stringField(body, "state");
    if (state === "closed" && issue.state === "open") {
      issue.state = "closed";
      issue.closedAt = context.state.now();
      if (!("head" in issue)) {
        issue.stateReason = (stringField(body, "state_reason") as Issue["stateReason"] | undefined) ?? "completed";
        issue.closedBy = context.state.user(actorLogin(context, repo));
      }
    } else if (state === "open" && issue.state === "closed") {
      issue.state = "open";
      issue.closedAt = null;
      if (!("head" in issue)) issue.stateReason = "reopened";
    }
    if (body["labels"] !== undefined) {
      issue.labels = labelNames(body);
      for (const name of issue.labels) context.state.label(repo, name);
    }
    if (Array.isArray(body["assignees"]) && !("head" in issue)) issue.assignees = (body["assignees"] as string[]).map((login) => context.state.user(login));
    issue.updatedAt = context.state.now();
    return json(200, new Renderer(context.state, context.api).issue(repo, issue));
  },

  "GET /repos/{owner}/{repo}/issues/{issue_number}/comments": (context) => {
    const { repo, issue } = issueOf(context);
    const render = new Renderer(context.state, context.api);
    const since = context.query.get("since");
    const page = paginate(
      context,
      repo.comments.filter((comment) => comment.issueNumber === issue.number && (since === null || comment.updatedAt >= since)),
    );
    return json(
      200,
      page.items.map((comment) => render.comment(repo, comment)),
      page.headers,
    );
  },

  "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": (context) => {
    const { repo, issue } = issueOf(context);
    const comment = context.state.addComment(repo.owner.login, repo.name, issue.number, { body: stringField(context.body, "body") ?? "", user: actorLogin(context, repo) });
    return json(201, new Renderer(context.state, context.api).comment(repo, comment));
  },

  "GET /repos/{owner}/{repo}/issues/comments/{comment_id}": (context) => {
    const repo = repoOf(context);
    const comment = repo.comments.find((candidate) => candidate.id === intParam(context, "comment_id"));
    if (comment === undefined) throw notFound();
    return json(200, new Renderer(context.state, context.api).comment(repo, comment));
  },

  "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}": (context) => {
    const repo = repoOf(context);
    const comment = repo.comments.find((candidate) => candidate.id === intParam(context, "comment_id"));
    if (comment === undefined) throw notFound();
    comment.body = stringField(context.body, "body") ?? comment.body;
    comment.updatedAt = context.state.now();
    return json(200, new Renderer(context.state, context.api).comment(repo, comment));
  },

  "DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}": (context) => {
    const repo = repoOf(context);
    const index = repo.comments.findIndex((candidate) => candidate.id === intParam(context, "comment_id"));
    if (index < 0) throw notFound();
    repo.comments.splice(index, 1);
    return { status: 204 };
  },

  "GET /repos/{owner}/{repo}/issues/{issue_number}/labels": (context) => {
    const { repo, issue } = issueOf(context);
    return listLabels(context, repo, issue);
  },

  "POST /repos/{owner}/{repo}/issues/{issue_number}/labels": (context) => {
    const { repo, issue } = issueOf(context);
    context.state.addLabels({ owner: repo.owner.login, repo: repo.name, number: issue.number }, ...labelNames(context.body));
    return json(200, new Renderer(context.state, context.api).labels(repo, issue.labels));
  },

  "PUT /repos/{owner}/{repo}/issues/{issue_number}/labels": (context) => {
    const { repo, issue } = issueOf(context);
    issue.labels = [];
    context.state.addLabels({ owner: repo.owner.login, repo: repo.name, number: issue.number }, ...labelNames(context.body));
    return json(200, new Renderer(context.state, context.api).labels(repo, issue.labels));
  },

  "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}": (context) => {
    const { repo, issue } = issueOf(context);
    const name = context.params["name"] ?? "";
    if (!issue.labels.some((label) => label.toLowerCase() === name.toLowerCase())) throw notFound("Label does not exist");
    context.state.removeLabel({ owner: repo.owner.login, repo: repo.name, number: issue.number }, name);
    return json(200, new Renderer(context.state, context.api).labels(repo, issue.labels));
  },
};
