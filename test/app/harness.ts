import { generateKeyPairSync } from "node:crypto";
import { afterAll, afterEach, expect } from "vitest";
import { startChangegate, type Started } from "../../src/app/server.js";
import type { ChangegateService } from "../../src/app/service.js";
import type { ChangegateAppOptions } from "../../src/app/index.js";
import type { OctokitLimits } from "../../src/app/octokit.js";
import "../fake-github/activity.js";
import { deliverWebhook, pullRequestEvent, pullRequestReviewEvent, redeliverWebhooksTo, startFakeGitHub, type DeliveryResult, type FakeGitHub, type WebhookEvent } from "../fake-github/index.js";
import { freePort } from "../support/free-port.js";

/**
 * The App as it runs in production (Probot's `run`, a real HTTP server, the bounded
 * Octokit) against the fake GitHub on 127.0.0.1, with short waits so that tests take
 * seconds. Webhooks are delivered signed, as GitHub delivers them.
 */
export const SECRET = "test-webhook-secret";
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

export const FAST: ChangegateAppOptions = {
  background: false,
  leadMs: 1_000,
  perFlipMs: 50,
  retryDelaysMs: [300, 600, 1_000],
  createRetryDelayMs: 10,
};
/**
 * A request's deadline out of reach of a loaded machine's stalls: with GitHub faked in this
 * process, a stall of the process is one of GitHub too, and a request that outlived the
 * default 10 s would be sent again (a second PATCH in a test counting them). A test of the
 * deadlines sets its own.
 */
export const FAST_LIMITS: OctokitLimits = { retries: 2, retryBaseMs: 5, writes: { minuteMs: 0 }, notificationIntervalMs: 0, rateLimitUnitMs: 5, maxRateLimitWaitS: 60, requestTimeoutMs: 60_000 };

export interface App {
  started: Started;
  url: string;
  service: ChangegateService;
  deliver(event: WebhookEvent, options?: { secret?: string }): Promise<DeliveryResult>;
  /**
   * Resolves once every delivery the App was given has finished, and its queued work too. A
   * delivery is answered after 7 s (answerWithinMs) even while its work goes on, which a
   * loaded machine reaches: a test that counts a delivery's requests settles first.
   */
  settled(): Promise<void>;
  /** As SIGTERM does: drains what is in flight, at most `drainMs` (0: a kill). */
  stop(options?: { drainMs?: number }): Promise<void>;
}


/** `env` overrides the environment (GHE_HOST of a proxy in front of the fake, for one). */
export async function startApp(fake: FakeGitHub, options: ChangegateAppOptions = {}, limits: OctokitLimits = {}, extraEnv: NodeJS.ProcessEnv = {}): Promise<App> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    APP_ID: String(fake.app.id),
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: SECRET,
    GHE_HOST: fake.host,
    GHE_PROTOCOL: "http",
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: (process.env["TEST_LOG_LEVEL"] as NodeJS.ProcessEnv["LOG_LEVEL"]) ?? "fatal",
    LOG_FORMAT: "json",
    NODE_ENV: "test",
    ...extraEnv,
  };
  const started = await startChangegate(env, { ...FAST, ...options }, { ...FAST_LIMITS, ...limits });
  const url = `http://127.0.0.1:${port}/api/github/webhooks`;
  redeliverWebhooksTo(fake, { url, secret: SECRET });
  return {
    started,
    url,
    service: started.app.service!,
    deliver: (event, deliverOptions = {}) => deliverWebhook(fake, event, { url, secret: deliverOptions.secret ?? SECRET }),
    settled: async () => {
      await started.app.deliveries?.idle();
      await started.app.service!.idle();
    },
    stop: (options) => started.stop(options),
  };
}

export async function startFake(): Promise<FakeGitHub> {
  return startFakeGitHub();
}

/** The latest check run of each changegate name on a commit, as GitHub shows them. */
export function checks(fake: FakeGitHub, owner: string, repo: string, headSha: string): Record<string, { conclusion: string | null; title: string | null; summary: string | null; annotations: number; count: number }> {
  const runs = fake.checkRuns(owner, repo, { headSha }).filter((run) => run.name.startsWith("changegate/"));
  const out: Record<string, { conclusion: string | null; title: string | null; summary: string | null; annotations: number; count: number }> = {};
  for (const run of runs) {
    out[run.name] = { conclusion: run.conclusion, title: run.output.title, summary: run.output.summary, annotations: run.output.annotations.length, count: runs.filter((other) => other.name === run.name).length };
  }
  return out;
}

/** Conclusions only, in the order of the spec. */
export function conclusions(fake: FakeGitHub, owner: string, repo: string, headSha: string): (string | null | undefined)[] {
  const found = checks(fake, owner, repo, headSha);
  return ["changegate/risk", "changegate/schedule", "changegate/approvals"].map((name) => found[name]?.conclusion);
}

/** Requests the app made, the installation-token request aside. */
export function apiRequests(fake: FakeGitHub): { method: string; route: string | null; notModified: boolean }[] {
  return fake.requests({ excludeInstallationToken: true }).map((record) => ({ method: record.method, route: record.route, notModified: record.notModified }));
}

export async function waitFor<T>(read: () => T | Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

export const CHANGE_REQUEST = (type: "normal" | "emergency" | "standard", extra = ""): string =>
  [
    "Upgrade the session cache.",
    "",
    "```yaml",
    "change_request:",
    `  type: ${type}`,
    "  implementation_plan: |",
    "    1. helm upgrade",
    "  rollback_plan: |",
    "    1. helm rollback",
    ...(type === "emergency" ? ['  incident: "INC-1234"'] : []),
    ...extra.split("\n").filter((line) => line !== "").map((line) => `  ${line}`),
    "```",
    "",
  ].join("\n");

/**
 * A test file's Apps on one fake GitHub: the fake started for the file, each App the file
 * starts stopped after it, every test held to requests GitHub would accept, and
 * repositories `<prefix>1`, `<prefix>2`, … under acme with a policy and two writers.
 */
export async function appSuite(prefix: string) {
  const fake = await startFake();
  const apps: App[] = [];
  let repoCount = 0;
  afterAll(async () => {
    for (const app of apps) await app.stop();
    await fake.close();
  });
  afterEach(() => {
    const invalid = fake.requests((record) => record.status === 422 || record.unimplemented);
    expect(invalid.map((record) => `${record.method} ${record.path}: ${JSON.stringify(record.validationErrors ?? "unimplemented")}`)).toEqual([]);
  });
  return {
    fake,
    async app(options: ChangegateAppOptions = {}, limits: OctokitLimits = {}): Promise<App> {
      const started = await startApp(fake, options, limits);
      apps.push(started);
      return started;
    },
    /** A repository with `policy`, alice and bob its writers. */
    repository(policy: string): string {
      const name = `${prefix}${++repoCount}`;
      fake.addRepository({ owner: "acme", name, files: { ".github/changegate.yml": policy } });
      for (const login of ["alice", "bob"]) fake.setPermission("acme", name, login, "write");
      return name;
    },
    /** Opens a normal change carol asks for and alice approves: every check green under a one-approval policy. */
    async greenPull(target: App, repo: string, file = "a.txt") {
      const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { [file]: "a\n" } });
      await target.deliver(pullRequestEvent(fake, "opened", pull));
      await target.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "alice", state: "APPROVED" })));
      return pull;
    },
  };
}
