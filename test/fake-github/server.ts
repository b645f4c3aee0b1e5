import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errorBody, HttpError, unauthorized, validationFailed, type Auth, type JsonObject, type Reply, type RouteContext, type ServerHooks, type ValidationIssue } from "./http.js";
import { loadOpenApi, type OpenApi, type Operation } from "./openapi.js";
import { JWT_ROUTES, ROUTES, TOKEN_ROUTE } from "./routes/index.js";
import { archiveWebReply } from "./archive.js";
import { oauthWebReply } from "./oauth.js";
import { NetworkFaults, type HangOptions, type NetworkFaultOptions } from "./network-faults.js";
import { extraRuleIssues } from "./rules.js";
import { FakeState, NotFoundError, type HookDelivery, type RedeliveryRequest, type StateOptions } from "./state.js";

/**
 * A local fake of api.github.com for end-to-end tests: a real HTTP server on 127.0.0.1 that
 * routes and validates every request against GitHub's OpenAPI description, answers from an
 * in-memory state (see state.ts) with GitHub-shaped JSON, and records every request.
 * Routes also answer under "/api/v3" (GitHub Enterprise Server, Probot's GHE_HOST).
 */

export interface FakeGitHubOptions extends StateOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Delay every response by this many milliseconds. */
  latencyMs?: number;
  /** Check the fake's own answers against the OpenAPI response schemas; problems go to `responseProblems()`. */
  validateResponses?: boolean;
  /** Let requests without an Authorization header through (GitHub allows some); default false: 401. */
  allowAnonymous?: boolean;
  /** Called when the app asks GitHub to redeliver a webhook delivery. */
  onRedeliver?: (delivery: HookDelivery) => void | Promise<void>;
}

export interface RequestRecord {
  method: string;
  /** "GET /repos/{owner}/{repo}/pulls/{pull_number}", or null for a path GitHub does not have. */
  route: string | null;
  /** Path without the "/api/v3" prefix and without the query. */
  path: string;
  query: string;
  /** -1: no answer was sent (a lost answer, or a hung request the client gave up on). */
  status: number;
  /** Date.now() when the request arrived. */
  timestamp: number;
  durationMs: number;
  auth: Auth["kind"];
  installationId: number | null;
  /** The request that mints an installation token (tests usually leave it out of API-call counts). */
  installationToken: boolean;
  /** A 304 answer to a conditional request: GitHub does not count it against the rate limit. */
  notModified: boolean;
  countsAgainstRateLimit: boolean;
  /** Answered by `failNext` rather than by the route. */
  injectedFault: boolean;
  /** The route exists on GitHub but the fake does not implement it (answered 404). */
  unimplemented: boolean;
  /** The parsed JSON body, if any. */
  body: unknown;
  /** Why a 422 was answered, when validation failed. */
  validationErrors?: ValidationIssue[];
}

export type RequestFilter =
  | ((record: RequestRecord) => boolean)
  | {
      method?: string;
      /** A full route key ("GET /repos/{owner}/{repo}/pulls") or a pattern tested against it. */
      route?: string | RegExp;
      path?: string | RegExp;
      status?: number;
      excludeInstallationToken?: boolean;
      excludeNotModified?: boolean;
    };

export interface FaultOptions {
  /** How many matching requests fail (default 1). */
  count?: number;
  status: 500 | 502 | 503 | 401 | 403 | 404 | 429 | number;
  /**
   * For 403/429: true or "primary" sends GitHub's primary rate limit answer
   * (x-ratelimit-remaining: 0, x-ratelimit-reset); "secondary" sends the secondary one
   * (retry-after). A 429 without this is a secondary limit; a 403 without it is
   * "Resource not accessible by integration".
   */
  rateLimit?: boolean | "primary" | "secondary";
  /** Seconds in `retry-after` for a secondary limit (default 60). */
  retryAfter?: number;
  /** Seconds from now in `x-ratelimit-reset` for a primary limit (default 60). */
  resetInSeconds?: number;
  message?: string;
  /** Which requests fail: `route` is the template ("/repos/{owner}/{repo}/pulls"), without the method. */
  match?: (method: string, route: string) => boolean;
  /** Alternatively a full route key ("POST /repos/{owner}/{repo}/check-runs") or a pattern tested against it. */
  route?: string | RegExp;
}

