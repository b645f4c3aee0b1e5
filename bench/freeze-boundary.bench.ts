// Known boundaries met on time (issue 11, findings 6 and 7): N open pull requests, all
// green, then a policy push that adds a dated freeze starting a little ahead (the App must
// have every one blocked by the instant it begins), and a push that starts a freeze at once
// (every one blocked as soon as the App can write). Through the App as `npm start` runs it,
// against the fake GitHub.
//
// Time is scaled by BENCH_WRITE_MS / 1 s (50 ms: a twentieth): GitHub's write pace (Probot's
// one write a second before issue 11's write queue; 80 in any minute after it, a minute
// being 3 s here) and the scheduler's lead (60 s -> 3 s). The scheduler's budget per flip is
// what the sources derive from their write pace (after the write queue: its sustained
// interval, 60 s / 80 scaled); sources before it budget a fixed 1.5 s: give them
// BENCH_PER_FLIP_MS=75 (1.5 s scaled). Each case waits a scaled minute after opening its pull
// requests, so that their writes have left the window. "Late" is what matters: a pull
// request blocked after the freeze began could merge in breach.
//
//   node --import tsx bench/freeze-boundary.bench.ts        (npm run bench runs it)
//   BENCH_SIZES=10,50,200 BENCH_WRITE_MS=50 BENCH_SRC=<another checkout>/src BENCH_PER_FLIP_MS=75 ...
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type * as ServerModule from "../src/app/server.js";
import { appEnvironment, scaledWritePace } from "./app-environment.js";
import { deliverWebhook, pullRequestEvent, pushEvent, startFakeGitHub, type FakeGitHub, type PullRequestRef, type WebhookEvent } from "../test/fake-github/index.js";

const SIZES = (process.env["BENCH_SIZES"] ?? "10,50,200").split(",").map(Number);
const WRITE_MS = Number(process.env["BENCH_WRITE_MS"] ?? 50);
const SCALE = WRITE_MS / 1_000;
const SRC = resolve(process.env["BENCH_SRC"] ?? new URL("../src", import.meta.url).pathname);
const PER_FLIP_MS = process.env["BENCH_PER_FLIP_MS"] === undefined ? undefined : Number(process.env["BENCH_PER_FLIP_MS"]);
const SECRET = "bench-boundary-secret";
const POLICY = "version: 1\ntimezone: UTC\napprovals: { low: { count: 0 }, medium: { count: 0 }, high: { count: 0 } }\n";
const BODY = ["Boundary.", "", "```yaml", "change_request:", "  type: normal", "  implementation_plan: |", "    1. deploy", "  rollback_plan: |", "    1. roll back", "```", ""].join("\n");

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const iso = (instant: number) => new Date(instant).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Polls until every pull request's schedule check fails; returns when each first did. */
async function blockedTimes(fake: FakeGitHub, repo: string, refs: PullRequestRef[], timeoutMs: number): Promise<(number | null)[]> {
  const times: (number | null)[] = refs.map(() => null);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && times.some((time) => time === null)) {
    const byHead = new Map(fake.checkRuns("acme", repo, { name: "changegate/schedule" }).map((run) => [run.headSha, run.conclusion]));
    const now = Date.now();
    refs.forEach((ref, index) => {
      if (times[index] === null && byHead.get(fake.pullRequest(ref).head.sha) === "failure") times[index] = now;
    });
    await sleep(25);
  }
  return times;
}

