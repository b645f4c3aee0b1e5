// Pull requests opened at once (issue 11, finding 7): 20 in one installation, then 20 in
// each of two installations at the same time, all `opened` delivered together to the App
// as `npm start` runs it. Measured per pull request: from its delivery to its three check
// runs on GitHub, median and p99, per installation. GitHub's write pace is scaled by
// BENCH_WRITE_MS / 1 s (100 ms: a tenth; 1000: production's pace): Probot's one write a
// second (sources before issue 11's write queue), 80 in any minute after it; the rounds are
// a scaled minute apart, so that one round's writes have left the window when the next
// begins. BENCH_LATENCY_MS delays every answer of the fake GitHub (0: none; GitHub itself
// takes a few hundred ms). Two installations should not slow each other.
//
//   node --import tsx bench/opened-at-once.bench.ts        (npm run bench runs it)
//   BENCH_PULLS=20 BENCH_WRITE_MS=100 BENCH_LATENCY_MS=0 BENCH_SRC=<another checkout>/src ...
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type * as ServerModule from "../src/app/server.js";
import { appEnvironment, scaledWritePace } from "./app-environment.js";
import { deliverWebhook, pullRequestEvent, startFakeGitHub, type PullRequestRef } from "../test/fake-github/index.js";

const PULLS = Number(process.env["BENCH_PULLS"] ?? 20);
const WRITE_MS = Number(process.env["BENCH_WRITE_MS"] ?? 100);
const LATENCY_MS = Number(process.env["BENCH_LATENCY_MS"] ?? 0);
const SRC = resolve(process.env["BENCH_SRC"] ?? new URL("../src", import.meta.url).pathname);
const SECRET = "bench-opened-secret";
const POLICY = "version: 1\ntimezone: UTC\n";
const BODY = ["Opened.", "", "```yaml", "change_request:", "  type: normal", "  implementation_plan: |", "    1. deploy", "  rollback_plan: |", "    1. roll back", "```", ""].join("\n");

const fake = await startFakeGitHub(LATENCY_MS > 0 ? { latencyMs: LATENCY_MS } : {});
const { env, url } = await appEnvironment(fake, SECRET);
const { startChangegate } = (await import(pathToFileURL(`${SRC}/app/server.ts`).href)) as typeof ServerModule;
const started = await startChangegate(env, { background: false }, { ...scaledWritePace(WRITE_MS), retries: 2, retryBaseMs: 50 });
console.log(`opened at once: ${PULLS} pull requests per installation, writes paced at ${WRITE_MS} ms, GitHub answering after ${LATENCY_MS} ms, src ${SRC}`);

const owners = ["acme", "globex"];
for (const owner of owners) {
  fake.addRepository({ owner, name: "warm", files: { ".github/changegate.yml": POLICY } });
  // The policy and the installation's token read once before the measured round.
  await deliverWebhook(fake, pullRequestEvent(fake, "opened", fake.openPullRequest({ owner, repo: "warm", user: "carol", body: BODY, changes: { "w.txt": "w\n" } })), { url, secret: SECRET });
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
  const deliveries = pulls.map((pull) => {
    pull.sent = Date.now();
    return deliverWebhook(fake, pullRequestEvent(fake, "opened", pull.ref), { url, secret: SECRET }).catch(() => undefined);
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
    console.log(`  ${installations} installation${installations === 1 ? "" : "s"}, ${owner}: three runs after median ${at(0.5).toFixed(2)} s, p99 ${at(0.99).toFixed(2)} s`);
  }
}
await started.stop({ drainMs: 1_000 });
await fake.close();
process.exit(0);
