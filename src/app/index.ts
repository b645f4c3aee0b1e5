import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApplicationFunction, Probot } from "probot";
import { InProcessDeliveries, type DeliveryQueue, type RetryPolicy } from "./deliveries.js";
import { MemoryHoldStore, RedisHoldStore, type DeploymentDeps } from "./deployment-holds.js";
import { DeploymentRule, type DeploymentRuleOptions } from "./deployment-rule.js";
import { registerHandlers, runDelivery, type HandlerParts } from "./handlers/index.js";
import type { RedisLike } from "./lock.js";
import { auditMergeHooks } from "./merge-hooks.js";
import { pagesFromEnv } from "./pages/handler.js";
import { ChangegateService, type ServiceOptions } from "./service.js";
import { SharedWriteWindow } from "./shared-write-window.js";
import type { WritePace } from "./write-pace.js";
import { webhookIntake, type WebhookIntake, type WebhookIntakeOptions, type WebhookReceiver } from "./webhook-intake.js";

/**
 * The changegate GitHub App, as a Probot application function. `npm start` runs it with
 * bounded rate-limit waits (server.ts); `probot run ./dist/app/index.js` runs it too, with
 * Probot's own Octokit defaults.
 *
 * Besides the webhook handlers it runs, in the background: reconciliation of open pull
 * requests (at start, then every `reconcileIntervalMs`), a request for failed webhook
 * deliveries to be redelivered (every `redeliverIntervalMs`), the merge catch-up (at
 * start, then every `catchUpIntervalMs`), and the scheduler's timers. Webhook deliveries
 * become jobs in the durable queue (deliveries.ts; in Redis with REDIS_URL).
 * It answers `GET /healthz`.
 */
export interface ChangegateAppOptions extends Partial<Omit<ServiceOptions, "log" | "installationClient" | "appClient" | "redis">> {
  /** A Redis client for the per-head lock; by default one for REDIS_URL, when set. */
  redis?: RedisLike | null;
  redisUrl?: string;
  reconcileIntervalMs?: number;
  redeliverIntervalMs?: number;
  /** How often merged pull requests of the last days are held against the trail (the catch-up). */
  catchUpIntervalMs?: number;
  /** How far back the catch-up looks for merges (3 days). */
  catchUpWindowMs?: number;
  /** How long a webhook waits for its job before answering (under Probot's 9 s). */
  answerWithinMs?: number;
  /** How a delivery's job is retried. */
  deliveryRetry?: RetryPolicy;
  /** With a Redis URL: how long a dead worker's job waits before another replica takes it over (BullMQ's lock duration). */
  deliveryLockMs?: number;
  /** Wait after start before the first reconciliation and redelivery (Probot must be listening). */
  startupDelayMs?: number;
  /** Off: no background loops (tests drive them). */
  background?: boolean;
  /** Serve the webhook path with changegate's capped, streaming intake (server.ts turns Probot's own away from it). */
  webhookIntake?: WebhookIntakeOptions;
  /** The deployment protection rule: its hold store (default: Redis with REDIS_URL, else memory) and callback retries. */
  deployments?: DeploymentRuleOptions;
  /** The installations' write queue the App's Octokit writes through (server.ts); with Redis its window is shared by the replicas. */
  writePace?: WritePace | null;
}

export interface ChangegateApp {
  appFn: ApplicationFunction;
  /** The running service, once Probot has loaded the app. */
  readonly service: ChangegateService | null;
  /** The durable queue webhooks become jobs in, once loaded. */
  readonly deliveries: DeliveryQueue | null;
  /** The deployment protection rule, once Probot has loaded the app. */
  readonly deployments: DeploymentRule | null;
  /**
   * Stops the timers and queued work, then drains: waits for the evaluations already
   * running (webhooks and background jobs) to finish their writes, at most `drainMs`
   * (default 20 s; a restart's reconciliation repairs what a cut-off one left).
   */
  stop(options?: { drainMs?: number }): Promise<void>;
}

