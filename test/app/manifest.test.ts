import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { build } from "esbuild";
import { parseDocument } from "yaml";
import { describe, expect, it, vi } from "vitest";
import type { Probot } from "probot";
import { registerHandlers } from "../../src/app/handlers/index.js";
import type { DeliveryQueue } from "../../src/app/deliveries.js";
import { startChangegate } from "../../src/app/server.js";

/**
 * app.yml against the code: it must parse, subscribe to every event a handler listens to,
 * and grant the least permissions that cover every route the App's code calls: each
 * permission needed, none more, none at a higher level than needed.
 *
 * Route → permission comes from GitHub's OpenAPI description: its own words where it says
 * so (a description naming "`checks:write`"), else its `x-github.category/subcategory`,
 * mapped below to the permission GitHub's docs list for that API group. A route of an
 * unmapped group fails the test, so a new kind of call must be placed here on purpose.
 */
const Level = { read: 1, write: 2 } as const;
type PermissionLevel = keyof typeof Level;

/** x-github category (or "category/subcategory") → the fine-grained permission of that API group; null: no installation permission (JWT or the installation's own). */
const PERMISSION_OF_GROUP: Record<string, string | null> = {
  apps: null,
  checks: "checks",
  pulls: "pull_requests",
  issues: "issues",
  git: "contents",
  branches: "contents",
  commits: "contents",
  "repos/contents": "contents",
  "repos/repos": "metadata",
  collaborators: "metadata",
  teams: "members",
  "orgs/members": "members",
  deployments: "deployments",
  "actions/workflow-runs": "actions",
  releases: "contents",
  // The site's pages ask "who signed in?" with the user's own token: no App permission.
  "users/users": null,
};

/**
 * Routes whose permission GitHub's docs give and its description does not: answering a
 * custom deployment protection rule needs Deployments: write, not Actions (GitHub's
 * "Creating custom deployment protection rules": Actions read-only, Deployments read and write).
 */
const PERMISSION_OF_ROUTE: Record<string, { permission: string; level: PermissionLevel }> = {
  "POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule": { permission: "deployments", level: "write" },
};

/** Event → the permission that subscribes to it (GitHub's "Webhook events and payloads"); installation events come to every App. */
const PERMISSION_OF_EVENT: Record<string, string | null> = {
  pull_request: "pull_requests",
  pull_request_review: "pull_requests",
  check_run: "checks",
  check_suite: "checks",
  merge_group: "merge_queues",
  push: "contents",
  issues: "issues",
  installation: null,
  installation_repositories: null,
  deployment_protection_rule: "deployments",
  deployment_status: "deployments",
};
const EVERY_APP_RECEIVES = new Set(["installation", "installation_repositories"]);

interface RawOperation {
  description?: string;
  "x-github"?: { category?: string; subcategory?: string };
}

function manifest(): { default_events: string[]; default_permissions: Record<string, PermissionLevel> } & Record<string, unknown> {
  const document = parseDocument(readFileSync("app.yml", "utf8"), { uniqueKeys: true });
  expect(document.errors.map((error) => error.message)).toEqual([]);
  return document.toJS() as never;
}

/** The events the handlers subscribe to, read from registerHandlers itself. */
function handledEvents(): string[] {
  const names: string[] = [];
  const app = { on: (events: string | string[]) => names.push(...[events].flat()), log: { error: () => undefined } } as unknown as Probot;
  registerHandlers(app, {} as DeliveryQueue);
  return [...new Set(names.map((name) => name.split(".")[0]!))].sort();
}

/** Every "METHOD /route" literal in the source files the App's server bundles (its import graph, from esbuild). */
async function appRoutes(): Promise<string[]> {
  const result = await build({ entryPoints: ["src/app/server.ts"], bundle: true, platform: "node", format: "esm", packages: "external", write: false, metafile: true, logLevel: "silent" });
  const sources = Object.keys(result.metafile.inputs).filter((file) => file.startsWith("src/"));
  expect(sources).toContain("src/audit/merge.ts");
  const routes = new Set<string>();
  for (const file of sources) for (const match of readFileSync(file, "utf8").matchAll(/"((?:GET|POST|PATCH|PUT|DELETE) \/[^"\s]*)"/g)) routes.add(match[1]!);
  return [...routes].sort();
}

