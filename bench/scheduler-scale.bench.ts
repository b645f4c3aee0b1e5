// The scheduler at scale (issue 11, finding 8): N open pull requests known to the App under
// a policy with traffic classes, then a stream of webhooks. Measured: evaluations per
// webhook (an event for PR X should evaluate X once, and make no other pull request due),
// events per second, and the App's heap per open pull request.
//
// The App runs in a child process of its own (its heap apart from the fake GitHub's, which
// holds the N pull requests too), as `npm start` runs it (the webhook intake, Probot, the
// bounded Octokit), write pacing off (GitHub's write pace would measure GitHub, not the App).
// It learns the N pull requests as after a restart, through reconciliation (no webhook per
// pull request): by default each already carries the three runs an evaluation published,
// current, so that reconciliation reads its boundary back (BENCH_SEED=restore, two requests
// a pull request); BENCH_SEED=evaluate gives them no runs, and each is evaluated (eight
// requests, and every cache of an evaluated pull request filled: slower to set up).
//
// The App's clock (and only its clock) is set to a Tuesday, 14:00 UTC, where the traffic
// classes below (peak 17:00-21:00, business 09:00-17:00) put the next decision boundary of
// every pull request at 17:00 (the risk's timing rises). Just before the stream the App's
// clock moves to 16:50 (as if the App had run the afternoon through), so the 17:00 boundary
// is 10 minutes away, where the scheduler's lead for it matters, and the stream ends before
// it: no boundary passes during the measurement. The approvals required are the same at
// every tier, so 17:00 blocks no pull request that passes; it changes the risk summaries'
// score, which is rewritten at 17:00 itself.
//
// The stream: 20% new pull requests (`opened`), 50% reviews (approvals and comments on
// random open pull requests), 30% description edits, BENCH_IN_FLIGHT at a time.
//
//   node --import tsx bench/scheduler-scale.bench.ts           (npm run bench runs it)
//   BENCH_SIZES=10000,50000 BENCH_EVENTS=1500 BENCH_IN_FLIGHT=8 BENCH_SEED=restore|evaluate ...
//   BENCH_SRC=/path/to/src ...    another checkout's src/ (its node_modules beside it), for a before/after
import { fork, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as ServerModule from "../src/app/server.js";
import type * as DecisionInputsModule from "../src/github/decision-inputs.js";
import type { PullSnapshot } from "../src/pipeline/reader.js";
import { blobSha } from "../test/fake-github/git.js";
import { Renderer } from "../test/fake-github/render.js";
import { appEnvironment, scaledWritePace } from "./app-environment.js";
import { deliverWebhook, pullRequestEvent, pullRequestReviewEvent, startFakeGitHub, type FakeGitHub, type PullRequestRef, type WebhookEvent } from "../test/fake-github/index.js";

const SIZES = (process.env["BENCH_SIZES"] ?? "10000,50000").split(",").map(Number);
const EVENTS = Number(process.env["BENCH_EVENTS"] ?? 1_500);
const IN_FLIGHT = Number(process.env["BENCH_IN_FLIGHT"] ?? 8);
const SRC = resolve(process.env["BENCH_SRC"] ?? new URL("../src", import.meta.url).pathname);
const SECRET = "bench-scheduler-scale-secret";
const PER_REPO = 2_500;
/** "evaluate": the App evaluates each pull request (no runs yet); "restore": each has current runs, as after a restart, read back. */
const SEED = process.env["BENCH_SEED"] ?? "restore";
const WARM = 500;
const DAYS = "[mon, tue, wed, thu, fri, sat, sun]";
const POLICY = [
  "version: 1",
  "timezone: UTC",
  "risk:",
  "  traffic:",
  `    peak: [{ days: ${DAYS}, from: "17:00", to: "21:00" }]`,
  `    business: [{ days: ${DAYS}, from: "09:00", to: "17:00" }]`,
  "approvals: { low: { count: 1 }, medium: { count: 1 }, high: { count: 1 }, critical: { count: 1 } }",
  "",
].join("\n");
const REVIEWERS = ["alice", "bob", "dave"] as const;
/** The App's clock: a Tuesday afternoon, then ten minutes before the 17:00 boundary. */
const SEED_AT = Date.parse("2027-03-02T14:00:00Z");
const STREAM_AT = Date.parse("2027-03-02T16:50:00Z");

const body = (i: number, edit = 0) =>
  [`Change ${i}${edit > 0 ? ` (edit ${edit})` : ""}.`, "", "```yaml", "change_request:", "  type: normal", "  implementation_plan: |", "    1. deploy", "  rollback_plan: |", "    1. roll back", "```", ""].join("\n");

/** A deterministic generator: the same stream every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

// ------------------------------------------------------------------ the child: the App

type Request = { type: "reconcile" } | { type: "stats" } | { type: "clock"; at: number } | { type: "idle" } | { type: "stop" };
interface Stats {
  evaluations: number;
  scheduled: number;
  heapBytes: number;
}

async function serve(): Promise<void> {
  const env = JSON.parse(process.env["BENCH_APP_ENV"]!) as NodeJS.ProcessEnv;
  const { startChangegate } = (await import(pathToFileURL(`${SRC}/app/server.ts`).href)) as typeof ServerModule;
  let offset = SEED_AT - Date.now();
  const started = await startChangegate(env, { background: false, now: () => Date.now() + offset, maxOpenPulls: PER_REPO, concurrency: 8 }, { ...scaledWritePace(0), writes: { minuteMs: 0, concurrency: 100 }, retries: 2, retryBaseMs: 50 });
  const service = started.app.service!;
  const stats = (): Stats => {
    for (let i = 0; i < 3; i++) globalThis.gc!();
    const health = service.health();
    return { evaluations: health.evaluations, scheduled: health.scheduled, heapBytes: process.memoryUsage().heapUsed };
  };
  process.on("message", (message: Request) => {
    void (async () => {
      if (message.type === "reconcile") process.send!({ type: "reconciled", counts: await service.reconcile() });
      else if (message.type === "idle") {
        await service.idle();
        process.send!({ type: "idle" });
      } else if (message.type === "stats") process.send!({ type: "stats", stats: stats() });
      else if (message.type === "clock") {
        offset = message.at - Date.now();
        process.send!({ type: "clock" });
      } else {
        await started.stop({ drainMs: 1_000 });
        process.exit(0);
      }
    })();
  });
  process.on("disconnect", () => process.exit(0));
  process.send!({ type: "ready" });
}

// ------------------------------------------------------------- the parent: the workload

/**
 * For BENCH_SEED=restore: the three runs an evaluation at SEED_AT publishes on each pull
 * request (risk and schedule pass, approvals wait for one; next change 17:00, when traffic
 * turns to peak), recording the inputs it was decided on in the App's own format (the
 * measured sources' decisionInputs), so that reconciliation finds them current and only
 * reads each pull request's boundary back (two requests) instead of evaluating it (eight).
 */
async function recordRuns(fake: FakeGitHub, refs: PullRequestRef[]): Promise<void> {
  const { decisionInputs } = (await import(pathToFileURL(`${SRC}/github/decision-inputs.ts`).href)) as typeof DecisionInputsModule;
  const render = new Renderer(fake, fake.url);
  const policy = [{ sha: blobSha(POLICY) }];
  const next = new Date(Date.parse("2027-03-02T17:00:00Z")).toISOString();
  for (const ref of refs) {
    const pull = fake.pullRequest(ref);
    const inputs = decisionInputs(render.pullRequest(fake.repository(ref.owner, ref.repo), pull) as unknown as PullSnapshot, [], policy);
    const externalId = `changegate:next=${next};pr=${inputs.pull};rv=${inputs.reviews};po=${inputs.policy}`;
    for (const [name, conclusion, title] of [
      ["changegate/risk", "success", "Medium risk (10)"],
      ["changegate/schedule", "success", "Inside the normal change window"],
      ["changegate/approvals", "failure", "1 approval required for medium risk"],
    ] as const) {
      fake.createCheckRun(ref.owner, ref.repo, { headSha: pull.head.sha, name, conclusion, externalId, output: { title, summary: title } });
    }
  }
}

interface App {
  child: ChildProcess;
  ask<T>(request: Request, answer: string): Promise<T>;
}

function startApp(env: NodeJS.ProcessEnv): Promise<App> {
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], {
    execArgv: ["--import", "tsx", "--expose-gc", "--max-old-space-size=4096"],
    env: { ...process.env, BENCH_APP_ENV: JSON.stringify(env) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = <T>(type: string) =>
    new Promise<T>((done, fail) => {
      const onMessage = (message: { type: string } & Record<string, unknown>) => {
        if (message.type !== type) return;
        child.off("message", onMessage);
        child.off("exit", onExit);
        done(message as T);
      };
      const onExit = (code: number | null) => fail(new Error(`the App exited (${code})`));
      child.on("message", onMessage);
      child.once("exit", onExit);
    });
  return next("ready").then(() => ({
    child,
    ask<T>(request: Request, answer: string) {
      const answered = next<T>(answer);
      child.send(request);
      return answered;
    },
  }));
}

interface Result {
  size: number;
  seedSeconds: number;
  seedEvaluationsPerPull: number;
  heapPerPull: number;
  heapMiB: number;
  evaluationsPerWebhook: number;
  eventsPerSecond: number;
  failed: number;
}

async function measure(size: number): Promise<Result> {
  const fake: FakeGitHub = await startFakeGitHub();
  fake.rateLimit.limit = Number.MAX_SAFE_INTEGER;
  const repos = Array.from({ length: Math.ceil(size / PER_REPO) }, (_, r) => `scale${r}`);
  for (const repo of repos) {
    fake.addRepository({ owner: "acme", name: repo, files: { ".github/changegate.yml": POLICY } });
    for (const login of REVIEWERS) fake.setPermission("acme", repo, login, "write");
  }
  const refs: PullRequestRef[] = [];
  const edits = new Map<PullRequestRef, number>();
  const open = (i: number, repo = repos[i % repos.length]!) => {
    const ref = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: body(i), changes: { [`f${i}.txt`]: `${i}\n` } });
    refs.push(ref);
    return ref;
  };
  // The fake keeps a log of every request: not needed here, and it would grow by the hundred thousand.
  const trim = setInterval(() => fake.resetRequests(), 2_000);

  const { env, url } = await appEnvironment(fake, SECRET);
  const app = await startApp(env);
  const stats = async () => (await app.ask<{ stats: Stats }>({ type: "stats" }, "stats")).stats;
  // Warm-up (code loaded, the installation's token, caches that do not grow with pull requests):
  // a repository of WARM pull requests learnt first; the heap per pull request is measured from there.
  fake.addRepository({ owner: "acme", name: "warm", files: { ".github/changegate.yml": POLICY } });
  for (let i = 0; i < WARM; i++) open(-1 - i, "warm");
  await app.ask({ type: "reconcile" }, "reconciled");
  await app.ask({ type: "idle" }, "idle");
  for (let i = 0; i < size; i++) open(i);
  if (SEED === "restore") await recordRuns(fake, refs.slice(WARM));
  const before = await stats();
  const seedStart = Date.now();
  await app.ask({ type: "reconcile" }, "reconciled");
  await app.ask({ type: "idle" }, "idle");
  const seedSeconds = (Date.now() - seedStart) / 1000;
  const seeded = await stats();

  // The afternoon passes: ten minutes before the boundary. What that makes due is done before the stream.
  await app.ask({ type: "clock", at: STREAM_AT }, "clock");
  await new Promise((done) => setTimeout(done, 200));
  await app.ask({ type: "idle" }, "idle");
  const ready = await stats();

  const next = random(8);
  let serial = size;
  const pick = () => refs[Math.floor(next() * refs.length)]!;
  const makeEvent = (): WebhookEvent => {
    const roll = next();
    if (roll < 0.2) return pullRequestEvent(fake, "opened", open(serial++));
    if (roll < 0.7) {
      const ref = pick();
      const review = fake.submitReview(ref, { user: REVIEWERS[Math.floor(next() * REVIEWERS.length)]!, state: next() < 0.5 ? "APPROVED" : "COMMENTED" });
      return pullRequestReviewEvent(fake, "submitted", ref, review);
    }
    const ref = pick();
    const edit = (edits.get(ref) ?? 0) + 1;
    edits.set(ref, edit);
    const previous = fake.pullRequest(ref).body;
    fake.editPullRequest(ref, { body: body(ref.number, edit) });
    return pullRequestEvent(fake, "edited", ref, { changes: { body: { from: previous } } });
  };
  let failed = 0;
  let sent = 0;
  const streamStart = Date.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (sent < EVENTS) {
        sent++;
        const answer = await deliverWebhook(fake, makeEvent(), { url, secret: SECRET }).catch(() => null);
        if (answer?.status !== 200) failed++;
      }
    }),
  );
  await app.ask({ type: "idle" }, "idle");
  const streamSeconds = (Date.now() - streamStart) / 1000;
  const after = await stats();
  clearInterval(trim);
  await app.ask({ type: "stop" }, "never").catch(() => undefined);
  await fake.close();
  return {
    size,
    seedSeconds,
    seedEvaluationsPerPull: (seeded.evaluations - before.evaluations) / size,
    heapPerPull: (seeded.heapBytes - before.heapBytes) / size,
    heapMiB: after.heapBytes / 2 ** 20,
    evaluationsPerWebhook: (after.evaluations - ready.evaluations) / EVENTS,
    eventsPerSecond: EVENTS / streamSeconds,
    failed,
  };
}

