import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { GitHubClient } from "../../github/access.js";
import type { RedisLike } from "../lock.js";
import { CONTENT_SECURITY_POLICY, PAGES, pageHtml, type PageName } from "../../site/pages.js";
import { detailsScript } from "../../site/site-data.js";
import { assetsDir } from "../../site/write-site.js";
import { FeedSecrets } from "./feed-secrets.js";
import { AccessCache, authorizeUrl, endpointsFrom, exchangeCode, type GitHubEndpoints, type OAuthApp } from "./github-user.js";
import { cookieHeader, parseCookies, sealer, type Sealer } from "./session.js";
import { SiteIndex } from "./site-index.js";

/**
 * The site's pages, served by the App at /changegate/ to people signed in with GitHub, for
 * the repositories of its installations that they can read:
 *
 *   /changegate/                              the repositories you can read
 *   /changegate/OWNER/REPO/(index|investigate|calendar|metrics).html, assets/, data/
 *   /changegate/OWNER/REPO/feed               the calendar feed's URL (admins: rotate it)
 *   /changegate/feed/OWNER/REPO/SECRET.ics    the feed itself: no sign-in, the secret is the key
 *   /changegate/login, /callback, /logout     the App's OAuth web flow
 *
 * Signed out: to sign-in. Signed in without read access, or a repository that does not
 * exist or is not enrolled: 404, the same answer, so that existence does not leak.
 */
export interface PagesOptions {
  oauth: OAuthApp;
  sessionSecret: string;
  endpoints: GitHubEndpoints;
  /** Where the App is reached (for the OAuth redirect and the feed URL); else from the request's Host. */
  publicUrl?: string;
  appClient: () => Promise<GitHubClient>;
  installationClient: (installationId: number) => Promise<GitHubClient>;
  redis?: RedisLike | null;
  now?: () => number;
  sessionHours?: number;
  accessTtlMs?: number;
  refreshMs?: number;
  log?: { warn(object: object, message: string): void };
}

interface Session {
  login: string;
  token: string;
}

const PREFIX = "/changegate";
const SESSION_COOKIE = "changegate_session";
const STATE_COOKIE = "changegate_oauth";

/** The pages' handler when the environment configures them (else null, and /changegate/ is not served). */
export function pagesFromEnv(env: NodeJS.ProcessEnv, clients: Pick<PagesOptions, "appClient" | "installationClient" | "redis" | "log">): ((request: IncomingMessage, response: ServerResponse) => Promise<boolean>) | null {
  const clientId = env["GITHUB_CLIENT_ID"];
  const clientSecret = env["GITHUB_CLIENT_SECRET"];
  const sessionSecret = env["CHANGEGATE_SESSION_SECRET"];
  if (!clientId || !clientSecret || !sessionSecret) return null;
  const refresh = env["CHANGEGATE_PAGES_REFRESH_SECONDS"];
  return pagesHandler({
    ...clients,
    oauth: { clientId, clientSecret },
    sessionSecret,
    endpoints: endpointsFrom(env),
    ...(env["CHANGEGATE_PUBLIC_URL"] ? { publicUrl: env["CHANGEGATE_PUBLIC_URL"] } : {}),
    ...(refresh ? { refreshMs: Number(refresh) * 1000 } : {}),
  });
}