export function createChangegateApp(options: ChangegateAppOptions = {}, env: NodeJS.ProcessEnv = process.env): ChangegateApp {
  let service: ChangegateService | null = null;
  let deliveries: DeliveryQueue | null = null;
  let deployments: DeploymentRule | null = null;
  const timers: NodeJS.Timeout[] = [];
  let redisToClose: { quit(): Promise<unknown> } | null = null;
  let intakeHandler: WebhookIntake | null = null;

  const appFn: ApplicationFunction = async (app: Probot, { addHandler }) => {
    const appId = options.appId ?? Number(env.APP_ID);
    let redis: RedisLike | null = options.redis ?? null;
    const redisUrl = options.redisUrl ?? env.REDIS_URL;
    if (redis === null && options.redis === undefined && redisUrl) {
      const { Redis } = await import("ioredis");
      const client = new Redis(redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false });
      client.on("error", (error: Error) => app.log.warn({ err: error }, "changegate: Redis error"));
      redis = client as unknown as RedisLike;
      redisToClose = client;
    }
    // Several replicas on one Redis keep each installation's writes within GitHub's limit together.
    if (redis !== null) {
      const shared = redis;
      options.writePace?.share((limits) => new SharedWriteWindow(shared, limits, { log: app.log }));
    }
    const {
      redis: _redis,
      redisUrl: _url,
      reconcileIntervalMs: _r,
      redeliverIntervalMs: _d,
      catchUpIntervalMs: _c,
      catchUpWindowMs: _cw,
      answerWithinMs: _a,
      deliveryRetry: _dr,
      deliveryLockMs: _dl,
      startupDelayMs: _s,
      background: _b,
      webhookIntake: intake,
      deployments: deploymentOptions,
      writePace: _w,
      ...serviceOptions
    } = options;
    service = new ChangegateService({
      mergeHooks: auditMergeHooks(app.log, options.now ?? Date.now, (key, section) => service!.exclusive(key, section)),
      ...serviceOptions,
      appId,
      log: app.log,
      redis,
      installationClient: (installationId) => app.auth(installationId),
      appClient: () => app.auth(),
    });
    const running = service;
    // What the deployment rule may use of the service (deployment-holds.ts).
    const deps: DeploymentDeps = {
      now: running.now,
      log: app.log,
      exclusive: (key, section) => running.exclusive(key, section),
      loadPolicy: (client, target, installationId) => running.policyAt(client, target, installationId),
      installationClient: (installationId) => running.clientFor(installationId),
      prepare: (client, installationId) => running.prepare(client, installationId),
    };
    const holds = deploymentOptions?.store ?? (redis === null ? new MemoryHoldStore() : new RedisHoldStore(redis, deps.exclusive));
    const appClient = () => app.auth();
    deployments = new DeploymentRule(deps, { appClient, ...deploymentOptions, store: holds });
    const parts: HandlerParts = { service: running, deployments: { deps, rule: deployments } };
    const queueParts = { run: (work: Parameters<typeof runDelivery>[1]) => runDelivery(parts, work), client: (installationId: number) => app.auth(installationId), log: app.log, ...(options.deliveryRetry ? { retry: options.deliveryRetry } : {}) };
    deliveries = redisUrl
      ? await (await import("./redis-deliveries.js")).RedisDeliveries.start({ ...queueParts, url: redisUrl, ...(options.deliveryLockMs === undefined ? {} : { lockMs: options.deliveryLockMs }) })
      : new InProcessDeliveries(queueParts);
    registerHandlers(app, deliveries, options.answerWithinMs === undefined ? {} : { answerWithinMs: options.answerWithinMs });
    if (intake !== undefined) {
      intakeHandler = webhookIntake(() => app.webhooks as unknown as WebhookReceiver, intake, app.log);
      addHandler(intakeHandler);
    }
    // Holds kept by a previous process (or another replica) are armed again: released on time.
    const rule = deployments;
    void rule.start().catch((error: unknown) => app.log.warn({ err: error }, "changegate: the held deployments could not be read; retrying at the next reconciliation"));
    addHandler(healthHandler(() => service, () => deployments?.held ?? 0, () => deliveries));
    // The site's pages at /changegate/, when GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET and CHANGEGATE_SESSION_SECRET are set.
    const pages = pagesFromEnv(env, { appClient, installationClient: (id) => app.auth(id), redis, log: app.log });
    if (pages !== null) addHandler((request, response) => pages(request, response));

    if (options.background !== false) {
      const catchUpWindow = options.catchUpWindowMs === undefined ? {} : { windowMs: options.catchUpWindowMs };
      const every = (ms: number, work: () => Promise<unknown>) => {
        const timer = setInterval(() => void work().catch(() => undefined), ms);
        timer.unref();
        timers.push(timer);
      };
      const start = setTimeout(() => {
        void running.redeliverFailed();
        void running.reconcile();
        void running.catchUp(catchUpWindow);
        // Without Redis a restart forgot the holds: GitHub's deliveries name them again.
        if (redis === null && deploymentOptions?.store === undefined) void rule.recover().catch((error: unknown) => app.log.warn({ err: error }, "changegate: held deployments could not be found again"));
      }, options.startupDelayMs ?? 5_000);
      start.unref();
      timers.push(start);
      every(options.reconcileIntervalMs ?? 10 * 60_000, () => Promise.all([running.reconcile(), rule.start()]));
      every(options.redeliverIntervalMs ?? 5 * 60_000, () => running.redeliverFailed());
      every(options.catchUpIntervalMs ?? 30 * 60_000, () => running.catchUp(catchUpWindow));
    }
  };

  return {
    appFn,
    get service() {
      return service;
    },
    get deliveries() {
      return deliveries;
    },
    get deployments() {
      return deployments;
    },
    async stop(stopOptions = {}) {
      for (const timer of timers) clearTimeout(timer);
      deployments?.stop();
      service?.stop();
      const running = Promise.all([intakeHandler?.settled(), service?.idle()]);
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, stopOptions.drainMs ?? 20_000)));
      await Promise.race([running, bound]);
      clearTimeout(timer);
      await deliveries?.stop();
      await redisToClose?.quit().catch(() => undefined);
    },
  };
}

/** `GET /healthz`: 200 while the app is loaded and running, with what it holds. */
export function healthHandler(service: () => ChangegateService | null, heldDeployments: () => number = () => 0, deliveries: () => DeliveryQueue | null = () => null) {
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    if (request.method !== "GET" || (request.url ?? "").split("?")[0] !== "/healthz") return false;
    const running = service();
    const ok = running !== null && !running.stopped;
    const health = running?.health();
    const body =
      running === null || health === undefined
        ? { status: "starting" }
        : {
            status: ok ? "ok" : "stopping",
            scheduled: health.scheduled,
            heldDeployments: heldDeployments(),
            queued: health.queued,
            running: health.running,
            evaluations: health.evaluations,
            writes: health.writes,
            failures: health.failures,
            lastReconcileAt: health.lastReconcileAt === 0 ? null : new Date(health.lastReconcileAt).toISOString(),
            lastReconcileError: health.lastReconcileError,
            deliveries: deliveries()?.stats ?? null,
          };
    response.writeHead(ok ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
    return true;
  };
}

/** For `probot run ./dist/app/index.js`. */
const defaultApp = createChangegateApp();
export default defaultApp.appFn;
