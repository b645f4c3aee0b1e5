import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";

/**
 * A local fake of the GitHub REST API for the Action's process tests: in-memory
 * repositories (files at refs, pull requests with files and reviews, commits, deployments,
 * check runs), organisation teams and collaborators. Every request is checked against
 * GitHub's OpenAPI description (the route exists, query parameters are declared and within
 * their enums, a JSON body matches its schema); a request that is not gets a 422 and is
 * recorded in `invalidRequests`, which tests assert empty.
 */
const require = createRequire(import.meta.url);

export interface FakePull {
  number: number;
  title: string;
  body: string;
  user: string;
  labels?: string[];
  head: { sha: string; ref?: string };
  base?: { ref: string };
  state?: "open" | "closed";
  merged_at?: string | null;
  merge_commit_sha?: string | null;
  updated_at?: string;
  files: (string | { filename: string; previous_filename: string })[];
  reviews?: { id?: number; user: string; state: string; commit_id: string; submitted_at: string; bot?: boolean }[];
}

export interface FakeRepo {
  defaultBranch?: string;
  /** ref (branch or SHA) -> path -> text. */
  files?: Record<string, Record<string, string>>;
  pulls?: FakePull[];
  /** login -> role: admin | maintain | write | triage | read. Unknown logins are not collaborators (404). */
  collaborators?: Record<string, string>;
  /** sha -> parents, oldest commit first in insertion order. */
  commits?: Record<string, string[]>;
  /** sha -> commit message (compare answers them; default ""). */
  messages?: Record<string, string>;
  deployments?: { id: number; sha: string; environment: string; statuses: string[] }[];
  /** Releases, newest first, as GitHub lists them (calendars: after_release). */
  releases?: { tag_name: string; published_at: string | null; draft?: boolean; prerelease?: boolean }[];
  /** Issues (calendars: while_issues_open). */
  issues?: { number: number; title: string; state: "open" | "closed"; labels: string[]; user: string; created_at: string }[];
}

export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  completed_at: string | null;
  details_url: string | null;
  output: { title: string | null; summary: string | null; annotations: unknown[] };
}

export interface FakeGitHub {
  url: string;
  repos: Record<string, FakeRepo>;
  /** "org/slug" -> active members. A team not listed answers 404. */
  teams: Record<string, string[]>;
  /** Requests answered 403 "Resource not accessible by integration", as "METHOD /route/template". */
  forbidden: Set<string>;
  checkRuns: (repo: string) => FakeCheckRun[];
  requests: { method: string; path: string; route: string | null }[];
  invalidRequests: string[];
  /** Forgets every repository, team, check run, refusal and request. */
  reset(): void;
  close(): Promise<void>;
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
}

let spec: { paths: Record<string, Record<string, { parameters?: unknown[]; requestBody?: unknown }>>; components: { parameters: Record<string, unknown> } } | null = null;
let routes: Route[] = [];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let ajv: any = null;

function loadSpec() {
  if (spec !== null) return;
  spec = require("@octokit/openapi/generated/api.github.com.json");
  routes = [];
  for (const [template, operations] of Object.entries(spec!.paths)) {
    const names: string[] = [];
    const pattern = new RegExp(
      "^" +
        template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_, name: string) => {
          names.push(name);
          return name === "path" ? "(.+)" : "([^/]+)";
        }) +
        "$",
    );
    for (const method of Object.keys(operations)) {
      if (["get", "post", "patch", "put", "delete"].includes(method)) routes.push({ method: method.toUpperCase(), template, pattern, names });
    }
  }
  // Fewer parameters first: "/repos/{owner}/{repo}/pulls/{pull_number}" before "/repos/{owner}/{repo}/contents/{path}".
  routes.sort((a, b) => a.names.length - b.names.length);
  const Ajv = require("ajv");
  ajv = new Ajv({ allErrors: false, unknownFormats: "ignore", schemaId: "auto", nullable: true });
  ajv.addSchema(spec, "spec");
}