export function pagesHandler(options: PagesOptions): (request: IncomingMessage, response: ServerResponse) => Promise<boolean> {
  const now = options.now ?? Date.now;
  const sessions: Sealer = sealer(options.sessionSecret, "session");
  const states: Sealer = sealer(options.sessionSecret, "oauth-state");
  const access = new AccessCache(options.endpoints, options.accessTtlMs ?? 60_000, now);
  const feeds = new FeedSecrets(options.redis ?? null);
  const installations = new Map<string, number>();
  const index = new SiteIndex({
    now,
    ...(options.refreshMs === undefined ? {} : { refreshMs: options.refreshMs }),
    async client(owner, repo) {
      const key = `${owner}/${repo}`.toLowerCase();
      let id = installations.get(key);
      if (id === undefined) {
        const { data } = await (await options.appClient()).request("GET /repos/{owner}/{repo}/installation", { owner, repo });
        installations.set(key, (id = data.id));
      }
      return options.installationClient(id);
    },
  });
  const sessionMs = (options.sessionHours ?? 8) * 3_600_000;

  return async (request, response) => {
    const url = new URL(request.url ?? "/", "http://changegate.invalid");
    if (url.pathname !== PREFIX && !url.pathname.startsWith(`${PREFIX}/`)) return false;
    const base = options.publicUrl?.replace(/\/+$/, "") ?? `${isTls(request) ? "https" : "http"}://${request.headers.host ?? "localhost"}`;
    const secure = base.startsWith("https:") || isTls(request);
    const cookies = parseCookies(request.headers.cookie);
    const path = url.pathname.slice(PREFIX.length).replace(/^\/+/, "");
    const method = request.method ?? "GET";
    try {
      if (path === "login") {
        const state = randomBytes(24).toString("base64url");
        const next = safeNext(url.searchParams.get("next"));
        response.setHeader("set-cookie", cookieHeader(STATE_COOKIE, states.seal({ state, next }, now() + 600_000), { maxAgeSeconds: 600, secure, path: PREFIX }));
        return redirect(response, authorizeUrl(options.endpoints, options.oauth, `${base}${PREFIX}/callback`, state));
      }
      if (path === "callback") {
        const expected = states.open<{ state: string; next: string }>(cookies[STATE_COOKIE], now());
        const given = url.searchParams.get("state") ?? "";
        const code = url.searchParams.get("code") ?? "";
        if (expected === null || !sameText(expected.state, given) || code === "") return text(response, 400, "This sign-in link is not the one this browser started (or it expired). Sign in again from /changegate/.");
        const user = await exchangeCode(options.endpoints, options.oauth, code, `${base}${PREFIX}/callback`);
        if (user === null) return text(response, 400, "GitHub did not accept this sign-in (the code was used or expired). Sign in again from /changegate/.");
        response.setHeader("set-cookie", [
          cookieHeader(SESSION_COOKIE, sessions.seal(user, now() + sessionMs), { maxAgeSeconds: Math.floor(sessionMs / 1000), secure, path: PREFIX }),
          cookieHeader(STATE_COOKIE, "", { maxAgeSeconds: 0, secure, path: PREFIX }),
        ]);
        return redirect(response, expected.next);
      }
      if (path === "logout") {
        response.setHeader("set-cookie", cookieHeader(SESSION_COOKIE, "", { maxAgeSeconds: 0, secure, path: PREFIX }));
        return redirect(response, `${PREFIX}/`);
      }
      if (path === "-/site.css") return asset(response, "site.css");
      const feed = /^feed\/([\w.-]+)\/([\w.-]+)\/([\w-]+)\.ics$/.exec(path);
      if (feed !== null && method === "GET") {
        const [, owner, repo, secret] = feed as unknown as [string, string, string, string];
        if (!(await feeds.matches(`${owner}/${repo}`, secret))) return notFound(response);
        const pages = await index.pages(owner, repo);
        if (pages === null) return notFound(response);
        return send(response, 200, "text/calendar; charset=utf-8", pages.ics);
      }

      const session = sessions.open<Session>(cookies[SESSION_COOKIE], now());
      if (session === null) return redirect(response, `${PREFIX}/login?next=${encodeURIComponent(url.pathname + url.search)}`);
      if (path === "") return html(response, 200, "Your repositories", repositoryList(await access.readable(session.token), session.login));

      const match = /^([\w.-]+)\/([\w.-]+)(?:\/(.*))?$/.exec(path);
      if (match === null) return notFound(response);
      const [, owner, repo, rest = ""] = match as unknown as [string, string, string, string | undefined];
      if (rest === "" && !url.pathname.endsWith("/")) return redirect(response, `${url.pathname}/`);
      const can = await access.access(session.token, owner, repo);
      if (can === "none") return notFound(response);
      if (rest.startsWith("assets/")) return asset(response, rest.slice("assets/".length));
      // Not enrolled answers as no access does.
      const pages = await index.pages(owner, repo);
      if (pages === null) return notFound(response);
      const page = (rest === "" ? "index" : rest.replace(/\.html$/, "")) as PageName;
      if ((rest === "" || rest.endsWith(".html")) && PAGES.includes(page)) return send(response, 200, "text/html; charset=utf-8", pageHtml(page), { "content-security-policy": `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'` });
      if (rest === "data/site.js") return send(response, 200, "text/javascript; charset=utf-8", pages.script);
      const details = /^data\/details-(\d+)\.js$/.exec(rest);
      if (details !== null) {
        const chunk = pages.details.get(Number(details[1]));
        return chunk === undefined ? notFound(response) : send(response, 200, "text/javascript; charset=utf-8", detailsScript(Number(details[1]), chunk));
      }
      if (rest === "calendar.ics") return send(response, 200, "text/calendar; charset=utf-8", pages.ics);
      const repository = `${owner}/${repo}`;
      if (rest === "feed" && method === "GET") return html(response, 200, `Calendar feed of ${repository}`, feedPage(repository, `${base}${PREFIX}/feed/${repository}/${await feeds.secret(repository)}.ics`, can === "admin"));
      if (rest === "feed/rotate" && method === "POST") {
        // SameSite=Lax keeps the cookie off cross-site POSTs; a browser's Origin says the same.
        const origin = request.headers.origin;
        if (can !== "admin" || (origin !== undefined && origin !== new URL(base).origin)) return notFound(response);
        await feeds.rotate(repository);
        response.writeHead(303, { location: `${PREFIX}/${repository}/feed`, "cache-control": "no-store" }).end();
        return true;
      }
      return notFound(response);
    } catch (error) {
      options.log?.warn({ err: error }, "changegate pages: GitHub failed");
      return text(response, 503, "GitHub did not answer as expected; try again in a minute.");
    }
  };
}