async function main(): Promise<void> {
  console.log(`scheduler at scale: ${EVENTS} webhooks per size, ${IN_FLIGHT} in flight, write pacing off, the App in its own process, pull requests learnt by ${SEED === "restore" ? "restoring their current runs" : "evaluating each"}, src ${SRC}`);
  let met = true;
  for (const size of SIZES) {
    const r = await measure(size);
    console.log(
      `  ${size.toLocaleString("en-US")} open PRs: ${r.evaluationsPerWebhook.toFixed(2)} evaluations per webhook, ${r.eventsPerSecond.toFixed(1)} events/s; ` +
        `heap ${(r.heapPerPull / 1024).toFixed(2)} KiB per open PR (${r.heapMiB.toFixed(0)} MiB in all after the stream); ` +
        `learning them took ${r.seedSeconds.toFixed(0)} s, ${r.seedEvaluationsPerPull.toFixed(2)} evaluations per PR${r.failed > 0 ? `; ${r.failed} deliveries NOT answered 200` : ""}`,
    );
    met &&= r.evaluationsPerWebhook <= 1.1 && r.failed === 0;
  }
  console.log(`  target: <= 1.1 evaluations per webhook at every size: ${met ? "met" : "NOT met"}`);
  process.exit(0);
}

if (process.argv[2] === "--serve") await serve();
else await main();
