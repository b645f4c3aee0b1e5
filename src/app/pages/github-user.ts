import { createHash } from "node:crypto";
import { Octokit } from "@octokit/rest";

/**
 * The signed-in user's side of GitHub: the App's OAuth web flow (authorize, then the code
 * exchanged for a user-to-server token) and what that token may read. A GitHub App's user
 * token sees a repository only when the user can read it and the App is installed on it,
 * so "GET /repos/{owner}/{repo}" with it answers exactly "may this user see these pages?".
 */
export interface GitHubEndpoints {
  /** https://github.com, or the Enterprise Server's host. */
  web: string;
  /** https://api.github.com, or https://HOST/api/v3. */
  api: string;
}

export function endpointsFrom(env: NodeJS.ProcessEnv): GitHubEndpoints {
  const host = env["GHE_HOST"];
  if (host === undefined || host === "") return { web: "https://github.com", api: "https://api.github.com" };
  const protocol = env["GHE_PROTOCOL"] ?? "https";
  return { web: `${protocol}://${host}`, api: `${protocol}://${host}/api/v3` };
}

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
}

export function authorizeUrl(endpoints: GitHubEndpoints, app: OAuthApp, redirectUri: string, state: string): string {
  const query = new URLSearchParams({ client_id: app.clientId, redirect_uri: redirectUri, state, allow_signup: "false" });
  return `${endpoints.web}/login/oauth/authorize?${query}`;
}

/** The code from GitHub's redirect, exchanged for the user's token and login; null when GitHub refuses it. */
export async function exchangeCode(endpoints: GitHubEndpoints, app: OAuthApp, code: string, redirectUri: string): Promise<{ token: string; login: string } | null> {
  const response = await fetch(`${endpoints.web}/login/oauth/access_token`, {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: redirectUri }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`GitHub answered ${response.status} to the token exchange`);
  // GitHub answers a bad or used code with 200 and an `error` member.
  const body = (await response.json()) as { access_token?: string; error?: string };
  if (typeof body.access_token !== "string" || body.access_token === "") return null;
  const { data } = await userClient(endpoints, body.access_token).request("GET /user");
  return { token: body.access_token, login: data.login };
}

export function userClient(endpoints: GitHubEndpoints, token: string): Octokit {
  return new Octokit({ auth: token, baseUrl: endpoints.api, userAgent: "changegate-pages", log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }, request: { retries: 0 } });
}

export type Access = "none" | "read" | "admin";

/**
 * What a user's token may do on a repository, asked of GitHub and remembered for `ttlMs`
 * (a revoked access shows within that time). Keyed by a hash of the token, never the token.
 */
export class AccessCache {
  private readonly entries = new Map<string, { access: Access; until: number }>();

  constructor(
    private readonly endpoints: GitHubEndpoints,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async access(token: string, owner: string, repo: string): Promise<Access> {
    const key = `${createHash("sha256").update(token).digest("hex")}:${owner.toLowerCase()}/${repo.toLowerCase()}`;
    const cached = this.entries.get(key);
    if (cached !== undefined && cached.until > this.now()) return cached.access;
    let access: Access;
    try {
      const { data } = await userClient(this.endpoints, token).request("GET /repos/{owner}/{repo}", { owner, repo });
      access = data.permissions?.admin === true ? "admin" : data.permissions === undefined || data.permissions.pull ? "read" : "none";
    } catch (error) {
      const status = (error as { status?: number }).status;
      // 404 (cannot see it) and 403 are answers; anything else is GitHub failing: not cached, and not access.
      if (status !== 404 && status !== 403 && status !== 401) throw error;
      access = "none";
    }
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(key, { access, until: this.now() + this.ttlMs });
    return access;
  }

  /** The repositories of the App's installations this user can read (for the pages' index). */
  async readable(token: string): Promise<string[]> {
    const client = userClient(this.endpoints, token);
    const installations = await client.paginate("GET /user/installations", { per_page: 100 });
    const names: string[] = [];
    for (const installation of installations) {
      const repositories = await client.paginate("GET /user/installations/{installation_id}/repositories", { installation_id: installation.id, per_page: 100 });
      names.push(...repositories.map((repository) => repository.full_name));
    }
    return [...new Set(names)].sort();
  }
}