function permissionOfRoute(spec: { paths: Record<string, Record<string, RawOperation>> }, route: string): { permission: string | null; level: PermissionLevel; source: string } {
  const [method, path] = route.split(" ") as [string, string];
  const operation = spec.paths[path]?.[method.toLowerCase()];
  if (operation === undefined) throw new Error(`${route}: not in GitHub's OpenAPI description`);
  const documented = PERMISSION_OF_ROUTE[route];
  if (documented !== undefined) return { ...documented, source: "GitHub's docs" };
  const said = /`([a-z_]+):(read|write)` permission/.exec(operation.description ?? "");
  if (said !== null) return { permission: said[1]!, level: said[2] as PermissionLevel, source: "description" };
  const { category = "", subcategory = "" } = operation["x-github"] ?? {};
  const group = `${category}/${subcategory}` in PERMISSION_OF_GROUP ? `${category}/${subcategory}` : category;
  if (!(group in PERMISSION_OF_GROUP)) throw new Error(`${route}: x-github category "${category}/${subcategory}" has no permission in this test's table`);
  return { permission: PERMISSION_OF_GROUP[group]!, level: method === "GET" ? "read" : "write", source: `x-github ${category}/${subcategory}` };
}

describe("app.yml, the App's manifest", () => {
  it("is valid YAML with the fields GitHub's manifest flow needs", () => {
    const app = manifest();
    expect(app).toMatchObject({ name: "changegate", public: false });
    expect(typeof app["description"]).toBe("string");
    expect((app["hook_attributes"] as { url?: unknown }).url).toMatch(/^https:\/\//);
  });

  it("subscribes to every event a handler listens to, and to nothing else", () => {
    const handled = handledEvents().filter((event) => !EVERY_APP_RECEIVES.has(event));
    expect([...manifest().default_events].sort()).toEqual(handled);
  });

  it("grants exactly the permissions the App's routes and events need, at the level they need", async () => {
    const require = createRequire(import.meta.url);
    const spec = JSON.parse(readFileSync(require.resolve("@octokit/openapi/generated/api.github.com.json"), "utf8")) as { paths: Record<string, Record<string, RawOperation>> };
    const needed = new Map<string, { level: PermissionLevel; why: string[] }>();
    const need = (permission: string | null, level: PermissionLevel, why: string) => {
      if (permission === null) return;
      const current = needed.get(permission) ?? { level: "read", why: [] };
      needed.set(permission, { level: Level[level] > Level[current.level] ? level : current.level, why: [...current.why, why] });
    };
    const routes = await appRoutes();
    expect(routes).toContain("POST /repos/{owner}/{repo}/check-runs");
    for (const route of routes) {
      const { permission, level } = permissionOfRoute(spec, route);
      need(permission, level, route);
    }
    for (const event of handledEvents()) {
      if (!(event in PERMISSION_OF_EVENT)) throw new Error(`event ${event} has no permission in this test's table`);
      need(PERMISSION_OF_EVENT[event]!, "read", `event ${event}`);
    }
    const granted = manifest().default_permissions;
    const missing = [...needed].filter(([name, { level }]) => granted[name] === undefined || Level[granted[name]] < Level[level]).map(([name, { level, why }]) => `${name}: ${level} (for ${why.join(", ")})`);
    const unused = Object.entries(granted).filter(([name, level]) => !needed.has(name) || Level[level] > Level[needed.get(name)!.level]).map(([name, level]) => `${name}: ${level}`);
    expect({ missing, unused }).toEqual({ missing: [], unused: [] });
  });

  it("the route table reads GitHub's own words where it has them", () => {
    const require = createRequire(import.meta.url);
    const spec = JSON.parse(readFileSync(require.resolve("@octokit/openapi/generated/api.github.com.json"), "utf8")) as { paths: Record<string, Record<string, RawOperation>> };
    expect(permissionOfRoute(spec, "POST /repos/{owner}/{repo}/check-runs")).toMatchObject({ permission: "checks", level: "write", source: "description" });
    expect(permissionOfRoute(spec, "POST /repos/{owner}/{repo}/git/trees")).toMatchObject({ permission: "contents", level: "write" });
    expect(() => permissionOfRoute(spec, "GET /nowhere")).toThrow(/not in GitHub's OpenAPI/);
  });
});

describe("registration from the manifest", () => {
  it("without APP_ID, Probot's setup page answers 200 and carries app.yml as the manifest", async () => {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    // Probot's setup page would otherwise fetch smee-client with npx to open a webhook proxy channel.
    vi.stubEnv("NO_SMEE_SETUP", "true");
    const started = await startChangegate({ PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "fatal", NODE_ENV: "test" }, { background: false });
    try {
      const response = await fetch(`http://127.0.0.1:${port}/probot`);
      expect(response.status).toBe(200);
      const page = await response.text();
      const value = /id="manifest" value='([^']*)'/.exec(page)?.[1];
      expect(value).toBeDefined();
      const sent = JSON.parse(value!.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&")) as Record<string, unknown>;
      const app = manifest();
      expect(sent).toMatchObject({ name: app["name"], default_events: app.default_events, default_permissions: app.default_permissions });
    } finally {
      await started.stop();
      vi.unstubAllEnvs();
    }
  });
});
