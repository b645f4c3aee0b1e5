// The burst (issue 11, finding 5): 50 open pull requests in one installation, 500 webhook
// deliveries (body edits that raise and lower the risk, approvals, changes requested,
// comments), 20 in flight, against the fake GitHub through the App as `npm start` runs it
// (the webhook intake, Probot, the bounded Octokit with per-installation write pacing).
// GitHub's state changes first, then its event is delivered, in a shuffled order (late and
// out of order, as GitHub delivers under load).
//
// Measured: how long after the last delivery every approvals check is right ("time to
// correct"), check-run writes per delivery (and for deliveries that cannot change anything:
// comments), and the longest stale pass: an approvals run saying `success` while GitHub's
// state requires it to block, sampled every 100 ms; whole (from the burst's start: GitHub's
// state is final then) and from the pull request's first delivery (what changegate can
// shorten: a delivery not yet sent is GitHub's delay).
//
// GitHub's write pace is scaled by BENCH_WRITE_MS / 1 s (100 ms: a tenth): Probot's one write
// a second becomes one every 100 ms (sources before issue 11's write queue), the 80 writes
// in any minute 80 in any 6 s (after it); the times that pacing makes scale with it, GitHub's
// own latency and changegate's reads do not.
//
//   node --import tsx bench/burst.bench.ts                         (npm run bench runs it)
//   BENCH_PULLS=50 BENCH_DELIVERIES=500 BENCH_IN_FLIGHT=20 BENCH_WRITE_MS=100 ...
//   BENCH_SRC=/path/to/src ...     another checkout's src/ (its node_modules beside it), for a before/after
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type * as ServerModule from "../src/app/server.js";
import { appEnvironment, scaledWritePace } from "./app-environment.js";
import { deliverWebhook, pullRequestEvent, pullRequestReviewEvent, startFakeGitHub, type PullRequestRef, type WebhookEvent } from "../test/fake-github/index.js";

const PULLS = Number(process.env["BENCH_PULLS"] ?? 50);
const DELIVERIES = Number(process.env["BENCH_DELIVERIES"] ?? 500);
const IN_FLIGHT = Number(process.env["BENCH_IN_FLIGHT"] ?? 20);
const WRITE_MS = Number(process.env["BENCH_WRITE_MS"] ?? 100);
const SRC = resolve(process.env["BENCH_SRC"] ?? new URL("../src", import.meta.url).pathname);
const SECRET = "bench-burst-secret";
const POLICY = "version: 1\ntimezone: UTC\napprovals: { low: { count: 1 }, medium: { count: 1 }, high: { count: 2 } }\n";
const REVIEWERS = ["alice", "bob", "dave"] as const;

const body = (level: "low" | "high") =>
  ["Burst.", "", "```yaml", "change_request:", "  type: normal", "  implementation_plan: |", "    1. deploy", "  rollback_plan: |", "    1. roll back", ...(level === "high" ? ["  risk_level: high"] : []), "```", ""].join("\n");

/** A deterministic generator: the same burst every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** What GitHub's state requires of a pull request's approvals check: the oracle. */
interface Model {
  level: "low" | "high";
  latest: Map<string, "APPROVED" | "CHANGES_REQUESTED">;
}
function mustPass(model: Model): boolean {
  const states = [...model.latest.values()];
  if (states.includes("CHANGES_REQUESTED")) return false;
  return states.filter((state) => state === "APPROVED").length >= (model.level === "high" ? 2 : 1);
}

