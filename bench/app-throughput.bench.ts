// GitHub App throughput (issue 3): webhook events per second through the whole HTTP path
// (a signed POST to the real Probot server, Probot's verification and routing, the
// handler, its API requests to the fake GitHub on loopback, the answer), changegate beside
// a bare Probot app whose handlers make the same requests per event and nothing else. The
// ratio is changegate's own overhead; target: within 1.3x of the bare app.
//
// Each app runs in a child process of its own (so its CPU time can be read apart from the
// fake server's); the fake GitHub and the webhook sender run in this process. Both apps use
// the same Octokit (changegate's, with retries and rate-limit handling) with write pacing
// off: in production writes go about one a second (GitHub's secondary limit), which would
// measure GitHub's pace rather than either app.
//
// Workload: pull requests spread over a few repositories whose policy the app has already
// seen; each gets `pull_request.opened`, then one approving `pull_request_review.submitted`
// (so the run is updated), CONCURRENCY pull requests in flight. Requests per event are counted
// one event at a time from the fake's request log, the installation-token request aside.
//
//   node --import tsx bench/app-throughput.bench.ts             (npm run bench runs it)
//   BENCH_ROUNDS=3 BENCH_ROUND_MS=1500 BENCH_CONCURRENCY=8 ...    rounds per app, their length, pull requests in flight
//   BENCH_THROTTLE=off ...                                      both apps without Probot's throttling plugin
//   BENCH_VERBOSE=1 ...                                         each counted event's requests, each round's rate
//   BENCH_CPU_PROF=changegate ...                               write a .cpuprofile of that app (or bare) to $TMPDIR/changegate-profiles/
import { fork, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run, type Context, type Probot } from "probot";
import type { OctokitLimits } from "../src/app/octokit.js";
import { freePort } from "../test/support/free-port.js";

const KINDS = ["changegate", "bare"] as const;
type Kind = (typeof KINDS)[number];
const SECRET = "bench-webhook-secret";
const PROFILE_DIR = join(tmpdir(), "changegate-profiles");
// Write pacing off (no window, no limit in flight): the two apps are compared on their own work.
const LIMITS: OctokitLimits = { writes: { minuteMs: 0, concurrency: 100 }, retries: 2, retryBaseMs: 5, rateLimitUnitMs: 5, maxRateLimitWaitS: 60 };

// ------------------------------------------------------------------ the child: one app

interface ChildMessage {
  type: "ready" | "cpu";
  port?: number;
  cpuMs?: number;
}

/** The bare app: for each event, the requests changegate makes for it, in the same order and nothing else. */
function bareApp(app: Probot): void {
  const runs = new Map<string, number>();
  const seenPermissions = new Set<string>();
  const seenPushers = new Set<string>();
  type Pull = { number: number; head: { sha: string; ref: string } };
  const where = (context: Context) => {
    const repository = (context.payload as { repository: { name: string; owner: { login: string } } }).repository;
    return { owner: repository.owner.login, repo: repository.name };
  };
  app.on("pull_request.opened", async (context) => {
    const { owner, repo } = where(context);
    const pull = (context.payload as unknown as { pull_request: Pull }).pull_request;
    // changegate reads a pull request it has not decided on yet (a first payload proves nothing newer), and its reviews always.
    await context.octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner, repo, pull_number: pull.number });
    await context.octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", { owner, repo, pull_number: pull.number, per_page: 100, page: 1 });
    await context.octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", { owner, repo, pull_number: pull.number, per_page: 100, page: 1 });
    await context.octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", { owner, repo, ref: pull.head.sha, filter: "latest", per_page: 100 });
    for (const name of ["changegate/risk", "changegate/schedule", "changegate/approvals"]) {
      const { data } = await context.octokit.request("POST /repos/{owner}/{repo}/check-runs", {
        owner,
        repo,
        name,
        head_sha: pull.head.sha,
        status: "completed",
        conclusion: "success",
        output: { title: "bare", summary: "bare" },
        request: { retries: 0 },
      } as never);
      runs.set(`${owner}/${repo}@${pull.head.sha}:${name}`, (data as { id: number }).id);
    }
  });
  app.on("pull_request_review.submitted", async (context) => {
    const { owner, repo } = where(context);
    const { pull_request: pull, review } = context.payload as unknown as { pull_request: Pull; review: { user: { login: string } } };
    await context.octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", { owner, repo, pull_number: pull.number, per_page: 100, page: 1 });
    // changegate keeps reviewers' permissions for minutes and who pushed a head for good.
    const permission = `${owner}/${repo}|${review.user.login}`;
    if (!seenPermissions.has(permission)) {
      seenPermissions.add(permission);
      await context.octokit.request("GET /repos/{owner}/{repo}/collaborators/{username}/permission", { owner, repo, username: review.user.login });
    }
    const pusher = `${owner}/${repo}@${pull.head.sha}`;
    if (!seenPushers.has(pusher)) {
      seenPushers.add(pusher);
      await context.octokit.request("GET /repos/{owner}/{repo}/activity", { owner, repo, ref: `refs/heads/${pull.head.ref}`, per_page: 30 });
    }
    const id = runs.get(`${owner}/${repo}@${pull.head.sha}:changegate/approvals`);
    if (id === undefined) throw new Error("bare app: no approvals run to update");
    await context.octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      owner,
      repo,
      check_run_id: id,
      status: "completed",
      conclusion: "success",
      output: { title: "bare, reviewed", summary: "bare" },
    } as never);
  });
}