function isTls(request: IncomingMessage): boolean {
  return (request.socket as { encrypted?: boolean }).encrypted === true || request.headers["x-forwarded-proto"] === "https";
}

/** Only a path of these pages: never another site (an open redirect) or a scheme-relative //host. */
function safeNext(next: string | null): string {
  return next !== null && next.startsWith(`${PREFIX}/`) && !next.startsWith("//") && !/[\\\r\n]/.test(next) ? next : `${PREFIX}/`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const SECURITY_HEADERS = { "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "cache-control": "private, no-store" };

function send(response: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): true {
  response.writeHead(status, { "content-type": type, ...SECURITY_HEADERS, ...headers }).end(body);
  return true;
}

function redirect(response: ServerResponse, location: string): true {
  response.writeHead(302, { location, "cache-control": "no-store" }).end();
  return true;
}

function text(response: ServerResponse, status: number, message: string): true {
  return send(response, status, "text/plain; charset=utf-8", `${message}\n`);
}

function notFound(response: ServerResponse): true {
  return text(response, 404, "Not Found");
}

const ASSETS = new Map<string, string>([
  ["site.js", "text/javascript; charset=utf-8"],
  ["site.css", "text/css; charset=utf-8"],
]);

function asset(response: ServerResponse, name: string): true {
  const type = ASSETS.get(name);
  if (type === undefined) return notFound(response);
  return send(response, 200, type, readFileSync(join(assetsDir(), name)));
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A server-written page: every value escaped, no script at all. */
function html(response: ServerResponse, status: number, title: string, body: string): true {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · changegate</title><link rel="stylesheet" href="${PREFIX}/-/site.css"></head><body><main id="main"><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
  return send(response, status, "text/html; charset=utf-8", page, { "content-security-policy": "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'" });
}

function repositoryList(repositories: string[], login: string): string {
  const items = repositories.map((name) => `<li><a href="${PREFIX}/${escapeHtml(name)}/">${escapeHtml(name)}</a></li>`).join("");
  return `<p>Signed in as ${escapeHtml(login)} (<a href="${PREFIX}/logout">sign out</a>).</p>${repositories.length === 0 ? "<p>No repository of changegate's installations that you can read.</p>" : `<ul>${items}</ul>`}`;
}

function feedPage(repository: string, feedUrl: string, admin: boolean): string {
  const rotate = admin ? `<form method="post" action="${PREFIX}/${escapeHtml(repository)}/feed/rotate"><button type="submit">Rotate the secret</button> (the URL above stops working)</form>` : "<p>A repository admin can rotate this URL.</p>";
  return `<p>Subscribe a calendar app to this URL. Anyone with it can read the calendar of ${escapeHtml(repository)}: share it as a password.</p><p><code>${escapeHtml(feedUrl)}</code></p>${rotate}<p><a href="${PREFIX}/${escapeHtml(repository)}/calendar.html">Back to the calendar</a></p>`;
}
