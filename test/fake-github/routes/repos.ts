import type { CommitObject } from "../git.js";
import { actorLogin, conflict, HttpError, errorBody, json, notFound, paginate, repoOf, stringField, unprocessable, type RouteContext, type Routes } from "../http.js";
import { userOfToken } from "../oauth.js";
import { permissionFlags, Renderer } from "../render.js";
import type { Repository } from "../state.js";

/** Repository metadata, contents, commits, comparisons, branches and permissions. */

function commitAt(context: RouteContext, repo: Repository, ref: string): CommitObject {
  const sha = context.state.resolveRef(repo, ref);
  const commit = sha === undefined ? undefined : repo.git.commits.get(sha);
  if (commit === undefined) throw new HttpError(422, errorBody(422, `No commit found for SHA: ${ref}`));
  return commit;
}

function wantsRaw(context: RouteContext): boolean {
  const accept = String(context.headers["accept"] ?? "");
  return /application\/vnd\.github(\.v3)?\.raw/.test(accept);
}

/** "base...head" (or "base..head"); either side may be "owner:branch". */
function parseBasehead(basehead: string): [string, string] {
  const separator = basehead.includes("...") ? "..." : "..";
  const index = basehead.indexOf(separator);
  if (index < 0) throw notFound();
  const strip = (side: string) => (side.includes(":") ? side.slice(side.indexOf(":") + 1) : side);
  return [strip(basehead.slice(0, index)), strip(basehead.slice(index + separator.length))];
}

function compare(context: RouteContext, baseRef: string, headRef: string) {
  const repo = repoOf(context);
  const render = new Renderer(context.state, context.api);
  const base = context.state.resolveRef(repo, baseRef);
  const head = context.state.resolveRef(repo, headRef);
  if (base === undefined || head === undefined) throw notFound();
  const mergeBase = repo.git.mergeBase(base, head);
  if (mergeBase === undefined) throw new HttpError(404, errorBody(404, `No common ancestor between ${baseRef} and ${headRef}.`));
  const ahead = repo.git.commitsBetween(mergeBase, head);
  const behind = repo.git.commitsBetween(mergeBase, base);
  const status = ahead.length === 0 && behind.length === 0 ? "identical" : ahead.length === 0 ? "behind" : behind.length === 0 ? "ahead" : "diverged";
  const paginated = context.query.has("page") || context.query.has("per_page");
  const page = paginated ? paginate(context, ahead) : { items: ahead.slice(0, 250), headers: {} };
  const firstPage = Number(context.query.get("page") ?? 1) <= 1;
  const baseCommit = repo.git.commits.get(base)!;
  const mergeBaseCommit = repo.git.commits.get(mergeBase)!;
  const headCommit = repo.git.commits.get(head)!;
  const html = `https://github.com/${repo.fullName}/compare/${baseRef}...${headRef}`;
  return json(
    200,
    {
      url: `${context.api}/repos/${repo.fullName}/compare/${baseRef}...${headRef}`,
      html_url: html,
      permalink_url: `https://github.com/${repo.fullName}/compare/${repo.owner.login}:${base.slice(0, 7)}...${repo.owner.login}:${head.slice(0, 7)}`,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      base_commit: render.commit(repo, baseCommit),
      merge_base_commit: render.commit(repo, mergeBaseCommit),
      status,
      ahead_by: ahead.length,
      behind_by: behind.length,
      total_commits: ahead.length,
      commits: page.items.map((commit) => render.commit(repo, commit)),
      files: firstPage ? render.diffEntries(repo, repo.git.diffTrees(mergeBaseCommit.tree, headCommit.tree), head).slice(0, 300) : [],
    },
    page.headers,
  );
}

