import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { run, type Server } from "probot";
import { createChangegateApp, type ChangegateApp, type ChangegateAppOptions } from "./index.js";
import { changegateOctokit, defaultPace, type OctokitLimits } from "./octokit.js";
import type { WritePace } from "./write-pace.js";

/**
 * `npm start`: the App as a Node HTTP server, configured the standard Probot way:
 *
 *   APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH), WEBHOOK_SECRET      the App's registration
 *   GHE_HOST, GHE_PROTOCOL                                        GitHub Enterprise Server (or a local fake)
 *   PORT (3000), HOST, WEBHOOK_PATH (/api/github/webhooks)        where it listens
 *   REDIS_URL                                                     several replicas: per-head locks, the durable delivery queue (BullMQ), one write window per installation
 *   LOG_LEVEL, LOG_FORMAT                                         Probot's logging
 *
 * Without APP_ID it starts Probot's setup page, which registers the App from app.yml.
 * changegate's own knobs (all optional): CHANGEGATE_RECONCILE_MINUTES (10),
 * CHANGEGATE_REDELIVER_MINUTES (5), CHANGEGATE_CATCH_UP_MINUTES (30), CHANGEGATE_CATCH_UP_DAYS (3),
 * CHANGEGATE_LEAD_SECONDS (60), CHANGEGATE_MAX_RATE_LIMIT_WAIT_SECONDS (60),
 * CHANGEGATE_REQUEST_TIMEOUT_SECONDS (10), CHANGEGATE_DRAIN_SECONDS (20: how long SIGTERM
 * waits for evaluations in flight), CHANGEGATE_WRITES_PER_MINUTE (80, per installation: GitHub's
 * documented secondary limit; lower it when GitHub asks for less), CHANGEGATE_WRITES_PER_HOUR
 * (not counted by default; GitHub documents 500 and its answers pause the writes),
 * CHANGEGATE_WRITES_AT_ONCE (writes of one installation in flight at once).
 *
 * The scheduler budgets each closing flip the write pace's sustained interval (60 s / 80),
 * unless `perFlipMs` is given.
 */
const PROBOT_UNREACHABLE_PATH = "changegate-intake-serves-webhooks";

export interface Started {
  server: Server;
  app: ChangegateApp;
  /** Each installation's write queue (null: the throttling plugin's pacing, `writes: null`). */
  pace: WritePace | null;
  stop(options?: { drainMs?: number }): Promise<void>;
}

export async function startChangegate(env: NodeJS.ProcessEnv = process.env, options: ChangegateAppOptions = {}, limits: OctokitLimits = {}): Promise<Started> {
  const minutes = (name: string) => (env[name] ? Number(env[name]) * 60_000 : undefined);
  const seconds = (name: string) => (env[name] ? Number(env[name]) * 1_000 : undefined);
  const fromEnv: ChangegateAppOptions = {};
  const reconcile = minutes("CHANGEGATE_RECONCILE_MINUTES");
  const redeliver = minutes("CHANGEGATE_REDELIVER_MINUTES");
  const lead = seconds("CHANGEGATE_LEAD_SECONDS");
  const catchUp = minutes("CHANGEGATE_CATCH_UP_MINUTES");
  const catchUpDays = env["CHANGEGATE_CATCH_UP_DAYS"] ? Number(env["CHANGEGATE_CATCH_UP_DAYS"]) * 86_400_000 : undefined;
  if (catchUp !== undefined) fromEnv.catchUpIntervalMs = catchUp;
  if (catchUpDays !== undefined) fromEnv.catchUpWindowMs = catchUpDays;
  if (reconcile !== undefined) fromEnv.reconcileIntervalMs = reconcile;
  if (redeliver !== undefined) fromEnv.redeliverIntervalMs = redeliver;
  if (lead !== undefined) fromEnv.leadMs = lead;
  const maxWait = env["CHANGEGATE_MAX_RATE_LIMIT_WAIT_SECONDS"];
  const requestTimeout = seconds("CHANGEGATE_REQUEST_TIMEOUT_SECONDS");
  // Webhooks go through changegate's intake (a 25 MB cap, the signature checked as the body
  // streams); Probot's own middleware, which reads a body whole before checking it, is given a
  // path no request can have (a URL's path starts with "/"). Smee (WEBHOOK_PROXY_URL) needs Probot's.
  const intake = env["WEBHOOK_PROXY_URL"] ? {} : { webhookIntake: { path: env["WEBHOOK_PATH"] || "/api/github/webhooks", secret: env["WEBHOOK_SECRET"] || "development" } };
  const perMinute = env["CHANGEGATE_WRITES_PER_MINUTE"] ? Number(env["CHANGEGATE_WRITES_PER_MINUTE"]) : undefined;
  const perHour = env["CHANGEGATE_WRITES_PER_HOUR"] ? Number(env["CHANGEGATE_WRITES_PER_HOUR"]) : undefined;
  const concurrency = env["CHANGEGATE_WRITES_AT_ONCE"] ? Number(env["CHANGEGATE_WRITES_AT_ONCE"]) : undefined;
  const fromEnvPace = { ...(perMinute === undefined ? {} : { perMinute }), ...(perHour === undefined ? {} : { perHour }), ...(concurrency === undefined ? {} : { concurrency }) };
  const pace = defaultPace(limits, fromEnvPace);
  // A closing flip writes one run (the schedule's); at the pace's sustained rate that takes one interval.
  const perFlip = pace === null ? {} : { perFlipMs: pace.intervalMs };
  const app = createChangegateApp({ ...perFlip, ...fromEnv, ...intake, writePace: pace, ...options }, env);
  const server = await run(app.appFn, {
    env: env["WEBHOOK_PROXY_URL"] ? env : { ...env, WEBHOOK_PATH: PROBOT_UNREACHABLE_PATH },
    Octokit: changegateOctokit({ ...(maxWait ? { maxRateLimitWaitS: Number(maxWait) } : {}), ...(requestTimeout === undefined ? {} : { requestTimeoutMs: requestTimeout }), ...limits }, pace),
  });
  return {
    server,
    app,
    pace,
    async stop(stopOptions) {
      // No new connections; what is in flight is drained (bounded) before the server is gone.
      const closed = server.stop().catch(() => undefined);
      await app.stop(stopOptions);
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
    },
  };
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const started = await startChangegate();
  const drain = process.env["CHANGEGATE_DRAIN_SECONDS"];
  const shutdown = (signal: string) => {
    void started.stop(drain ? { drainMs: Number(drain) * 1_000 } : {}).finally(() => {
      console.error(`changegate: stopped on ${signal}`);
      process.exit(0);
    });
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}
