import { randomBytes } from "node:crypto";
import { errorBody, HttpError, intParam, json, notFound, paginate, type Auth, type JsonObject, type Reply, type RouteContext, type Routes } from "./http.js";
import { permissionFlags, Renderer } from "./render.js";
import type { FakeState, Repository } from "./state.js";

/**
 * A GitHub App's user sign-in, as GitHub's docs describe the web flow
 * (docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app):
 *
 *   GET  /login/oauth/authorize?client_id&redirect_uri&state   (a web page on github.com, not the API)
 *        → the signed-in user approves → 302 redirect_uri?code&state
 *   POST /login/oauth/access_token {client_id, client_secret, code, redirect_uri}
 *        → {access_token: "ghu_…", expires_in: 28800, refresh_token, token_type: "bearer", scope: ""},
 *          or 200 with {error: "bad_verification_code" | "incorrect_client_credentials" | "redirect_uri_mismatch", …}
 *
 * A code lives ten minutes and works once. The user token then acts as that user on the API:
 * it sees a repository only when the user may read it and the App is installed on it.
 * Tests say who is signed in to "github.com" with `signInAs`.
 */
interface OAuthState {
  clientSecret: string;
  signedIn: string | null;
  codes: Map<string, { login: string; redirectUri: string | null; expiresAt: number }>;
  tokens: Map<string, { login: string; expiresAt: number }>;
}

const states = new WeakMap<FakeState, OAuthState>();

export function oauthOf(state: FakeState): OAuthState {
  let found = states.get(state);
  if (found === undefined) states.set(state, (found = { clientSecret: randomBytes(20).toString("hex"), signedIn: null, codes: new Map(), tokens: new Map() }));
  return found;
}

/** The App's OAuth client secret (its client ID is `state.app.clientId`). */
export function oauthClientSecret(state: FakeState): string {
  return oauthOf(state).clientSecret;
}

/** Who is signed in to the fake's web pages (null: nobody, the authorize page asks to sign in). */
export function signInAs(state: FakeState, login: string | null): void {
  if (login !== null) state.user(login);
  oauthOf(state).signedIn = login;
}

/** Expires a user token at once (as GitHub does after eight hours). */
export function expireUserToken(state: FakeState, token: string): void {
  const found = oauthOf(state).tokens.get(token);
  if (found !== undefined) found.expiresAt = 0;
}

/** The user a user-to-server token acts for; null for any other token. */
export function userOfToken(state: FakeState, auth: Auth): string | null {
  if (auth.kind !== "token" || auth.installationId !== null) return null;
  const found = oauthOf(state).tokens.get(auth.token);
  if (found === undefined) return null;
  if (found.expiresAt <= state.clock().getTime()) throw new HttpError(401, errorBody(401, "Bad credentials"));
  return found.login;
}

/** A user token sees a repository the user can read, on an installation of the App. */
export function userMaySee(state: FakeState, repo: Repository, login: string): boolean {
  return repo.installationId !== null && state.permissionOf(repo, login) !== "none";
}

const ERROR_URI = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors";

/** The two web routes; null for any other path (the API's routes answer those). */
export function oauthWebReply(state: FakeState, method: string, path: string, query: URLSearchParams, text: string, contentType: string | undefined): Reply | null {
  const oauth = oauthOf(state);
  if (method === "GET" && path === "/login/oauth/authorize") {
    if (query.get("client_id") !== state.app.clientId) return { status: 404, raw: "<h1>Not Found</h1>", contentType: "text/html" };
    if (oauth.signedIn === null) return { status: 200, raw: "<h1>Sign in to GitHub</h1>", contentType: "text/html" };
    const redirectUri = query.get("redirect_uri");
    if (redirectUri === null) return { status: 400, raw: "<h1>redirect_uri is required by this fake</h1>", contentType: "text/html" };
    const code = randomBytes(10).toString("hex");
    oauth.codes.set(code, { login: oauth.signedIn, redirectUri, expiresAt: state.clock().getTime() + 600_000 });
    const target = new URL(redirectUri);
    target.searchParams.set("code", code);
    const given = query.get("state");
    if (given !== null) target.searchParams.set("state", given);
    return { status: 302, raw: "", contentType: "text/html", headers: { location: target.href } };
  }
  if (method === "POST" && path === "/login/oauth/access_token") {
    const params: JsonObject = contentType?.includes("json") ? (JSON.parse(text || "{}") as JsonObject) : Object.fromEntries(new URLSearchParams(text));
    const fail = (error: string, description: string): Reply => ({ status: 200, body: { error, error_description: description, error_uri: `${ERROR_URI}#${error.replace(/_/g, "-")}` } });
    if (params["client_id"] !== state.app.clientId || params["client_secret"] !== oauth.clientSecret) return fail("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");
    const code = oauth.codes.get(String(params["code"] ?? ""));
    oauth.codes.delete(String(params["code"] ?? ""));
    if (code === undefined || code.expiresAt <= state.clock().getTime()) return fail("bad_verification_code", "The code passed is incorrect or expired.");
    if (params["redirect_uri"] !== undefined && params["redirect_uri"] !== code.redirectUri) return fail("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.");
    const token = `ghu_${randomBytes(18).toString("base64url")}`;
    oauth.tokens.set(token, { login: code.login, expiresAt: state.clock().getTime() + 28_800_000 });
    return { status: 200, body: { access_token: token, expires_in: 28_800, refresh_token: `ghr_${randomBytes(30).toString("base64url")}`, refresh_token_expires_in: 15_897_600, token_type: "bearer", scope: "" } };
  }
  return null;
}

function signedInUser(context: RouteContext): string {
  const login = userOfToken(context.state, context.auth);
  if (login === null) throw new HttpError(403, errorBody(403, "Resource not accessible by integration"));
  return login;
}

/** The API routes a user token calls: who am I, which installations and repositories may I see. */
export const userRoutes: Routes = {
  "GET /user": (context) => {
    const login = signedInUser(context);
    return json(200, new Renderer(context.state, context.api).user(context.state.user(login)));
  },
  "GET /user/installations": (context) => {
    const login = signedInUser(context);
    const render = new Renderer(context.state, context.api);
    const visible = [...context.state.installations.values()].filter((installation) => context.state.installationRepositories(installation.id).some((repo) => userMaySee(context.state, repo, login)));
    const page = paginate(context, visible);
    return json(200, { total_count: visible.length, installations: page.items.map((installation) => render.installation(installation)) }, page.headers);
  },
  "GET /user/installations/{installation_id}/repositories": (context) => {
    const login = signedInUser(context);
    const id = intParam(context, "installation_id");
    const visible = context.state.installationRepositories(id).filter((repo) => userMaySee(context.state, repo, login));
    if (visible.length === 0) throw notFound();
    const render = new Renderer(context.state, context.api);
    const page = paginate(context, visible);
    return json(200, { total_count: visible.length, repositories: page.items.map((repo) => ({ ...render.repository(repo), permissions: permissionFlags(context.state.permissionOf(repo, login)) })) }, page.headers);
  },
};
