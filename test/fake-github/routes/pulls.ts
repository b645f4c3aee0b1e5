import { actorLogin, intParam, json, notFound, paginate, repoOf, unprocessable, type RouteContext, type Routes } from "../http.js";
import { Renderer } from "../render.js";
import type { PullRequest, Repository } from "../state.js";

/** Pull requests, their files (at most 3000, as GitHub), commits and reviews. */

export const MAX_PULL_FILES = 3000;

function pullOf(context: RouteContext): { repo: Repository; pull: PullRequest } {
  const repo = repoOf(context);
  const pull = repo.pulls.get(intParam(context, "pull_number"));
  if (pull === undefined) throw notFound();
  return { repo, pull };
}

export const pullRoutes: Routes = {
  "GET /repos/{owner}/{repo}/pulls": (context) => {
    const repo = repoOf(context);
    const render = new Renderer(context.state, context.api);
    const state = context.query.get("state") ?? "open";
    const head = context.query.get("head");
    const base = context.query.get("base");
    const sort = context.query.get("sort") ?? "created";
    const direction = context.query.get("direction") ?? (sort === "created" ? "desc" : "asc");
    const headMatches = (pull: PullRequest) => {
      if (head === null) return true;
      const [owner, ref] = head.includes(":") ? head.split(":", 2) : [repo.owner.login, head];
      return owner?.toLowerCase() === repo.owner.login.toLowerCase() && ref === pull.head.ref;
    };
    const comments = (pull: PullRequest) => repo.comments.filter((comment) => comment.issueNumber === pull.number).length;
    const sortKey = (pull: PullRequest): number | string => (sort === "updated" ? pull.updatedAt : sort === "popularity" ? comments(pull) : sort === "long-running" ? pull.createdAt : pull.createdAt);
    const pulls = [...repo.pulls.values()]
      .filter((pull) => (state === "all" || pull.state === state) && headMatches(pull) && (base === null || pull.base.ref === base))
      .sort((a, b) => {
        const [x, y] = [sortKey(a), sortKey(b)];
        const order = x < y ? -1 : x > y ? 1 : a.number - b.number;
        return direction === "asc" ? order : -order;
      });
    const page = paginate(context, pulls);
    return json(
      200,
      page.items.map((pull) => render.pullRequest(repo, pull)),
      page.headers,
    );
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}": (context) => {
    const { repo, pull } = pullOf(context);
    return json(200, new Renderer(context.state, context.api).pullRequest(repo, pull, true));
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}/files": (context) => {
    const { repo, pull } = pullOf(context);
    const render = new Renderer(context.state, context.api);
    const page = paginate(context, render.pullFiles(repo, pull), { limit: MAX_PULL_FILES });
    return json(
      200,
      page.items.map((file) => render.diffEntry(repo, file, pull.head.sha)),
      page.headers,
    );
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits": (context) => {
    const { repo, pull } = pullOf(context);
    const render = new Renderer(context.state, context.api);
    const page = paginate(context, render.pullCommits(repo, pull));
    return json(
      200,
      page.items.map((commit) => render.commit(repo, commit)),
      page.headers,
    );
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews": (context) => {
    const { repo, pull } = pullOf(context);
    const render = new Renderer(context.state, context.api);
    const page = paginate(
      context,
      pull.reviews.filter((review) => review.state !== "PENDING"),
    );
    return json(
      200,
      page.items.map((review) => render.review(repo, pull, review)),
      page.headers,
    );
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}": (context) => {
    const { repo, pull } = pullOf(context);
    const review = pull.reviews.find((candidate) => candidate.id === intParam(context, "review_id"));
    if (review === undefined) throw notFound();
    return json(200, new Renderer(context.state, context.api).review(repo, pull, review));
  },

  "GET /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers": (context) => {
    const { pull } = pullOf(context);
    const render = new Renderer(context.state, context.api);
    return json(200, { users: pull.requestedReviewers.map((account) => render.user(account)), teams: [] });
  },

  // The description's 201 answers the pull request; its 422 is "if user is not a collaborator".
  // GitHub also answers 422 for the author ("Review cannot be requested from pull request author.").
  // Team reviewers are not modelled: a request naming one is refused as unimplemented here.
  "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers": (context) => {
    const { repo, pull } = pullOf(context);
    const reviewers = (context.body["reviewers"] as string[] | undefined) ?? [];
    const teams = (context.body["team_reviewers"] as string[] | undefined) ?? [];
    if (teams.length > 0) throw unprocessable("the fake GitHub does not model team review requests");
    if (reviewers.some((login) => login.toLowerCase() === pull.user.login.toLowerCase())) throw unprocessable("Review cannot be requested from pull request author.");
    if (reviewers.some((login) => context.state.permissionOf(repo, login) === "none")) {
      throw unprocessable(`Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${repo.owner.login}/${repo.name} repository.`);
    }
    context.state.requestReviewers({ owner: repo.owner.login, repo: repo.name, number: pull.number }, reviewers, actorLogin(context, repo));
    return json(201, new Renderer(context.state, context.api).pullRequest(repo, pull));
  },

  // The description's 200 answers the pull request; `reviewers` is required.
  "DELETE /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers": (context) => {
    const { repo, pull } = pullOf(context);
    const reviewers = (context.body["reviewers"] as string[] | undefined) ?? [];
    context.state.removeRequestedReviewers({ owner: repo.owner.login, repo: repo.name, number: pull.number }, reviewers, actorLogin(context, repo));
    return json(200, new Renderer(context.state, context.api).pullRequest(repo, pull));
  },
};