async function serve(kind: Kind): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production", LOG_LEVEL: (process.env["BENCH_LOG_LEVEL"] ?? "fatal") as NodeJS.ProcessEnv["LOG_LEVEL"], LOG_FORMAT: "json" };
  const { changegateOctokit } = await import("../src/app/octokit.js");
  let Octokit = changegateOctokit(LIMITS);
  if (process.env["BENCH_THROTTLE"] === "off") Octokit = Octokit.defaults((options: Record<string, unknown>) => ({ ...options, throttle: { ...(options["throttle"] as object), enabled: false } })) as typeof Octokit;
  let stop: () => Promise<void>;
  if (kind === "changegate") {
    const { createChangegateApp } = await import("../src/app/index.js");
    // As startChangegate (npm start) runs it, without the background loops: reconciliation
    // and redelivery are periodic, not per event.
    const app = createChangegateApp({ background: false }, env);
    const server = await run(app.appFn, { env, Octokit });
    stop = async () => {
      await app.stop();
      await server.stop();
    };
  } else {
    const server = await run((app) => bareApp(app), { env, Octokit });
    stop = () => server.stop();
  }
  process.on("message", (message: { type: string }) => {
    if (message.type === "cpu") {
      const usage = process.cpuUsage();
      process.send!({ type: "cpu", cpuMs: (usage.user + usage.system) / 1000 } satisfies ChildMessage);
    } else if (message.type === "stop") {
      // process.exit, not a return: a CPU profile is written on exit.
      void stop().finally(() => process.exit(0));
    }
  });
  // The parent gone (it failed): do not stay listening.
  process.on("disconnect", () => void stop().finally(() => process.exit(0)));
  process.send!({ type: "ready", port: Number(env["PORT"]) } satisfies ChildMessage);
}

// ------------------------------------------------------------- the parent: the workload