async function main(): Promise<void> {
  const fake = await startFakeGitHub();
  const { env, url } = await appEnvironment(fake, SECRET);
  const { startChangegate } = (await import(pathToFileURL(`${SRC}/app/server.ts`).href)) as typeof ServerModule;
  const started = await startChangegate(env, { background: false, leadMs: 60_000 * SCALE, ...(PER_FLIP_MS === undefined ? {} : { perFlipMs: PER_FLIP_MS }) }, { ...scaledWritePace(WRITE_MS), retries: 2, retryBaseMs: 50 });
  const deliver = (event: WebhookEvent) => deliverWebhook(fake, event, { url, secret: SECRET });
  console.log(`freeze boundary: writes paced at ${WRITE_MS} ms (times are ${Math.round(1 / SCALE)}x shorter than production's), per-flip budget ${PER_FLIP_MS === undefined ? "the sources' own" : `${PER_FLIP_MS} ms`}, src ${SRC}`);

  let repoCount = 0;
  const setUp = async (size: number) => {
    // Each case its own hour of GitHub's rate limit (5,000 requests): the bench compresses hours into minutes.
    fake.rateLimit.used = 0;
    const repo = `boundary${++repoCount}`;
    fake.addRepository({ owner: "acme", name: repo, files: { ".github/changegate.yml": POLICY } });
    const refs = Array.from({ length: size }, (_, i) => fake.openPullRequest({ owner: "acme", repo, user: "carol", body: BODY, changes: { [`f${i}.txt`]: `${i}\n` } }));
    for (let start = 0; start < size; start += 20) await Promise.all(refs.slice(start, start + 20).map((ref) => deliver(pullRequestEvent(fake, "opened", ref))));
    await started.app.service!.idle();
    await sleep(60_000 * SCALE);
    return { repo, refs };
  };
  const push = async (repo: string, policy: string) => {
    fake.setFile("acme", repo, "main", ".github/changegate.yml", policy);
    fake.resetRequests();
    await deliver(pushEvent(fake, { owner: "acme", repo, ref: "main" }));
  };
  const writes = (repo: string) => fake.requests((record) => (record.method === "PATCH" || record.method === "POST") && record.path.startsWith(`/repos/acme/${repo}/check-runs`)).length;

  for (const size of SIZES) {
    // A dated freeze, known in advance: pushed well before the scheduler's window for it.
    {
      const { repo, refs } = await setUp(size);
      const lead = 60_000 * SCALE + size * 1_500 * SCALE;
      const start = Math.ceil((Date.now() + lead + size * WRITE_MS * 2 + 2_000) / 1_000) * 1_000;
      await push(repo, POLICY + `freezes:\n  - { name: "Launch", start: "${iso(start)}", end: "${iso(start + 3_600_000)}" }\n`);
      const times = await blockedTimes(fake, repo, refs, start - Date.now() + 120_000);
      const done = times.filter((time): time is number => time !== null);
      const late = done.filter((time) => time > start).length + times.filter((time) => time === null).length;
      const last = Math.max(...done) - start;
      console.log(`  ${String(size).padStart(3)} PRs, dated freeze: last blocked ${(last / 1000).toFixed(2)} s ${last <= 0 ? "before" : "AFTER"} it began; ${late} blocked after it began; ${writes(repo)} writes (${(writes(repo) / size).toFixed(2)} a PR)`);
    }
    // A push that starts a freeze at once.
    {
      const { repo, refs } = await setUp(size);
      const pushed = Date.now();
      await push(repo, POLICY + `freezes:\n  - { name: "Incident", start: "${iso(pushed - 60_000)}", end: "${iso(pushed + 3_600_000)}" }\n`);
      const times = await blockedTimes(fake, repo, refs, 120_000);
      const done = times.filter((time): time is number => time !== null).map((time) => time - pushed).sort((a, b) => a - b);
      const median = done[Math.floor(done.length / 2)] ?? Number.NaN;
      console.log(`  ${String(size).padStart(3)} PRs, freeze at once: all blocked ${((done.at(-1) ?? Number.NaN) / 1000).toFixed(2)} s after the push (median ${(median / 1000).toFixed(2)} s); ${times.filter((time) => time === null).length} never; ${writes(repo)} writes`);
    }
  }
  await started.stop({ drainMs: 1_000 });
  await fake.close();
  process.exit(0);
}

await main();
