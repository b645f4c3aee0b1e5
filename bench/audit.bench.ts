// Audit-trail benchmark (issue 5): `changegate audit verify` and `changegate changes` over
// 100,000 generated records in a checkout-like folder (targets: verify < 3 s, query < 1 s),
// and GitHub API requests per append at 10 and at 10,000 existing records (must be equal).
// The 100,000 records are built by the real record builder, sealed into a valid chain, and
// kept in the system's temp folder between runs (building them takes a while).
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Octokit } from "@octokit/rest";
import { canonicalJson } from "../src/audit/canonical.js";
import { appendRecord } from "../src/audit/github-trail.js";
import { HEAD_PATH, indexPath, recordPath } from "../src/audit/layout.js";
import { main } from "../src/cli/main.js";
import { startFakeGitHub } from "../test/fake-github/index.js";
import { changeRecord, generateTrail, writeTrail } from "../test/support/trail.js";

const COUNT = 100_000;
const START = Date.parse("2026-01-01T00:00:00Z");
const EVERY = 5 * 60_000;
const dir = join(tmpdir(), `changegate-bench-trail-${COUNT}-v1`);
const QUIET = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function ensureTrail(): void {
  if (existsSync(join(dir, HEAD_PATH)) && (JSON.parse(readFileSync(join(dir, HEAD_PATH), "utf8")) as { seq: number }).seq === COUNT) return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  writeTrail(dir, generateTrail(COUNT, START, EVERY));
  console.log(`  (built ${COUNT.toLocaleString("en")} records in ${((performance.now() - started) / 1000).toFixed(1)} s in ${dir}${process.env["BENCH_KEEP_TRAIL"] === "1" ? ", kept for the next run" : ", removed at the end"})`);
}

async function cli(args: string[], now: string): Promise<{ exit: number; stdout: string; ms: number }> {
  let stdout = "";
  const started = performance.now();
  const exit = await main(args, { stdin: Readable.from([]), stdout: { write: (chunk: string) => (stdout += chunk) }, stderr: { write: (chunk: string) => process.stderr.write(chunk) }, cwd: dir, env: { CHANGEGATE_NOW: now } });
  return { exit, stdout, ms: performance.now() - started };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function requestsPerAppend(existing: number): Promise<number> {
  const fake = await startFakeGitHub();
  try {
    // existing - 1 records seeded as files (the fake makes them one commit), one appended
    // through the API (so the branch tip is changegate's own commit, as in use), then the
    // measured append on top of `existing` records.
    const files: Record<string, string> = {};
    const records = generateTrail(existing - 1, START, EVERY);
    for (const record of records) {
      files[recordPath(record.seq)] = canonicalJson(record);
      files[indexPath(record.repository, record.pull_request.number)] = canonicalJson({ seq: record.seq, hash: record.hash });
    }
    const last = records.at(-1)!;
    files[HEAD_PATH] = canonicalJson({ seq: last.seq, hash: last.hash });
    fake.addRepository({ owner: "acme", name: "audit", defaultBranch: "trail", files });
    const client = new Octokit({ baseUrl: fake.url, auth: "token", log: QUIET });
    const append = (number: number) =>
      appendRecord(client, { owner: "acme", repo: "audit", branch: "trail" }, { repository: "acme/shop", number }, async () => changeRecord({ number, mergedAt: START + number * EVERY }));
    await append(existing);
    fake.resetRequests();
    const appended = await append(existing + 1);
    if (appended.seq !== existing + 1) throw new Error(`appended as ${appended.seq}, expected ${existing + 1}`);
    return fake.countRequests();
  } finally {
    await fake.close();
  }
}

async function run(): Promise<void> {
  console.log(`Audit trail benchmark (node ${process.version})`);
  ensureTrail();
  const end = new Date(START + COUNT * EVERY).toISOString();
  const verify: number[] = [];
  for (let round = 0; round < 3; round++) {
    const result = await cli(["audit", "verify"], end);
    if (result.exit !== 0) throw new Error(`verify failed: ${result.stdout}`);
    verify.push(result.ms);
  }
  const recent: number[] = [];
  const whole: number[] = [];
  let found = "";
  for (let round = 0; round < 3; round++) {
    const result = await cli(["changes", "--service", "payments", "--since", "2h"], end);
    found = result.stdout.split("\n")[0] ?? "";
    recent.push(result.ms);
    whole.push((await cli(["changes", "--service", "payments", "--since", "400d"], end)).ms);
  }
  console.log(`  audit verify, ${COUNT.toLocaleString("en")} records: median ${(median(verify) / 1000).toFixed(2)} s (target < 3 s)`);
  console.log(`  changes --service payments --since 2h: median ${median(recent).toFixed(0)} ms (target < 1 s): ${found}`);
  console.log(`  changes --service payments over the whole trail (every record read): median ${median(whole).toFixed(0)} ms`);
  const at10 = await requestsPerAppend(10);
  const at10k = await requestsPerAppend(10_000);
  console.log(`  API requests per append: ${at10} with 10 records, ${at10k} with 10,000 (${at10 === at10k ? "equal" : "NOT equal"})`);
  const ok = median(verify) < 3_000 && median(recent) < 1_000 && at10 === at10k;
  console.log(`  targets: ${ok ? "met" : "NOT met"}`);
}

try {
  await run();
} finally {
  // ~400 MB: kept only when asked (BENCH_KEEP_TRAIL=1 spares the next run building it again).
  if (process.env["BENCH_KEEP_TRAIL"] !== "1") rmSync(dir, { recursive: true, force: true });
}
