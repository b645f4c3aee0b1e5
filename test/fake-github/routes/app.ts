import { errorBody, HttpError, intParam, json, linkHeader, notFound, paginate, repoOf, type RouteContext, type Routes } from "../http.js";
import { Renderer } from "../render.js";
import type { Installation } from "../state.js";

/** Routes a GitHub App calls as itself (with its JWT), and the installation-token ones. */

/** Route keys that need the app's JWT ("Bearer <jwt>"), as on GitHub. */
export const JWT_ROUTES = new Set([
  "GET /app",
  "GET /app/installations",
  "GET /app/installations/{installation_id}",
  "POST /app/installations/{installation_id}/access_tokens",
  "GET /repos/{owner}/{repo}/installation",
  "GET /orgs/{org}/installation",
  "GET /users/{username}/installation",
  "GET /app/hook/deliveries",
  "GET /app/hook/deliveries/{delivery_id}",
  "POST /app/hook/deliveries/{delivery_id}/attempts",
]);

/** The route that mints installation tokens (request logs flag it so tests can leave it out of counts). */
export const TOKEN_ROUTE = "POST /app/installations/{installation_id}/access_tokens";

function installationFor(context: RouteContext, login: string): Installation {
  const found = [...context.state.installations.values()].find((installation) => installation.account.login.toLowerCase() === login.toLowerCase());
  if (found === undefined) throw notFound();
  return found;
}

export const appRoutes: Routes = {
  "GET /app": (context) => json(200, new Renderer(context.state, context.api).app(context.state.app)),

  "GET /app/installations": (context) => {
    const render = new Renderer(context.state, context.api);
    const page = paginate(context, [...context.state.installations.values()]);
    return json(
      200,
      page.items.map((installation) => render.installation(installation)),
      page.headers,
    );
  },

  "GET /app/installations/{installation_id}": (context) => {
    const installation = context.state.installations.get(intParam(context, "installation_id"));
    if (installation === undefined) throw notFound();
    return json(200, new Renderer(context.state, context.api).installation(installation));
  },

  [TOKEN_ROUTE]: (context) => {
    const installation = context.state.installations.get(intParam(context, "installation_id"));
    if (installation === undefined) throw notFound();
    if (installation.suspendedAt !== null) throw new HttpError(403, errorBody(403, "This installation has been suspended"));
    const render = new Renderer(context.state, context.api);
    let repositories = context.state.installationRepositories(installation.id);
    const names = context.body["repositories"];
    const ids = context.body["repository_ids"];
    if (Array.isArray(names) || Array.isArray(ids)) {
      const wanted = repositories.filter((repo) => (Array.isArray(names) && names.some((name) => String(name).toLowerCase() === repo.name.toLowerCase())) || (Array.isArray(ids) && ids.includes(repo.id)));
      const asked = (Array.isArray(names) ? names.length : 0) + (Array.isArray(ids) ? ids.length : 0);
      if (wanted.length < asked) throw new HttpError(422, errorBody(422, "There is at least one repository that does not exist or is not accessible to the parent installation."));
      repositories = wanted;
    }
    const token = context.state.mintToken(installation.id);
    const permissions = (context.body["permissions"] as Record<string, string> | undefined) ?? installation.permissions;
    return json(201, {
      token: token.token,
      expires_at: token.expiresAt,
      permissions,
      repository_selection: installation.repositorySelection,
      ...(Array.isArray(names) || Array.isArray(ids) ? { repositories: repositories.map((repo) => render.repository(repo)) } : {}),
    });
  },

  "GET /repos/{owner}/{repo}/installation": (context) => {
    const repo = repoOf(context);
    const installation = repo.installationId === null ? undefined : context.state.installations.get(repo.installationId);
    if (installation === undefined) throw notFound();
    return json(200, new Renderer(context.state, context.api).installation(installation));
  },

  "GET /orgs/{org}/installation": (context) => json(200, new Renderer(context.state, context.api).installation(installationFor(context, context.params["org"] ?? ""))),

  "GET /users/{username}/installation": (context) => json(200, new Renderer(context.state, context.api).installation(installationFor(context, context.params["username"] ?? ""))),

  "GET /installation/repositories": (context) => {
    const { auth } = context;
    if (auth.kind !== "token") throw new HttpError(403, errorBody(403, "You must authenticate with an installation access token in order to list repositories for an installation."));
    const installationId = auth.installationId ?? [...context.state.installations.keys()][0];
    const repositories = installationId === undefined ? [] : context.state.installationRepositories(installationId);
    const render = new Renderer(context.state, context.api);
    const page = paginate(context, repositories);
    const installation = installationId === undefined ? undefined : context.state.installations.get(installationId);
    return json(
      200,
      { total_count: repositories.length, repository_selection: installation?.repositorySelection ?? "selected", repositories: page.items.map((repo) => render.repository(repo)) },
      page.headers,
    );
  },

  "GET /app/hook/deliveries": (context) => {
    const render = new Renderer(context.state, context.api);
    const status = context.query.get("status");
    const all = [...context.state.deliveries]
      .reverse()
      .filter((delivery) => status === null || (status === "success") === (delivery.statusCode >= 200 && delivery.statusCode < 300));
    // GitHub pages deliveries with an opaque cursor; here it is the offset.
    const perPage = Math.min(100, Math.max(1, Number(context.query.get("per_page") ?? 30) || 30));
    const offset = Math.max(0, Number(context.query.get("cursor") ?? 0) || 0);
    const items = all.slice(offset, offset + perPage);
    const headers: Record<string, string> = {};
    if (offset + perPage < all.length) {
      const page = Math.floor(offset / perPage) + 1;
      const link = linkHeader(context.requestUrl, page, page + 1, (url, number) => url.searchParams.set("cursor", String((number - 1) * perPage)));
      if (link !== undefined) headers["link"] = link.split(", ").filter((part) => part.includes('rel="next"')).join(", ");
    }
    return json(
      200,
      items.map((delivery) => render.delivery(delivery, false)),
      headers,
    );
  },

  "GET /app/hook/deliveries/{delivery_id}": (context) => {
    const delivery = context.state.deliveries.find((candidate) => candidate.id === intParam(context, "delivery_id"));
    if (delivery === undefined) throw notFound();
    return json(200, new Renderer(context.state, context.api).delivery(delivery, true));
  },

  "POST /app/hook/deliveries/{delivery_id}/attempts": async (context) => {
    const delivery = context.state.deliveries.find((candidate) => candidate.id === intParam(context, "delivery_id"));
    if (delivery === undefined) throw notFound();
    context.state.redeliveryRequests.push({ deliveryId: delivery.id, at: context.state.now(), delivery });
    if (context.hooks.onRedeliver !== null) {
      try {
        await context.hooks.onRedeliver(delivery);
      } catch (error) {
        console.error("fake-github: the redelivery callback failed:", error);
      }
    }
    return json(202, {});
  },

  "GET /rate_limit": (context) => {
    const { limit, used, resetAt } = context.state.rateLimit;
    const core = { limit, used, remaining: Math.max(0, limit - used), reset: resetAt };
    const other = (size: number) => ({ limit: size, used: 0, remaining: size, reset: resetAt });
    return json(200, {
      resources: { core, search: other(30), graphql: other(5000), integration_manifest: other(5000), code_search: other(10) },
      rate: core,
    });
  },
};
