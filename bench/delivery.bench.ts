// Delivery-metrics benchmark (issue 15): `changegate metrics` over a trail of 100,000 records,
// half merges and half deployment outcomes (10 environments, a year, 1 in 13 failing and
// restored by the next), read from a checkout-like folder (target: < 3 s), and the pure
// deliveryMetrics over the same records in memory. The trail is built by the real record
// builders and kept in the system's temp folder between runs.
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { isDeploymentRecord, type DeploymentRecord, type UnsealedDeploymentRecord } from "../src/audit/deployment-record.js";
import { HEAD_PATH } from "../src/audit/layout.js";
import { deliveryMetrics } from "../src/audit/query.js";
import type { AuditRecord, UnsealedRecord } from "../src/audit/record.js";
import { main } from "../src/cli/main.js";
import { deploymentOutcome, mergeWithFirstCommit, sealAll } from "../test/support/deployments.js";
import { writeTrail } from "../test/support/trail.js";

const COUNT = 100_000;
const START = Date.parse("2026-01-05T00:00:00Z");
const YEAR = 364 * 24 * 3_600_000;
const ENVIRONMENTS = ["production", "staging", "eu-production", "us-production", "canary", "perf", "qa", "demo", "sandbox", "dr"];
const dir = join(tmpdir(), `changegate-bench-delivery-${COUNT}-v2`);

function history(): (UnsealedRecord | UnsealedDeploymentRecord)[] {
  const records: (UnsealedRecord | UnsealedDeploymentRecord)[] = [];
  const deployments = COUNT / 2;
  for (let index = 0; index < deployments; index++) {
    const at = START + Math.floor((index * YEAR) / deployments);
    records.push(mergeWithFirstCommit(index + 1, at - 7 * 3_600_000));
    records.push(deploymentOutcome({ id: index + 1, environment: ENVIRONMENTS[index % ENVIRONMENTS.length]!, at, event: index % 13 === 12 ? "failure" : "success", pulls: [index + 1] }));
  }
  return records;
}

function ensureTrail(): void {
  if (existsSync(join(dir, HEAD_PATH)) && (JSON.parse(readFileSync(join(dir, HEAD_PATH), "utf8")) as { seq: number }).seq === COUNT) return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  writeTrail(dir, sealAll(history()));
  console.log(`  (built ${COUNT.toLocaleString("en")} records in ${((performance.now() - started) / 1000).toFixed(1)} s, kept in ${dir})`);
}

async function cli(args: string[]): Promise<{ exit: number; stdout: string; ms: number; cpuMs: number }> {
  let stdout = "";
  const cpu = process.cpuUsage();
  const started = performance.now();
  const exit = await main(args, { stdin: Readable.from([]), stdout: { write: (chunk: string) => (stdout += chunk) }, stderr: { write: (chunk: string) => process.stderr.write(chunk) }, cwd: dir, env: { CHANGEGATE_NOW: new Date(START + YEAR).toISOString() } });
  const used = process.cpuUsage(cpu);
  return { exit, stdout, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function run(): Promise<void> {
  console.log(`Delivery metrics benchmark (node ${process.version})`);
  ensureTrail();
  const whole: number[] = [];
  const cpu: number[] = [];
  let summary = "";
  for (let round = 0; round < 3; round++) {
    const result = await cli(["metrics", "--json"]);
    if (result.exit !== 0) throw new Error(`metrics failed: ${result.stdout}`);
    const production = (JSON.parse(result.stdout) as { delivery: { environments: Record<string, { deployments: number; changeFailureRate: number }> } }).delivery.environments["production"]!;
    summary = `production: ${production.deployments} deployments, change failure rate ${(production.changeFailureRate * 100).toFixed(1)}%`;
    whole.push(result.ms);
    cpu.push(result.cpuMs);
  }
  const records = sealAll(history());
  const deployments = records.filter(isDeploymentRecord) as DeploymentRecord[];
  const merges = records.filter((record) => !isDeploymentRecord(record)) as AuditRecord[];
  const pure: number[] = [];
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    deliveryMetrics(deployments, merges, { since: null, until: null });
    pure.push(performance.now() - started);
  }
  console.log(`  changegate metrics, ${COUNT.toLocaleString("en")} records (every file read and parsed): median ${(median(whole) / 1000).toFixed(2)} s wall, ${(median(cpu) / 1000).toFixed(2)} s CPU (target < 3 s); ${summary}`);
  console.log(`  deliveryMetrics alone, in memory: median ${median(pure).toFixed(0)} ms`);
  console.log(`  target: ${median(whole) < 3_000 ? "met" : "NOT met"}`);
}

await run();