function pointer(...segments: string[]): string {
  return segments.map((segment) => segment.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
}

function validate(route: Route, url: URL, body: unknown): string | null {
  const operation = spec!.paths[route.template]![route.method.toLowerCase()]!;
  const parameters = (operation.parameters ?? []).map((parameter) => {
    const ref = (parameter as { $ref?: string }).$ref;
    return (ref ? spec!.components.parameters[ref.split("/").pop()!] : parameter) as { name: string; in: string; schema?: { enum?: unknown[]; type?: string } };
  });
  for (const [name, value] of url.searchParams) {
    const declared = parameters.find((parameter) => parameter.in === "query" && parameter.name === name);
    if (!declared) return `query parameter "${name}" is not declared for ${route.method} ${route.template}`;
    if (declared.schema?.enum && !declared.schema.enum.includes(value)) return `query parameter "${name}"=${value} is not one of ${declared.schema.enum.join(", ")}`;
    if (declared.schema?.type === "integer" && !/^\d+$/.test(value)) return `query parameter "${name}"=${value} is not an integer`;
  }
  if (operation.requestBody !== undefined) {
    const valid = ajv.validate({ $ref: `spec#/${pointer("paths", route.template, route.method.toLowerCase(), "requestBody", "content", "application/json", "schema")}` }, body);
    if (!valid) return `body: ${ajv.errorsText(ajv.errors)}`;
  }
  return null;
}

export async function startFakeApi(): Promise<FakeGitHub> {
  loadSpec();
  const state = {
    repos: {} as Record<string, FakeRepo>,
    teams: {} as Record<string, string[]>,
    forbidden: new Set<string>(),
    runs: new Map<string, FakeCheckRun[]>(),
    requests: [] as FakeGitHub["requests"],
    invalidRequests: [] as string[],
  };
  let nextRunId = 1000;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const body: unknown = text === "" ? undefined : JSON.parse(text);
    const method = request.method ?? "GET";
    const path = decodeURIComponent(url.pathname);
    const route = routes.find((candidate) => candidate.method === method && candidate.pattern.test(url.pathname));
    state.requests.push({ method, path, route: route?.template ?? null });
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      response.end(data === undefined ? "" : JSON.stringify(data));
    };
    if (!route) {
      state.invalidRequests.push(`${method} ${url.pathname}: no such route in GitHub's OpenAPI description`);
      return send(404, { message: "Not Found" });
    }
    const problem = validate(route, url, body);
    if (problem !== null) {
      state.invalidRequests.push(`${method} ${route.template}: ${problem}`);
      return send(422, { message: `Invalid request: ${problem}` });
    }
    if (request.headers.authorization !== "token test-token") return send(401, { message: "Bad credentials" });
    if (state.forbidden.has(`${method} ${route.template}`)) return send(403, { message: "Resource not accessible by integration" });
    const params = Object.fromEntries(route.names.map((name, index) => [name, decodeURIComponent(route.pattern.exec(url.pathname)![index + 1]!)]));
    const answer = respond(method, route.template, params, url.searchParams, body as Record<string, unknown>);
    if (answer === null) return send(404, { message: "Not Found" });
    const [status, data] = answer;
    send(status, data);
  };

  const repoOf = (params: Record<string, string>) => state.repos[`${params["owner"]}/${params["repo"]}`];
  const page = <T>(items: T[], query: URLSearchParams): T[] => {
    const perPage = Number(query.get("per_page") ?? 30);
    const number = Number(query.get("page") ?? 1);
    return items.slice((number - 1) * perPage, number * perPage);
  };
  const userOf = (login: string, bot = false) => ({ login, id: login.length, type: bot ? "Bot" : "User" });
  const pullJson = (repoName: string, repo: FakeRepo, pull: FakePull) => ({
    url: `https://api.github.com/repos/${repoName}/pulls/${pull.number}`,
    id: pull.number,
    number: pull.number,
    state: pull.state ?? "open",
    title: pull.title,
    body: pull.body,
    user: userOf(pull.user),
    labels: (pull.labels ?? []).map((name, index) => ({ id: index + 1, name })),
    head: { sha: pull.head.sha, ref: pull.head.ref ?? `topic-${pull.number}`, label: `x:${pull.head.ref ?? "topic"}` },
    base: { sha: "b".repeat(40), ref: pull.base?.ref ?? repo.defaultBranch ?? "main", label: "x:main" },
    merged_at: pull.merged_at ?? null,
    merge_commit_sha: pull.merge_commit_sha ?? null,
    updated_at: pull.updated_at ?? "2026-01-01T00:00:00Z",
    created_at: "2026-01-01T00:00:00Z",
    draft: false,
    changed_files: pull.files.length,
  });

  const respond = (method: string, template: string, params: Record<string, string>, query: URLSearchParams, body: Record<string, unknown>): [number, unknown] | null => {
    const repoName = `${params["owner"]}/${params["repo"]}`;
    const repo = repoOf(params);
    const key = `${method} ${template}`;
    if (template === "/orgs/{org}/teams/{team_slug}/members") {
      const members = state.teams[`${params["org"]}/${params["team_slug"]}`];
      return members === undefined ? null : [200, page(members.map((login) => userOf(login)), query)];
    }
    if (repo === undefined) return null;
    const pull = params["pull_number"] === undefined ? undefined : repo.pulls?.find((candidate) => candidate.number === Number(params["pull_number"]));
    switch (key) {
      case "GET /repos/{owner}/{repo}":
        return [200, { id: 1, name: params["repo"], full_name: repoName, default_branch: repo.defaultBranch ?? "main", owner: userOf(params["owner"]!) }];
      case "GET /repos/{owner}/{repo}/contents/{path}": {
        const ref = query.get("ref") ?? repo.defaultBranch ?? "main";
        const content = repo.files?.[ref]?.[params["path"]!];
        if (content === undefined) return null;
        return [200, { type: "file", name: params["path"]!.split("/").pop(), path: params["path"], sha: `blob-${content.length}`, size: content.length, encoding: "base64", content: Buffer.from(content).toString("base64") }];
      }
      case "GET /repos/{owner}/{repo}/releases":
        return [200, page((repo.releases ?? []).map((release, index) => ({
          id: index + 1, tag_name: release.tag_name, name: release.tag_name, draft: release.draft ?? false, prerelease: release.prerelease ?? false,
          created_at: release.published_at ?? "2026-01-01T00:00:00Z", published_at: release.published_at, html_url: `https://github.com/${repoName}/releases/tag/${release.tag_name}`,
        })), query)];
      case "GET /repos/{owner}/{repo}/issues": {
        const labels = (query.get("labels") ?? "").split(",").filter((label) => label !== "");
        const wanted = query.get("state") ?? "open";
        return [200, page((repo.issues ?? [])
          .filter((issue) => (wanted === "all" || issue.state === wanted) && labels.every((label) => issue.labels.includes(label)))
          .map((issue) => ({
            id: issue.number, number: issue.number, title: issue.title, state: issue.state, labels: issue.labels.map((name, index) => ({ id: index + 1, name })),
            user: userOf(issue.user), created_at: issue.created_at, updated_at: issue.created_at, html_url: `https://github.com/${repoName}/issues/${issue.number}`,
          })), query)];
      }
      case "GET /repos/{owner}/{repo}/pulls":
        return [200, page((repo.pulls ?? []).filter((candidate) => (candidate.state ?? "open") === (query.get("state") ?? "open")).map((candidate) => pullJson(repoName, repo, candidate)), query)];
      case "GET /repos/{owner}/{repo}/pulls/{pull_number}":
        return pull === undefined ? null : [200, pullJson(repoName, repo, pull)];
      case "GET /repos/{owner}/{repo}/pulls/{pull_number}/files":
        return pull === undefined
          ? null
          : [200, page(pull.files.map((file) => (typeof file === "string" ? { filename: file, status: "modified" } : { ...file, status: "renamed" })), query)];
      case "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews":
        return pull === undefined
          ? null
          : [200, page((pull.reviews ?? []).map((review, index) => ({ id: review.id ?? index + 1, user: userOf(review.user, review.bot), state: review.state, commit_id: review.commit_id, submitted_at: review.submitted_at })), query)];
      case "GET /repos/{owner}/{repo}/collaborators/{username}/permission": {
        const role = repo.collaborators?.[params["username"]!];
        if (role === undefined) return null;
        const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
        return [200, { permission, role_name: role, user: userOf(params["username"]!) }];
      }
      case "GET /repos/{owner}/{repo}/commits/{ref}/check-runs": {
        const runs = (state.runs.get(repoName) ?? []).filter((run) => run.head_sha === params["ref"]);
        const latest = [...new Map(runs.map((run) => [run.name, run])).values()];
        return [200, { total_count: latest.length, check_runs: latest.map((run) => ({ ...run, output: { title: run.output.title, summary: run.output.summary, annotations_count: run.output.annotations.length } })) }];
      }
      case "GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations": {
        const run = (state.runs.get(repoName) ?? []).find((candidate) => candidate.id === Number(params["check_run_id"]));
        return run === undefined ? null : [200, page(run.output.annotations, query)];
      }
      case "POST /repos/{owner}/{repo}/check-runs": {
        const output = body["output"] as FakeCheckRun["output"] | undefined;
        const run: FakeCheckRun = {
          id: nextRunId++,
          name: body["name"] as string,
          head_sha: body["head_sha"] as string,
          status: (body["status"] as string) ?? "queued",
          conclusion: (body["conclusion"] as string) ?? null,
          external_id: (body["external_id"] as string) ?? null,
          completed_at: (body["completed_at"] as string) ?? null,
          details_url: (body["details_url"] as string) ?? null,
          output: { title: output?.title ?? null, summary: output?.summary ?? null, annotations: [...(output?.annotations ?? [])] },
        };
        state.runs.set(repoName, [...(state.runs.get(repoName) ?? []), run]);
        return [201, run];
      }
      case "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}": {
        const run = (state.runs.get(repoName) ?? []).find((candidate) => candidate.id === Number(params["check_run_id"]));
        if (run === undefined) return null;
        const output = body["output"] as FakeCheckRun["output"] | undefined;
        for (const field of ["status", "conclusion", "external_id", "completed_at", "details_url"] as const) {
          if (body[field] !== undefined) (run as unknown as Record<string, unknown>)[field] = body[field];
        }
        if (output !== undefined) {
          run.output = { title: output.title, summary: output.summary, annotations: [...run.output.annotations, ...(output.annotations ?? [])] };
        }
        return [200, run];
      }
      case "GET /repos/{owner}/{repo}/deployments": {
        const environment = query.get("environment");
        const list = (repo.deployments ?? []).filter((deployment) => environment === null || deployment.environment === environment).reverse();
        return [200, page(list.map((deployment) => ({ id: deployment.id, sha: deployment.sha, ref: "main", environment: deployment.environment, task: "deploy" })), query)];
      }
      case "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses": {
        const deployment = repo.deployments?.find((candidate) => candidate.id === Number(params["deployment_id"]));
        if (deployment === undefined) return null;
        return [200, page([...deployment.statuses].reverse().map((status, index) => ({ id: index + 1, state: status })), query)];
      }
      case "GET /repos/{owner}/{repo}/compare/{basehead}": {
        const [base, head] = params["basehead"]!.split("...");
        const commits = repo.commits ?? {};
        const ancestors = (sha: string) => {
          const seen = new Set<string>();
          const stack = [sha];
          while (stack.length > 0) {
            const current = stack.pop()!;
            if (seen.has(current) || commits[current] === undefined) continue;
            seen.add(current);
            stack.push(...commits[current]!);
          }
          return seen;
        };
        if (commits[base!] === undefined || commits[head!] === undefined) return null;
        const fromBase = ancestors(base!);
        const fromHead = ancestors(head!);
        const ahead = Object.keys(commits).filter((sha) => fromHead.has(sha) && !fromBase.has(sha));
        const behind = [...fromBase].filter((sha) => !fromHead.has(sha));
        const status = ahead.length === 0 && behind.length === 0 ? "identical" : ahead.length === 0 ? "behind" : behind.length === 0 ? "ahead" : "diverged";
        return [200, { status, ahead_by: ahead.length, behind_by: behind.length, total_commits: ahead.length, commits: page(ahead.map((sha) => ({ sha, commit: { message: repo.messages?.[sha] ?? "" }, parents: commits[sha]!.map((parent) => ({ sha: parent })) })), query), files: [] }];
      }
      case "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls": {
        const sha = params["commit_sha"]!;
        const found = (repo.pulls ?? []).filter((candidate) => candidate.merge_commit_sha === sha || candidate.head.sha === sha);
        return [200, found.map((candidate) => pullJson(repoName, repo, candidate))];
      }
    }
    return null;
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      state.invalidRequests.push(`server error: ${error.message}`);
      response.writeHead(500).end(JSON.stringify({ message: error.message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    repos: state.repos,
    teams: state.teams,
    forbidden: state.forbidden,
    checkRuns: (repo) => state.runs.get(repo) ?? [],
    requests: state.requests,
    invalidRequests: state.invalidRequests,
    reset: () => {
      for (const key of Object.keys(state.repos)) delete state.repos[key];
      for (const key of Object.keys(state.teams)) delete state.teams[key];
      state.forbidden.clear();
      state.runs.clear();
      state.requests.length = 0;
      state.invalidRequests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