interface Child {
  process: ChildProcess;
  url: string;
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

async function startChild(kind: Kind, fakeHost: string, appId: number, privateKey: string): Promise<Child> {
  const port = await freePort();
  const profile = process.env["BENCH_CPU_PROF"] === kind;
  const here = fileURLToPath(import.meta.url);
  const child = fork(here, ["--serve", kind], {
    execArgv: ["--import", "tsx", ...(profile ? ["--cpu-prof", "--cpu-prof-dir", PROFILE_DIR] : [])],
    env: {
      PATH: process.env["PATH"] ?? "",
      ...(process.env["BENCH_THROTTLE"] ? { BENCH_THROTTLE: process.env["BENCH_THROTTLE"] } : {}),
      ...(process.env["BENCH_LOG_LEVEL"] ? { BENCH_LOG_LEVEL: process.env["BENCH_LOG_LEVEL"] } : {}),
      APP_ID: String(appId),
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: fakeHost,
      GHE_PROTOCOL: "http",
      PORT: String(port),
      HOST: "127.0.0.1",
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = (type: ChildMessage["type"]) =>
    new Promise<ChildMessage>((resolve, reject) => {
      const onMessage = (message: ChildMessage) => {
        if (message.type !== type) return;
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(message);
      };
      const onExit = (code: number | null) => reject(new Error(`the ${kind} app exited (${code})`));
      child.on("message", onMessage);
      child.once("exit", onExit);
    });
  await next("ready");
  return {
    process: child,
    url: `http://127.0.0.1:${port}/api/github/webhooks`,
    async cpuMs() {
      const answer = next("cpu");
      child.send({ type: "cpu" });
      return (await answer).cpuMs!;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.send({ type: "stop" });
      }),
  };
}

async function main(): Promise<void> {
  const { pullRequestEvent, pullRequestReviewEvent, deliverWebhook, startFakeGitHub } = await import("../test/fake-github/index.js");
  type Event = ReturnType<typeof pullRequestEvent>;
  const ROUND_MS = Number(process.env["BENCH_ROUND_MS"] ?? 1_500);
  const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 3);
  const CONCURRENCY = Number(process.env["BENCH_CONCURRENCY"] ?? 8);
  const verbose = process.env["BENCH_VERBOSE"] !== undefined;
  const REPOS = 4;
  const POLICY = "version: 1\ntimezone: UTC\napprovals:\n  low: { count: 1 }\n  medium: { count: 2 }\n";
  // A change request of its own per pull request, as in life (no parse is shared between them).
  const body = (i: number) =>
    [
      "Upgrade the session cache.",
      "",
      "```yaml",
      "change_request:",
      `  id: "CR-${i}"`,
      "  type: normal",
      "  implementation_plan: |",
      "    1. helm upgrade",
      "  rollback_plan: |",
      "    1. helm rollback",
      "```",
      "",
    ].join("\n");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  const fake = await startFakeGitHub();
  // GitHub's 5,000 requests an hour per installation would end the run early.
  fake.rateLimit.limit = Number.MAX_SAFE_INTEGER;
  const apiRequests = () => fake.requests({ excludeInstallationToken: true });

  // Each app has repositories of its own, with the same policy and reviewers.
  for (const kind of KINDS) {
    for (let r = 0; r < REPOS; r++) {
      const name = `${kind}-${r}`;
      fake.addRepository({ owner: "acme", name, files: { "README.md": "shop\n", ".github/changegate.yml": POLICY } });
      for (const login of ["alice", "bob", "dave", "erin"]) fake.setPermission("acme", name, login, "write");
    }
  }
  /** Pull requests, each with its events: opened, then an approving review (submitted in the fake up front). */
  let serial = 0;
  const workload = (kind: Kind, count: number, reviewers = ["alice", "bob"]): [Event, Event][] =>
    Array.from({ length: count }, (_, n) => {
      // Distinct changes: two pull requests with the same tree would share a head commit.
      const i = serial++;
      const pull = fake.openPullRequest({ owner: "acme", repo: `${kind}-${i % REPOS}`, user: "carol", title: `Change ${i}`, body: body(i), changes: { [`src/file${i}.ts`]: `export const x = ${i};\n` } });
      const review = fake.submitReview(pull, { user: reviewers[n % reviewers.length]!, state: "APPROVED" });
      return [pullRequestEvent(fake, "opened", pull), pullRequestReviewEvent(fake, "submitted", pull, review)];
    });

  const started = await Promise.all(KINDS.map((kind) => startChild(kind, fake.host, fake.app.id, privateKey)));
  const children = Object.fromEntries(KINDS.map((kind, i) => [kind, started[i]!])) as Record<Kind, Child>;
  let failed = 0;
  const deliver = async (kind: Kind, event: Event) => {
    const answer = await deliverWebhook(fake, event, { url: children[kind].url, secret: SECRET });
    if (answer.status !== 200) failed++;
  };
  /** Delivers pull requests' events, `concurrency` pull requests at a time, until they run out or the deadline passes. */
  const drive = async (kind: Kind, pairs: [Event, Event][], concurrency: number, deadline = Infinity) => {
    let next = 0;
    let events = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < pairs.length && performance.now() < deadline) {
          const [opened, review] = pairs[next++]!;
          await deliver(kind, opened);
          await deliver(kind, review);
          events += 2;
        }
      }),
    );
    if (next >= pairs.length && deadline !== Infinity) throw new Error(`${kind}: the workload ran out before the round ended`);
    return events;
  };

  // Warm-up: JIT, the installation token, each repository's policy and the usual reviewers seen.
  let warmRate = 0;
  for (const kind of KINDS) {
    const start = performance.now();
    const events = await drive(kind, workload(kind, 40), CONCURRENCY);
    warmRate = Math.max(warmRate, events / ((performance.now() - start) / 1000));
  }

  // Requests per event, one event at a time: reviewers not seen yet first (their permission is read), then seen ones.
  const perEvent = {} as Record<Kind, { opened: number[]; review: number[] }>;
  for (const kind of KINDS) {
    perEvent[kind] = { opened: [], review: [] };
    for (const [opened, review] of workload(kind, 6, ["dave", "erin", "alice", "bob"])) {
      fake.resetRequests();
      await deliver(kind, opened);
      perEvent[kind].opened.push(apiRequests().length);
      if (verbose) console.log(kind, "opened:", apiRequests().map((record) => record.route).join(", "));
      fake.resetRequests();
      await deliver(kind, review);
      perEvent[kind].review.push(apiRequests().length);
      if (verbose) console.log(kind, "review:", apiRequests().map((record) => record.route).join(", "));
    }
  }

  // Throughput: time-bounded rounds, the two apps alternating (ABBA...) so that drift on a shared machine hits both.
  // Enough pull requests for a round at three times the warm-up's pace.
  const PULLS = Math.ceil((warmRate * 3 * ROUND_MS) / 1000 / 2) + CONCURRENCY;
  const pending = Object.fromEntries(KINDS.map((kind) => [kind, workload(kind, PULLS * ROUNDS)])) as Record<Kind, [Event, Event][]>;
  const totals = Object.fromEntries(KINDS.map((kind) => [kind, { events: 0, seconds: 0, cpuMs: 0, requests: 0 }])) as Record<Kind, { events: number; seconds: number; cpuMs: number; requests: number }>;
  for (let round = 0; round < ROUNDS * 2; round++) {
    const kind = KINDS[(round + Math.floor(round / 2)) % 2]!;
    const pairs = pending[kind].splice(0, PULLS);
    fake.resetRequests();
    const cpuBefore = await children[kind].cpuMs();
    const start = performance.now();
    const events = await drive(kind, pairs, CONCURRENCY, start + ROUND_MS);
    const seconds = (performance.now() - start) / 1000;
    const total = totals[kind];
    total.cpuMs += (await children[kind].cpuMs()) - cpuBefore;
    total.events += events;
    total.seconds += seconds;
    total.requests += apiRequests().length;
    if (verbose) console.log(`round ${round + 1}: ${kind} ${Math.round(events / seconds)} events/s`);
  }
  for (const kind of KINDS) await children[kind].stop();
  await fake.close();

  const result = (kind: Kind) => {
    const total = totals[kind];
    return { eventsPerSecond: total.events / total.seconds, cpuMsPerEvent: total.cpuMs / total.events, requestsPerEvent: total.requests / total.events };
  };
  const cg = result("changegate");
  const bare = result("bare");
  const range = (values: number[]) => (Math.min(...values) === Math.max(...values) ? `${values[0]}` : `${Math.min(...values)}-${Math.max(...values)}`);
  const ratio = bare.eventsPerSecond / cg.eventsPerSecond;
  console.log(
    `GitHub App throughput (node ${process.version}; ${ROUNDS} rounds of ${ROUND_MS / 1000} s per app, alternating; ${CONCURRENCY} pull requests in flight; ` +
      `each app in its own process, the fake GitHub in another; throttling ${process.env["BENCH_THROTTLE"] === "off" ? "off" : "on (write pacing off)"})`,
  );
  for (const [kind, r] of [["changegate", cg], ["bare", bare]] as const) {
    console.log(`  ${kind.padEnd(10)} ${Math.round(r.eventsPerSecond).toLocaleString("en-US")} events/s, ${r.cpuMsPerEvent.toFixed(2)} ms CPU per event in the app, ${r.requestsPerEvent.toFixed(2)} API requests per event`);
  }
  console.log(`  ratio (bare events/s / changegate events/s): ${ratio.toFixed(2)}x; CPU per event: ${(cg.cpuMsPerEvent / bare.cpuMsPerEvent).toFixed(2)}x`);
  const counts = perEvent.changegate;
  console.log(`  requests per event (policy already seen; installation token aside): pull_request.opened ${range(counts.opened)} (budget 5), pull_request_review.submitted ${range(counts.review)} (budget 4)`);
  if (range(counts.opened) !== range(perEvent.bare.opened) || range(counts.review) !== range(perEvent.bare.review)) {
    console.log(`  NOTE: the bare app made ${range(perEvent.bare.opened)} / ${range(perEvent.bare.review)} requests for those events, not the same as changegate`);
  }
  if (failed > 0) console.log(`  ${failed} deliveries were NOT answered 200`);
  const met = ratio <= 1.3 && failed === 0 && Math.max(...counts.opened) <= 5 && Math.max(...counts.review) <= 4;
  if (process.env["BENCH_CPU_PROF"]) console.log(`  CPU profile of ${process.env["BENCH_CPU_PROF"]} written to ${PROFILE_DIR}`);
  console.log(`  targets: within 1.3x of the bare app, opened <= 5, review <= 4: ${met ? "met" : "NOT met"}`);
}

if (process.argv[2] === "--serve") await serve(process.argv[3] as Kind);
else await main();