async function main(): Promise<void> {
  const fake = await startFakeGitHub();
  fake.addRepository({ owner: "acme", name: "burst", files: { ".github/changegate.yml": POLICY } });
  for (const login of REVIEWERS) fake.setPermission("acme", "burst", login, "write");
  const { env, url } = await appEnvironment(fake, SECRET);
  const { startChangegate } = (await import(pathToFileURL(`${SRC}/app/server.ts`).href)) as typeof ServerModule;
  const started = await startChangegate(env, { background: false }, { ...scaledWritePace(WRITE_MS), retries: 2, retryBaseMs: 50 });
  const deliver = (event: WebhookEvent) => deliverWebhook(fake, event, { url, secret: SECRET });

  // The pull requests, opened and decided before the burst (their opening is not measured).
  const refs: PullRequestRef[] = [];
  const models: Model[] = [];
  for (let i = 0; i < PULLS; i++) {
    const pull = fake.openPullRequest({ owner: "acme", repo: "burst", user: "carol", body: body("low"), changes: { [`f${i}.txt`]: `${i}\n` } });
    refs.push(pull);
    models.push({ level: "low", latest: new Map() });
  }
  for (let start = 0; start < PULLS; start += IN_FLIGHT) await Promise.all(refs.slice(start, start + IN_FLIGHT).map((ref) => deliver(pullRequestEvent(fake, "opened", ref))));
  await started.app.service!.idle();

  // The burst: each change happens on GitHub, its event is built then, delivered later.
  const next = random(11);
  const events: WebhookEvent[] = [];
  const eventPull: number[] = [];
  let noOps = 0;
  for (let n = 0; n < DELIVERIES; n++) {
    const index = Math.floor(next() * PULLS);
    eventPull.push(index);
    const ref = refs[index]!;
    const model = models[index]!;
    const roll = next();
    if (roll < 0.3) {
      model.level = model.level === "low" ? "high" : "low";
      fake.editPullRequest(ref, { body: body(model.level) });
      events.push(pullRequestEvent(fake, "edited", ref, { changes: { body: { from: body(model.level === "low" ? "high" : "low") } } }));
    } else {
      const user = REVIEWERS[Math.floor(next() * REVIEWERS.length)]!;
      const state = roll < 0.65 ? "APPROVED" : roll < 0.8 ? "CHANGES_REQUESTED" : "COMMENTED";
      if (state === "COMMENTED") noOps++;
      else model.latest.set(user, state);
      events.push(pullRequestReviewEvent(fake, "submitted", ref, fake.submitReview(ref, { user, state })));
    }
  }
  // Late and out of order: each event moves up to 10 places.
  const order = events.map((event, index) => ({ event, pull: eventPull[index]!, key: index + next() * 10 })).sort((a, b) => a.key - b.key);
  // When each pull request's first delivery of the burst was sent: from then on a stale pass is changegate's to end.
  const firstSent = new Map<number, number>();
  let longestAfterDelivery = 0;

  const approvals = () => {
    const byHead = new Map(fake.checkRuns("acme", "burst", { name: "changegate/approvals" }).map((run) => [run.headSha, run.conclusion]));
    return refs.map((ref) => byHead.get(fake.pullRequest(ref).head.sha) ?? null);
  };
  const expected = models.map(mustPass);
  // A stale pass: success shown where the final state must block (the state changes no more once the burst is built).
  const staleSince = new Map<number, number>();
  let longestStale = 0;
  const sample = () => {
    const now = Date.now();
    approvals().forEach((conclusion, index) => {
      const stale = conclusion === "success" && !expected[index];
      const since = staleSince.get(index);
      if (stale && since === undefined) staleSince.set(index, now);
      if (!stale && since !== undefined) {
        longestStale = Math.max(longestStale, now - since);
        longestAfterDelivery = Math.max(longestAfterDelivery, now - Math.max(firstSent.get(index) ?? since, since));
        staleSince.delete(index);
      }
    });
  };
  for (let index = 0; index < PULLS; index++) if (approvals()[index] === "success" && !expected[index]) staleSince.set(index, Date.now());
  const sampler = setInterval(sample, 100);

  fake.resetRequests();
  const started0 = Date.now();
  const durations: number[] = [];
  let cursor = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (cursor < order.length) {
        const { event, pull } = order[cursor++]!;
        const sent = Date.now();
        if (!firstSent.has(pull)) firstSent.set(pull, sent);
        await deliver(event).catch(() => undefined);
        durations.push(Date.now() - sent);
      }
    }),
  );
  const lastDelivery = Date.now();
  let correctAt: number | null = null;
  const deadline = lastDelivery + 10 * 60_000;
  while (Date.now() < deadline) {
    const shown = approvals();
    if (shown.every((conclusion, index) => (conclusion === "success") === expected[index])) {
      correctAt = Date.now();
      break;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  clearInterval(sampler);
  sample();
  for (const [index, since] of staleSince) {
    longestStale = Math.max(longestStale, Date.now() - since);
    longestAfterDelivery = Math.max(longestAfterDelivery, Date.now() - Math.max(firstSent.get(index) ?? since, since));
  }

  const writes = fake.requests((record) => (record.method === "PATCH" || record.method === "POST") && record.route !== null && record.route.includes("check-runs")).length;
  const requests = fake.requests({ excludeInstallationToken: true }).length;
  durations.sort((a, b) => a - b);
  const pct = (p: number) => durations[Math.min(durations.length - 1, Math.floor(p * durations.length))] ?? 0;
  console.log(`burst: ${PULLS} pull requests, ${DELIVERIES} deliveries (${noOps} comments that change nothing), ${IN_FLIGHT} in flight, writes paced at ${WRITE_MS} ms, src ${SRC}`);
  console.log(`  deliveries answered in ${((lastDelivery - started0) / 1000).toFixed(1)} s; each: median ${(pct(0.5) / 1000).toFixed(2)} s, p95 ${(pct(0.95) / 1000).toFixed(2)} s`);
  console.log(`  time to correct after the last delivery: ${correctAt === null ? "not within 10 min" : `${((correctAt - lastDelivery) / 1000).toFixed(1)} s`}`);
  console.log(`  check-run writes: ${writes} (${(writes / DELIVERIES).toFixed(2)} per delivery); API requests: ${requests} (${(requests / DELIVERIES).toFixed(2)} per delivery)`);
  console.log(`  longest stale pass (approvals success where it must block): ${(longestStale / 1000).toFixed(1)} s; from the pull request's first delivery: ${(longestAfterDelivery / 1000).toFixed(2)} s`);
  await started.stop({ drainMs: 1_000 });
  await fake.close();
  process.exit(0);
}

await main();