function putContents(context: RouteContext) {
  const repo = repoOf(context);
  const path = (context.params["path"] ?? "").replace(/^\/+/, "");
  const branch = stringField(context.body, "branch") ?? repo.defaultBranch;
  const tip = repo.refs.get(`refs/heads/${branch}`);
  if (tip === undefined) throw notFound(`Branch ${branch} not found`);
  const tree = repo.git.commits.get(tip)?.tree;
  const existing = tree === undefined ? undefined : repo.git.entryAt(tree, path);
  if (existing !== undefined && existing.type !== "blob") throw unprocessable(`${path} is a directory`);
  const given = stringField(context.body, "sha");
  const deleting = context.method === "DELETE";
  if (existing === undefined && deleting) throw notFound();
  if (existing !== undefined && given === undefined) throw unprocessable(`Invalid request.\n\n"sha" wasn't supplied.`);
  if (given !== undefined && given !== existing?.sha) throw conflict(`${path} does not match ${given}`);
  const content = deleting ? null : Buffer.from(stringField(context.body, "content") ?? "", "base64").toString("utf8");
  const author = context.body["author"] as { name?: string; email?: string; date?: string } | undefined;
  const login = actorLogin(context, repo);
  const commit = context.state.commitOnto(repo, tip, { [path]: content }, { message: stringField(context.body, "message") ?? `Update ${path}`, author: login });
  if (author?.name !== undefined && author.email !== undefined) {
    commit.author = { name: author.name, email: author.email, date: author.date ?? commit.author.date };
  }
  context.state.moveRef(repo, `refs/heads/${branch}`, commit.sha, login);
  const render = new Renderer(context.state, context.api);
  const entry = deleting ? undefined : repo.git.entryAt(commit.tree, path);
  return json(deleting || existing !== undefined ? 200 : 201, {
    content: entry === undefined ? null : render.content(repo, entry, branch, false),
    commit: render.gitCommit(repo, commit),
  });
}