interface Fault extends FaultOptions {
  remaining: number;
}

interface Latency {
  ms: number;
  match?: (method: string, route: string) => boolean;
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const API_PREFIX = "/api/v3";
const RATE_LIMIT_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function matches(pattern: string | RegExp | undefined, value: string | null): boolean {
  if (pattern === undefined) return true;
  if (value === null) return false;
  return typeof pattern === "string" ? pattern === value : pattern.test(value);
}

export class FakeGitHub extends FakeState {
  private server: Server | null = null;
  private baseUrl = "";
  private readonly log: RequestRecord[] = [];
  private readonly faults: Fault[] = [];
  private readonly latencies: Latency[] = [];
  private readonly problems: string[] = [];
  private readonly hooks: ServerHooks;
  /** Lost answers and hung connections (see network-faults.ts). */
  readonly network = new NetworkFaults();

  constructor(
    private readonly openApi: OpenApi,
    private readonly options: FakeGitHubOptions = {},
  ) {
    super(options);
    this.hooks = { onRedeliver: options.onRedeliver ?? null };
    if (options.latencyMs !== undefined) this.latencies.push({ ms: options.latencyMs });
  }

  /** "http://127.0.0.1:PORT": the `baseUrl` for Octokit. */
  get url(): string {
    return this.baseUrl;
  }

  /** "http://127.0.0.1:PORT/api/v3": what a GitHub Enterprise Server client (Probot with GHE_HOST) uses. */
  get enterpriseUrl(): string {
    return `${this.baseUrl}${API_PREFIX}`;
  }

