// Pull requests opened at once (issue 11, finding 7): 20 in one installation, then 20 in
// each of two installations at the same time, all `opened` delivered together to the App
// as `npm start` runs it. Measured per pull request: from its delivery to its three check
// runs on GitHub, median and p99, per installation. GitHub's write pace is scaled by
// BENCH_WRITE_MS / 1 s (100 ms: a tenth; 1000: production's pace): Probot's one write a
// second (sources before issue 11's write queue), 80 in any minute after it; the rounds are
// a scaled minute apart, so that one round's writes have left the window when the next
// begins. BENCH_LATENCY_MS delays every answer of the fake GitHub (0: none; GitHub itself
// takes a few hundred ms). Two installations should not slow each other. BENCH_REPLICAS=2
// runs that many Apps on one redis-server (REDIS_URL), the deliveries spread over them in
// turn; every round also reports each installation's writes in its busiest scaled minute, as
// the fake GitHub received them (GitHub allows 80; replicas that count apart send more).
//
//   node --import tsx bench/opened-at-once.bench.ts        (npm run bench runs it)
//   BENCH_PULLS=20 BENCH_WRITE_MS=100 BENCH_LATENCY_MS=0 BENCH_REPLICAS=1 BENCH_SRC=<another checkout>/src ...
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type * as ServerModule from "../src/app/server.js";
import { appEnvironment, scaledWritePace } from "./app-environment.js";
import { deliverWebhook, pullRequestEvent, startFakeGitHub, type PullRequestRef } from "../test/fake-github/index.js";
import { busiestWindow } from "../test/support/busiest-window.js";
import { startRedisServer, type RedisServer } from "../test/support/redis-server.js";

const PULLS = Number(process.env["BENCH_PULLS"] ?? 20);
const WRITE_MS = Number(process.env["BENCH_WRITE_MS"] ?? 100);
const LATENCY_MS = Number(process.env["BENCH_LATENCY_MS"] ?? 0);
const REPLICAS = Number(process.env["BENCH_REPLICAS"] ?? 1);
const SRC = resolve(process.env["BENCH_SRC"] ?? new URL("../src", import.meta.url).pathname);
const SECRET = "bench-opened-secret";
const POLICY = "version: 1\ntimezone: UTC\n";
const BODY = ["Opened.", "", "```yaml", "change_request:", "  type: normal", "  implementation_plan: |", "    1. deploy", "  rollback_plan: |", "    1. roll back", "```", ""].join("\n");

const fake = await startFakeGitHub(LATENCY_MS > 0 ? { latencyMs: LATENCY_MS } : {});
const redis: RedisServer | null = REPLICAS > 1 ? await startRedisServer() : null;
const { startChangegate } = (await import(pathToFileURL(`${SRC}/app/server.ts`).href)) as typeof ServerModule;
const replicas: { url: string; started: Awaited<ReturnType<typeof startChangegate>> }[] = [];
for (let index = 0; index < REPLICAS; index++) {
  const { env, url } = await appEnvironment(fake, SECRET);
  if (redis !== null) env["REDIS_URL"] = redis.url;
  replicas.push({ url, started: await startChangegate(env, { background: false }, { ...scaledWritePace(WRITE_MS), retries: 2, retryBaseMs: 50 }) });
}
/** The replica the n-th delivery goes to, in turn, as a load balancer spreads them. */
const urlFor = (n: number) => replicas[n % replicas.length]!.url;
console.log(`opened at once: ${PULLS} pull requests per installation, ${REPLICAS} replica${REPLICAS === 1 ? "" : "s"}, writes paced at ${WRITE_MS} ms, GitHub answering after ${LATENCY_MS} ms, src ${SRC}`);

/** The most writes of `owner`'s installation GitHub received within any scaled minute since `from`. */
function busiestMinute(owner: string, from: number): number {
  const writes = fake.requests((record) => record.method !== "GET" && !record.installationToken && record.path.startsWith(`/repos/${owner}/`) && record.timestamp >= from);
  return busiestWindow(writes.map((record) => record.timestamp), 60 * WRITE_MS);
}

const owners = ["acme", "globex"];
for (const owner of owners) {
  fake.addRepository({ owner, name: "warm", files: { ".github/changegate.yml": POLICY } });
  // The policy and the installation's token read once before the measured round.
  // Every replica once, so that each has the policy and the token before the measured round.
  for (let n = 0; n < REPLICAS; n++) await deliverWebhook(fake, pullRequestEvent(fake, "opened", fake.openPullRequest({ owner, repo: "warm", user: "carol", body: BODY, changes: { [`w${n}.txt`]: "w\n" } })), { url: urlFor(n), secret: SECRET });
}

let round = 0;
for (const installations of [1, 2]) {
  round++;
  // A scaled minute: the warm-up's and the last round's writes leave the window.
  await new Promise((done) => setTimeout(done, 60 * WRITE_MS));
  const pulls: { owner: string; ref: PullRequestRef; sent: number; done: number | null }[] = [];
  for (const owner of owners.slice(0, installations)) {
    const repo = `round${round}`;
    fake.addRepository({ owner, name: repo, files: { ".github/changegate.yml": POLICY } });
    for (let i = 0; i < PULLS; i++) pulls.push({ owner, ref: fake.openPullRequest({ owner, repo, user: "carol", body: BODY, changes: { [`f${i}.txt`]: `${i}\n` } }), sent: 0, done: null });
  }
  const began = Date.now();
  const deliveries = pulls.map((pull, n) => {
    pull.sent = Date.now();
    return deliverWebhook(fake, pullRequestEvent(fake, "opened", pull.ref), { url: urlFor(n), secret: SECRET }).catch(() => undefined);
  });
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline && pulls.some((pull) => pull.done === null)) {
    const now = Date.now();
    for (const pull of pulls) {
      if (pull.done !== null) continue;
      const runs = fake.checkRuns(pull.owner, pull.ref.repo, { headSha: fake.pullRequest(pull.ref).head.sha }).filter((run) => run.status === "completed");
      if (runs.length >= 3) pull.done = now;
    }
    await new Promise((done) => setTimeout(done, 25));
  }
  await Promise.all(deliveries);
  for (const owner of owners.slice(0, installations)) {
    const times = pulls.filter((pull) => pull.owner === owner).map((pull) => (pull.done ?? Number.NaN) - pull.sent).sort((a, b) => a - b);
    const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]! / 1000;
    console.log(`  ${installations} installation${installations === 1 ? "" : "s"}, ${owner}: three runs after median ${at(0.5).toFixed(2)} s, p99 ${at(0.99).toFixed(2)} s; writes in the busiest minute ${busiestMinute(owner, began)}`);
  }
}
for (const replica of replicas) await replica.started.stop({ drainMs: 1_000 });
await fake.close();
await redis?.stop();
process.exit(0);