export const repoRoutes: Routes = {
  "GET /repos/{owner}/{repo}": (context) => {
    const repo = repoOf(context);
    const user = userOfToken(context.state, context.auth);
    // A user token's answer carries that user's own permissions.
    return json(200, { ...new Renderer(context.state, context.api).repository(repo), ...(user === null ? {} : { permissions: permissionFlags(context.state.permissionOf(repo, user)) }) });
  },

  "GET /repos/{owner}/{repo}/contents/{path}": (context) => {
    const repo = repoOf(context);
    const ref = context.query.get("ref") ?? repo.defaultBranch;
    const sha = context.state.resolveRef(repo, ref);
    const commit = sha === undefined ? undefined : repo.git.commits.get(sha);
    if (commit === undefined) throw notFound(`No commit found for the ref ${ref}`);
    const path = (context.params["path"] ?? "").replace(/^\/+|\/+$/g, "");
    const entry = repo.git.entryAt(commit.tree, path);
    if (entry === undefined) throw notFound();
    const render = new Renderer(context.state, context.api);
    if (entry.type === "tree") {
      return json(
        200,
        repo.git.flatten(entry.sha, false, path === "" ? "" : `${path}/`).map((child) => render.content(repo, child, ref, false)),
      );
    }
    if (wantsRaw(context)) return { status: 200, raw: repo.git.text(entry.sha), contentType: "application/vnd.github.raw; charset=utf-8" };
    return json(200, render.content(repo, entry, ref, true));
  },

  "PUT /repos/{owner}/{repo}/contents/{path}": putContents,
  "DELETE /repos/{owner}/{repo}/contents/{path}": putContents,

  "GET /repos/{owner}/{repo}/collaborators/{username}/permission": (context) => {
    const repo = repoOf(context);
    const login = context.params["username"] ?? "";
    const account = context.state.findUser(login);
    if (account === undefined) throw notFound(`${login} is not a user`);
    return json(200, new Renderer(context.state, context.api).collaboratorPermission(repo, account));
  },

  "GET /repos/{owner}/{repo}/commits/{ref}": (context) => {
    const repo = repoOf(context);
    return json(200, new Renderer(context.state, context.api).commit(repo, commitAt(context, repo, context.params["ref"] ?? ""), true));
  },

  "GET /repos/{owner}/{repo}/commits": (context) => {
    const repo = repoOf(context);
    const head = commitAt(context, repo, context.query.get("sha") ?? repo.defaultBranch);
    const path = context.query.get("path");
    let commits = repo.git.commitsBetween(undefined, head.sha).reverse();
    if (path !== null) {
      commits = commits.filter((commit) => {
        const parentTree = commit.parents[0] === undefined ? null : (repo.git.commits.get(commit.parents[0])?.tree ?? null);
        return repo.git.diffTrees(parentTree, commit.tree).some((diff) => diff.filename === path || diff.filename.startsWith(`${path}/`));
      });
    }
    const render = new Renderer(context.state, context.api);
    const page = paginate(context, commits);
    return json(
      200,
      page.items.map((commit) => render.commit(repo, commit)),
      page.headers,
    );
  },

  "GET /repos/{owner}/{repo}/compare/{basehead}": (context) => {
    const [base, head] = parseBasehead(context.params["basehead"] ?? "");
    return compare(context, base, head);
  },

  "GET /repos/{owner}/{repo}/compare/{base}...{head}": (context) => compare(context, context.params["base"] ?? "", context.params["head"] ?? ""),

  "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls": (context) => {
    const repo = repoOf(context);
    const render = new Renderer(context.state, context.api);
    const sha = context.state.resolveRef(repo, context.params["commit_sha"] ?? "") ?? context.params["commit_sha"] ?? "";
    const pulls = [...repo.pulls.values()]
      .filter((pull) => pull.head.sha === sha || pull.mergeCommitSha === sha || render.pullCommits(repo, pull).some((commit) => commit.sha === sha))
      .sort((a, b) => b.number - a.number);
    const page = paginate(context, pulls);
    return json(
      200,
      page.items.map((pull) => render.pullRequest(repo, pull)),
      page.headers,
    );
  },

  "GET /repos/{owner}/{repo}/branches": (context) => {
    const repo = repoOf(context);
    const branches = [...repo.refs]
      .filter(([name]) => name.startsWith("refs/heads/"))
      .map(([name, sha]) => [name.slice("refs/heads/".length), sha] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    const page = paginate(context, branches);
    return json(
      200,
      page.items.map(([name, sha]) => ({ name, commit: { sha, url: `${context.api}/repos/${repo.fullName}/commits/${sha}` }, protected: false })),
      page.headers,
    );
  },

  "GET /repos/{owner}/{repo}/branches/{branch}": (context) => {
    const repo = repoOf(context);
    const name = context.params["branch"] ?? "";
    const sha = repo.refs.get(`refs/heads/${name}`);
    const commit = sha === undefined ? undefined : repo.git.commits.get(sha);
    if (commit === undefined) throw notFound("Branch not found");
    return json(200, new Renderer(context.state, context.api).branch(repo, name, commit));
  },

  "GET /repos/{owner}/{repo}/activity": (context) => {
    const repo = repoOf(context);
    const render = new Renderer(context.state, context.api);
    const query = context.query;
    const ref = query.get("ref");
    const fullRef = ref === null ? null : ref.startsWith("refs/") ? ref : `refs/heads/${ref}`;
    const actor = query.get("actor")?.toLowerCase();
    const type = query.get("activity_type");
    const period = query.get("time_period");
    const days: Record<string, number> = { day: 1, week: 7, month: 30, quarter: 91, year: 365 };
    const since = period === null ? null : new Date(context.state.clock().getTime() - (days[period] ?? 0) * 86_400_000).toISOString();
    let items = repo.activity.filter(
      (activity) =>
        (fullRef === null || activity.ref === fullRef) &&
        (actor === undefined || activity.actor?.login.toLowerCase() === actor) &&
        (type === null || activity.type === type) &&
        (since === null || activity.timestamp >= since.replace(/\.\d{3}Z$/, "Z")),
    );
    if ((query.get("direction") ?? "desc") === "desc") items = [...items].reverse();
    // GitHub pages this list with opaque before/after cursors; here a cursor is an activity id.
    const after = query.get("after");
    const before = query.get("before");
    if (after !== null) items = items.slice(items.findIndex((activity) => String(activity.id) === after) + 1);
    if (before !== null) items = items.slice(0, Math.max(0, items.findIndex((activity) => String(activity.id) === before)));
    const perPage = Math.min(100, Math.max(1, Number(query.get("per_page") ?? 30) || 30));
    const page = items.slice(0, perPage);
    const headers: Record<string, string> = {};
    const last = page.at(-1);
    if (items.length > perPage && last !== undefined) {
      const next = new URL(context.requestUrl.href);
      next.searchParams.delete("before");
      next.searchParams.set("after", String(last.id));
      headers["link"] = `<${next.href}>; rel="next"`;
    }
    return json(
      200,
      page.map((activity) => ({
        id: activity.id,
        node_id: Buffer.from(`012:RepositoryActivity${activity.id}`).toString("base64"),
        before: activity.before,
        after: activity.after,
        ref: activity.ref,
        timestamp: activity.timestamp,
        activity_type: activity.type,
        actor: activity.actor === null ? null : render.user(activity.actor),
      })),
      headers,
    );
  },

  "GET /repos/{owner}/{repo}/labels": (context) => {
    const repo = repoOf(context);
    const render = new Renderer(context.state, context.api);
    const page = paginate(context, [...repo.labels.values()]);
    return json(
      200,
      page.items.map((label) => render.label(repo, label)),
      page.headers,
    );
  },
};