  /** "127.0.0.1:PORT", for Probot's GHE_HOST (with GHE_PROTOCOL=http). */
  get host(): string {
    return this.baseUrl.replace(/^https?:\/\//, "");
  }

  async listen(port = 0): Promise<void> {
    const server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  }

  // ------------------------------------------------------------ request log

  /** Recorded requests, oldest first, optionally filtered. */
  requests(filter?: RequestFilter): RequestRecord[] {
    if (filter === undefined) return [...this.log];
    if (typeof filter === "function") return this.log.filter(filter);
    return this.log.filter(
      (record) =>
        (filter.method === undefined || record.method === filter.method.toUpperCase()) &&
        matches(filter.route, record.route) &&
        matches(filter.path, record.path) &&
        (filter.status === undefined || record.status === filter.status) &&
        !(filter.excludeInstallationToken === true && record.installationToken) &&
        !(filter.excludeNotModified === true && record.notModified),
    );
  }

  countRequests(filter?: RequestFilter): number {
    return this.requests(filter).length;
  }

  resetRequests(): void {
    this.log.length = 0;
  }

  /** Problems found in the fake's own answers (only with `validateResponses`). */
  responseProblems(): string[] {
    return [...this.problems];
  }

  // ------------------------------------------------------------------ faults

  /** The next `count` matching requests fail with `status` (rate-limit answers carry GitHub's headers). */
  failNext(options: FaultOptions): void {
    this.faults.push({ ...options, remaining: options.count ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
    this.network.clear();
  }

  /** The next `count` matching requests are done, but their answer is lost: the connection drops instead. */
  loseAnswers(options: NetworkFaultOptions = {}): void {
    this.network.loseAnswers(options);
  }

  /** The next `count` matching requests get no answer until the client gives up (or `releaseHung()`). */
  hang(options: HangOptions = {}): void {
    this.network.hang(options);
  }

  releaseHung(): void {
    this.network.release();
  }

  /** Delays matching responses (every response without `match`); 0 removes the delays. */
  setLatency(ms: number, match?: (method: string, route: string) => boolean): void {
    if (ms === 0 && match === undefined) this.latencies.length = 0;
    else this.latencies.push({ ms, match });
  }

  // -------------------------------------------------------------- deliveries

  /** What to do when the app asks for a redelivery (replaces the `onRedeliver` option). */
  onRedeliver(callback: ((delivery: HookDelivery) => void | Promise<void>) | null): void {
    this.hooks.onRedeliver = callback;
  }

  redeliveries(): RedeliveryRequest[] {
    return [...this.redeliveryRequests];
  }

  // ----------------------------------------------------------------- serving

  private authOf(request: IncomingMessage): Auth {
    const header = request.headers.authorization;
    if (header === undefined || header.trim() === "") return { kind: "none" };
    const [scheme = "", token = ""] = header.trim().split(/\s+/, 2);
    if (/^bearer$/i.test(scheme) && JWT.test(token)) return { kind: "jwt", token };
    if (!/^(bearer|token)$/i.test(scheme) || token === "") return { kind: "none" };
    return { kind: "token", token, installationId: this.tokens.get(token)?.installationId ?? null };
  }

  private rateLimitHeaders(): Record<string, string> {
    const { limit, used, resetAt } = this.rateLimit;
    return {
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(Math.max(0, limit - used)),
      "x-ratelimit-reset": String(resetAt),
      "x-ratelimit-used": String(used),
      "x-ratelimit-resource": "core",
    };
  }

  private faultReply(fault: FaultOptions, auth: Auth): Reply {
    const nowSeconds = Math.floor(this.clock().getTime() / 1000);
    const kind = fault.rateLimit === true ? "primary" : fault.rateLimit === false ? undefined : (fault.rateLimit ?? (fault.status === 429 ? "secondary" : undefined));
    if (kind === "primary") {
      const reset = nowSeconds + (fault.resetInSeconds ?? 60);
      const who = auth.kind === "token" && auth.installationId !== null ? `installation ID ${auth.installationId}` : "user ID 1";
      return {
        status: fault.status,
        body: { message: fault.message ?? `API rate limit exceeded for ${who}. If you reach out to GitHub Support for help, please include the request ID ${randomUUID()}.`, documentation_url: RATE_LIMIT_DOCS, status: String(fault.status) },
        headers: { "x-ratelimit-limit": String(this.rateLimit.limit), "x-ratelimit-remaining": "0", "x-ratelimit-used": String(this.rateLimit.limit), "x-ratelimit-reset": String(reset), "x-ratelimit-resource": "core" },
      };
    }
    if (kind === "secondary") {
      return {
        status: fault.status,
        body: {
          message: fault.message ?? `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${randomUUID()}.`,
          documentation_url: "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
          status: String(fault.status),
        },
        headers: { "retry-after": String(fault.retryAfter ?? 60) },
      };
    }
    const messages: Record<number, string> = { 401: "Bad credentials", 403: "Resource not accessible by integration", 404: "Not Found", 500: "Server Error", 502: "Server Error", 503: "Service Unavailable" };
    return { status: fault.status, body: errorBody(fault.status, fault.message ?? messages[fault.status] ?? "Server Error") };
  }

  private takeFault(method: string, operation: Operation): Fault | undefined {
    const fault = this.faults.find((candidate) => candidate.remaining > 0 && (candidate.match === undefined || candidate.match(method, operation.template)) && matches(candidate.route, operation.key));
    if (fault === undefined) return undefined;
    fault.remaining--;
    if (fault.remaining === 0) this.faults.splice(this.faults.indexOf(fault), 1);
    return fault;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = Date.now();
    const method = (request.method ?? "GET").toUpperCase();
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const incoming = new URL(request.url ?? "/", this.baseUrl);
    const enterprise = incoming.pathname === API_PREFIX || incoming.pathname.startsWith(`${API_PREFIX}/`);
    const rawPath = enterprise ? incoming.pathname.slice(API_PREFIX.length) || "/" : incoming.pathname;
    const api = enterprise ? this.enterpriseUrl : this.baseUrl;
    const auth = this.authOf(request);
    const match = this.openApi.match(method, rawPath);
    const record: RequestRecord = {
      method,
      route: match?.operation.key ?? null,
      path: safeDecode(rawPath),
      query: incoming.search,
      status: 0,
      timestamp: started,
      durationMs: 0,
      auth: auth.kind,
      installationId: auth.kind === "token" ? auth.installationId : null,
      installationToken: match?.operation.key === TOKEN_ROUTE,
      notModified: false,
      countsAgainstRateLimit: false,
      injectedFault: false,
      unimplemented: false,
      body: undefined,
    };
    this.log.push(record);

    const routeKey = match?.operation.key ?? null;
    const held = await this.network.hold(routeKey, new Promise<void>((resolve) => response.once("close", () => resolve())));
    if (held === "closed") {
      record.status = -1;
      record.durationMs = Date.now() - started;
      return;
    }
    let reply: Reply;
    try {
      for (const latency of this.latencies) if (latency.match === undefined || (match !== undefined && latency.match(method, match.operation.template))) await sleep(latency.ms);
      reply = held === "unprocessed" ? { status: 502, body: errorBody(502, "Server Error") } : await this.answer(request, method, text, incoming, rawPath, api, auth, match, record);
    } catch (error) {
      reply = this.errorReply(error, record);
    }
    if (this.network.takeLostAnswer(routeKey)) {
      // GitHub did the work; the client never hears of it.
      this.network.lostAnswers++;
      record.status = -1;
      record.durationMs = Date.now() - started;
      request.socket.destroy();
      return;
    }
    this.send(request, response, method, reply, record, match?.operation);
    record.durationMs = Date.now() - started;
  }

  private async answer(
    request: IncomingMessage,
    method: string,
    text: string,
    incoming: URL,
    rawPath: string,
    api: string,
    auth: Auth,
    match: ReturnType<OpenApi["match"]>,
    record: RequestRecord,
  ): Promise<Reply> {
    if (match === undefined) return oauthWebReply(this, method, rawPath, incoming.searchParams, text, request.headers["content-type"]) ?? (await archiveWebReply(this, method, rawPath, incoming.searchParams)) ?? { status: 404, body: errorBody(404, "Not Found") };
    const { operation, params } = match;
    const fault = this.takeFault(method, operation);
    if (fault !== undefined) {
      record.injectedFault = true;
      return this.faultReply(fault, auth);
    }
    if (JWT_ROUTES.has(operation.key)) {
      if (auth.kind !== "jwt") throw new HttpError(401, errorBody(401, auth.kind === "none" ? "You must authenticate with a JSON web token (JWT) to access this endpoint." : "A JSON web token could not be decoded"));
    } else if (auth.kind === "none") {
      if (this.options.allowAnonymous !== true && operation.key !== "GET /rate_limit") throw unauthorized();
    } else if (auth.kind === "jwt") {
      throw new HttpError(401, errorBody(401, "A JSON web token cannot be used for this endpoint: authenticate as an installation."));
    } else {
      const minted = this.tokens.get(auth.token);
      if (minted !== undefined && new Date(minted.expiresAt).getTime() <= this.clock().getTime()) throw new HttpError(401, errorBody(401, "Bad credentials"));
    }
    if (this.rateLimit.used >= this.rateLimit.limit && operation.key !== "GET /rate_limit") {
      return this.faultReply({ status: 403, rateLimit: "primary", resetInSeconds: Math.max(0, this.rateLimit.resetAt - Math.floor(this.clock().getTime() / 1000)) }, auth);
    }

    let body: unknown;
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        throw new HttpError(400, errorBody(400, "Problems parsing JSON"));
      }
    }
    record.body = body;
    const issues = dedupe([...extraRuleIssues(operation.key, body), ...this.openApi.validateRequest(operation, params, incoming.searchParams, body)]);
    if (issues.length > 0) {
      record.validationErrors = issues;
      throw validationFailed(issues);
    }

    const handler = ROUTES[operation.key];
    if (handler === undefined) {
      record.unimplemented = true;
      return { status: 404, body: errorBody(404, "Not Found", { fake_github: `${operation.key} is not implemented by the fake` }) };
    }
    const context: RouteContext = {
      state: this,
      method,
      template: operation.template,
      params,
      query: incoming.searchParams,
      body: body !== null && typeof body === "object" && !Array.isArray(body) ? (body as JsonObject) : {},
      headers: request.headers,
      auth,
      api,
      requestUrl: new URL(`${api}${rawPath}${incoming.search}`),
      hooks: this.hooks,
    };
    return handler(context);
  }

  private errorReply(error: unknown, record: RequestRecord): Reply {
    if (error instanceof HttpError) return { status: error.status, body: error.body, headers: error.headers };
    if (error instanceof NotFoundError) return { status: 404, body: errorBody(404, "Not Found") };
    console.error(`fake-github: ${record.method} ${record.path} failed:`, error);
    return { status: 500, body: errorBody(500, `fake-github: ${error instanceof Error ? error.message : String(error)}`) };
  }

  private send(request: IncomingMessage, response: ServerResponse, method: string, reply: Reply, record: RequestRecord, operation: Operation | undefined): void {
    const payload = reply.raw ?? (reply.body === undefined ? "" : JSON.stringify(reply.body));
    const headers: Record<string, string> = {
      "content-type": reply.contentType ?? "application/json; charset=utf-8",
      "x-github-media-type": "github.v3; format=json",
      "x-github-request-id": randomUUID().slice(0, 18).toUpperCase(),
      "x-github-api-version-selected": "2022-11-28",
      ...(record.route === null ? {} : this.rateLimitHeaders()),
      ...reply.headers,
    };
    let status = reply.status;
    if (method === "GET" && status === 200) {
      const etag = `W/"${createHash("sha256").update(payload).digest("hex")}"`;
      headers["etag"] = etag;
      const conditional = request.headers["if-none-match"];
      if (conditional !== undefined && conditional.split(",").some((candidate) => candidate.trim().replace(/^W\//, "") === etag.replace(/^W\//, "") || candidate.trim() === "*")) {
        status = 304;
        record.notModified = true;
      }
    }
    const counted = record.route !== null && record.route !== "GET /rate_limit" && status !== 304 && !record.injectedFault;
    if (counted) {
      this.rateLimit.used++;
      Object.assign(headers, this.rateLimitHeaders());
    }
    record.countsAgainstRateLimit = counted;
    record.status = status;
    if (this.options.validateResponses === true && operation !== undefined && status >= 200 && status < 300 && reply.raw === undefined && reply.body !== undefined) {
      for (const problem of this.openApi.validateResponse(operation, status, reply.body)) this.problems.push(`${operation.key} ${status}: ${problem}`);
    }
    if (status === 304 || status === 204) {
      delete headers["content-type"];
      response.writeHead(status, headers).end();
      return;
    }
    response.writeHead(status, { ...headers, "content-length": String(Buffer.byteLength(payload)) }).end(payload);
  }
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** One issue per field: the first one found (extra rules come first: their messages are the precise ones). */
function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    if (seen.has(issue.field)) return false;
    seen.add(issue.field);
    return true;
  });
}

/**
 * Starts a fake GitHub API on 127.0.0.1. The OpenAPI description is loaded on the first call
 * in a process (about half a second) and shared by every server after that.
 */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const openApi = await loadOpenApi();
  const fake = new FakeGitHub(openApi, options);
  await fake.listen(options.port ?? 0);
  return fake;
}
