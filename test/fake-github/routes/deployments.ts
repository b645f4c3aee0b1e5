import { actorLogin, intParam, json, notFound, paginate, repoOf, stringField, type RouteContext, type Routes } from "../http.js";
import { Renderer } from "../render.js";
import type { Deployment, DeploymentState, Repository } from "../state.js";

/** Deployments and their statuses, newest first as GitHub lists them. */

function deploymentOf(context: RouteContext): { repo: Repository; deployment: Deployment } {
  const repo = repoOf(context);
  const deployment = repo.deployments.find((candidate) => candidate.id === intParam(context, "deployment_id"));
  if (deployment === undefined) throw notFound();
  return { repo, deployment };
}

export const deploymentRoutes: Routes = {
  "GET /repos/{owner}/{repo}/deployments": (context) => {
    const repo = repoOf(context);
    const render = new Renderer(context.state, context.api);
    // The description declares "none" as each filter's default: no filtering.
    const filter = (name: string) => {
      const value = context.query.get(name);
      return value === null || value === "none" ? null : value;
    };
    const [sha, ref, task, environment] = [filter("sha"), filter("ref"), filter("task"), filter("environment")];
    const deployments = [...repo.deployments]
      .reverse()
      .filter(
        (deployment) =>
          (sha === null || deployment.sha === sha) && (ref === null || deployment.ref === ref) && (task === null || deployment.task === task) && (environment === null || deployment.environment === environment),
      );
    const page = paginate(context, deployments);
    return json(
      200,
      page.items.map((deployment) => render.deployment(repo, deployment)),
      page.headers,
    );
  },

  "GET /repos/{owner}/{repo}/deployments/{deployment_id}": (context) => {
    const { repo, deployment } = deploymentOf(context);
    return json(200, new Renderer(context.state, context.api).deployment(repo, deployment));
  },

  "POST /repos/{owner}/{repo}/deployments": (context) => {
    const repo = repoOf(context);
    const ref = stringField(context.body, "ref") ?? "";
    const sha = context.state.resolveRef(repo, ref);
    if (sha === undefined) throw notFound(`No ref found for: ${ref}`);
    const payload = context.body["payload"];
    const deployment = context.state.addDeployment(repo.owner.login, repo.name, {
      sha,
      ref,
      task: stringField(context.body, "task"),
      environment: stringField(context.body, "environment"),
      description: stringField(context.body, "description"),
      payload: payload !== null && typeof payload === "object" ? (payload as Record<string, unknown>) : {},
      creator: actorLogin(context, repo),
    });
    return json(201, new Renderer(context.state, context.api).deployment(repo, deployment));
  },

  "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses": (context) => {
    const { repo, deployment } = deploymentOf(context);
    const render = new Renderer(context.state, context.api);
    const page = paginate(context, [...deployment.statuses].reverse());
    return json(
      200,
      page.items.map((status) => render.deploymentStatus(repo, deployment, status)),
      page.headers,
    );
  },

  "POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses": (context) => {
    const { repo, deployment } = deploymentOf(context);
    const status = context.state.addDeploymentStatus(repo.owner.login, repo.name, deployment.id, stringField(context.body, "state") as DeploymentState, {
      description: stringField(context.body, "description"),
      environmentUrl: stringField(context.body, "environment_url"),
    });
    return json(201, new Renderer(context.state, context.api).deploymentStatus(repo, deployment, status));
  },
};
