import type { IncomingHttpHeaders } from "node:http";
import { userMaySee, userOfToken } from "./oauth.js";
import type { FakeState, HookDelivery, Repository } from "./state.js";

/** What a route handler answers; `body` is serialised as JSON unless `raw` is given. */
export interface Reply {
  status: number;
  body?: unknown;
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export type JsonObject = Record<string, unknown>;

export type Auth =
  | { kind: "none" }
  | { kind: "jwt"; token: string }
  /** `installationId` is null for a token the fake did not mint (a PAT, an Actions GITHUB_TOKEN). */
  | { kind: "token"; token: string; installationId: number | null };

export interface ServerHooks {
  /** Called for `POST /app/hook/deliveries/{delivery_id}/attempts`. */
  onRedeliver: ((delivery: HookDelivery) => void | Promise<void>) | null;
}

export interface RouteContext {
  state: FakeState;
  method: string;
  /** The matched template, e.g. "/repos/{owner}/{repo}/pulls/{pull_number}". */
  template: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: JsonObject;
  headers: IncomingHttpHeaders;
  auth: Auth;
  /** The API root the client used, e.g. "http://127.0.0.1:1234" or ".../api/v3"; URLs in answers start with it. */
  api: string;
  /** The request's absolute URL (for Link headers). */
  requestUrl: URL;
  hooks: ServerHooks;
}

export type Handler = (context: RouteContext) => Reply | Promise<Reply>;

/** "METHOD /template" -> handler. */
export type Routes = Record<string, Handler>;

export const DOCUMENTATION_URL = "https://docs.github.com/rest";

export interface ValidationIssue {
  resource: string;
  field: string;
  code: "missing_field" | "missing" | "invalid" | "already_exists" | "unprocessable" | "custom";
  message: string;
}

/** An error answer, thrown from handlers and validation; the server turns it into a response. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: JsonObject,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body["message"] === "string" ? body["message"] : `HTTP ${status}`);
    this.name = "HttpError";
  }
}

export function errorBody(status: number, message: string, extra: JsonObject = {}): JsonObject {
  return { message, ...extra, documentation_url: DOCUMENTATION_URL, status: String(status) };
}

export const notFound = (message = "Not Found") => new HttpError(404, errorBody(404, message));
export const conflict = (message: string) => new HttpError(409, errorBody(409, message));
export const unprocessable = (message: string) => new HttpError(422, errorBody(422, message));
export const validationFailed = (errors: ValidationIssue[]) => new HttpError(422, errorBody(422, "Validation Failed", { errors }));
export const unauthorized = (message = "Requires authentication") => new HttpError(401, errorBody(401, message));

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body, headers };
}

/** The repository a route's {owner}/{repo} names, if it exists and the caller's installation token may see it. */
export function repoOf(context: RouteContext): Repository {
  const repo = context.state.findRepository(context.params["owner"] ?? "", context.params["repo"] ?? "");
  if (repo === undefined) throw notFound();
  const { auth } = context;
  if (auth.kind === "token" && auth.installationId !== null && repo.installationId !== auth.installationId) throw notFound();
  const user = userOfToken(context.state, auth);
  if (user !== null && !userMaySee(context.state, repo, user)) throw notFound();
  return repo;
}

/** Who acts for a request: the app's bot for an installation token, else the repository's owner. */
export function actorLogin(context: RouteContext, repo: Repository): string {
  return context.auth.kind === "token" && context.auth.installationId !== null ? `${context.state.app.slug}[bot]` : repo.owner.login;
}

export function intParam(context: RouteContext, name: string): number {
  return Number(context.params[name]);
}

export interface Page<T> {
  items: T[];
  headers: Record<string, string>;
}

/**
 * One page of a list, GitHub style: `per_page` (default 30, at most 100) and `page`
 * (from 1), with a `Link` header naming first/prev/next/last pages when there are others.
 * `limit` caps the whole list (e.g. 3000 files for a pull request).
 */
export function paginate<T>(context: Pick<RouteContext, "query" | "requestUrl">, items: T[], options: { limit?: number; defaultPerPage?: number } = {}): Page<T> {
  const capped = options.limit === undefined ? items : items.slice(0, options.limit);
  const perPageRaw = Number(context.query.get("per_page") ?? options.defaultPerPage ?? 30);
  const perPage = Math.min(100, Math.max(1, Number.isFinite(perPageRaw) && perPageRaw > 0 ? Math.floor(perPageRaw) : 30));
  const pageRaw = Number(context.query.get("page") ?? 1);
  const page = Math.max(1, Number.isFinite(pageRaw) ? Math.floor(pageRaw) : 1);
  const last = Math.max(1, Math.ceil(capped.length / perPage));
  const link = linkHeader(context.requestUrl, page, last, (url, number) => url.searchParams.set("page", String(number)));
  return { items: capped.slice((page - 1) * perPage, page * perPage), headers: link === undefined ? {} : { link } };
}

/** A `Link` header for page `page` of `last`; `setPage` writes a page number into a URL. */
export function linkHeader(requestUrl: URL, page: number, last: number, setPage: (url: URL, page: number) => void): string | undefined {
  if (last <= 1 && page <= 1) return undefined;
  const at = (number: number) => {
    const url = new URL(requestUrl.href);
    setPage(url, number);
    return url.href;
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${at(Math.min(page - 1, last))}>; rel="prev"`);
  if (page < last) links.push(`<${at(page + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
  if (page > 1) links.push(`<${at(1)}>; rel="first"`);
  return links.length === 0 ? undefined : links.join(", ");
}

/** A JSON body's string field, or undefined. */
export function stringField(body: JsonObject, name: string): string | undefined {
  const value = body[name];
  return typeof value === "string" ? value : undefined;
}
