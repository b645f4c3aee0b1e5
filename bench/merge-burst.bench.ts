// Simultaneous merges into one audit trail (issue 12): K merged pull requests whose
// `pull_request.closed` webhooks reach the App at once, through the real Probot server, to
// the fake GitHub with the write pacing of production on (80 writes in any minute per
// installation, one at a time; comments and issues 3 s apart; before issue 11's write queue:
// Probot's one write a second). Printed per K: the time from the deliveries
// to the last record on the trail, the git writes (trees, commits, ref updates) and the
// commits they made, and the time until every PR has its audit comment. Targets: 12 merges well under 45 s, at most 3 git writes a record, about 3 a
// batch. Before group commit: 2 s, 48 s, 245 s and 24 minutes for K = 1, 5, 12, 30, with
// 1.5·K² + 2.5·K git writes.
//
//   node --import tsx bench/merge-burst.bench.ts       (npm run bench runs it)
//   BENCH_K=1,5,12,30 ...                              the bursts to measure
import { pullRequestEvent, type FakeGitHub } from "../test/fake-github/index.js";
import { CHANGE_REQUEST, startApp, startFake, type App } from "../test/app/harness.js";

const POLICY = "version: 1\ntimezone: UTC\napprovals:\n  low: { count: 1 }\n  medium: { count: 1 }\n  high: { count: 1 }\n";
const BURSTS = (process.env["BENCH_K"] ?? "1,5,12,30").split(",").map(Number);
const GIT_WRITES = /^(POST \/repos\/\{owner\}\/\{repo\}\/git\/(trees|commits|refs)|PATCH \/repos\/\{owner\}\/\{repo\}\/git\/refs\/\{ref\})$/;

async function burst(fake: FakeGitHub, app: App, k: number): Promise<{ lastRecordS: number; answeredS: number; gitWrites: number; commits: number; records: number; statuses: number[] }> {
  const repo = `burst${k}`;
  fake.addRepository({ owner: "acme", name: repo, files: { "README.md": "x\n", ".github/changegate.yml": POLICY } });
  fake.setPermission("acme", repo, "bob", "write");
  const closed: ReturnType<typeof pullRequestEvent>[] = [];
  for (let index = 0; index < k; index++) {
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", title: `Change ${index}`, body: CHANGE_REQUEST("normal"), changes: { [`src/${index}.ts`]: "x\n" } });
    fake.submitReview(pull, { user: "bob", state: "APPROVED" });
    fake.mergePullRequest(pull, { by: "alice" });
    closed.push(pullRequestEvent(fake, "closed", pull));
  }
  const records = () => fake.listFiles("acme", repo, "changegate/audit", "records").length;
  const commented = () => closed.filter((event) => fake.comments("acme", repo, (event.payload as { number: number }).number).some((comment) => comment.body.includes("<!-- changegate:audit -->"))).length;
  fake.resetRequests();
  const started = performance.now();
  let lastRecordAt = 0;
  const watch = setInterval(() => {
    try {
      if (lastRecordAt === 0 && records() >= k) lastRecordAt = performance.now();
    } catch {
      // No trail branch yet.
    }
  }, 20);
  // A delivery still working after 7 s is answered 500 "still working" while its job goes on; the comments, 3 s apart, come later.
  const results = await Promise.all(closed.map((event) => app.deliver(event)));
  while (commented() < k && performance.now() - started < 600_000) await new Promise((resolve) => setTimeout(resolve, 50));
  const answeredAt = performance.now();
  clearInterval(watch);
  if (lastRecordAt === 0) lastRecordAt = answeredAt;
  const writes = fake.requests((request) => request.route !== null && GIT_WRITES.test(request.route));
  return {
    lastRecordS: (lastRecordAt - started) / 1000,
    answeredS: (answeredAt - started) / 1000,
    gitWrites: writes.length,
    commits: writes.filter((request) => request.route === "POST /repos/{owner}/{repo}/git/commits").length,
    records: records(),
    statuses: results.map((result) => (result.status === 500 && result.body.includes("still working") ? 202 : result.status)),
  };
}

async function main(): Promise<void> {
  console.log(`Simultaneous merges into one audit trail, write pacing on (node ${process.version})`);
  const fake = await startFake();
  // The pacing of production: at most 80 writes in any minute per installation, serially; comments and issues 3 s apart.
  const app = await startApp(fake, {}, { writes: {}, notificationIntervalMs: 3_000 });
  try {
    console.log("   K | to the last record | git writes (per record) | commits | every audit comment posted");
    for (const k of BURSTS) {
      const result = await burst(fake, app, k);
      if (result.records !== k || result.statuses.some((status) => status !== 200 && status !== 202)) throw new Error(`K=${k}: ${result.records} records, statuses ${result.statuses.join(",")}`);
      console.log(
        `${String(k).padStart(4)} | ${result.lastRecordS.toFixed(1).padStart(16)} s | ${String(result.gitWrites).padStart(10)} (${(result.gitWrites / k).toFixed(2)}) | ${String(result.commits).padStart(7)} | ${result.answeredS.toFixed(1).padStart(8)} s`,
      );
    }
  } finally {
    await app.stop();
    await fake.close();
  }
}

await main();
