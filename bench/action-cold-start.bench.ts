// Cold start of the Action's `mode: gate`: process start to exit, the committed bundle run as
// the runner runs it (`node action/dist/index.js`), against the fake GitHub API on loopback,
// beside a minimal @actions/core action (read one input, set one output) bundled the
// ordinary way. Target: the gate within 1.5x of the minimal action.
//
// BENCH_RUNS (default 40), BENCH_NO_BUILD=1 (measure the bundle as it is), BENCH_ENV=inherit,
// BENCH_CPU=1 (CPU times too), BENCH_PROFILE=DIR (one --cpu-prof run of the gate),
// BENCH_ALSO=label=FILE,label=FILE (other builds of the gate, e.g. from older commits, measured
// in the same alternation, so that machine drift falls on every build alike).
//
// The gate's scenario is a realistic one: one successful deployment on record, one pull
// request merged since, approved; 9 API requests (policy, deployments, statuses, compare,
// the commit's pull request, its files, its reviews, the reviewer's permission, who pushed its head).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { startSeededGitHub } from "../test/fake-github/seed.js";
import { ROOT } from "../test/action/run-action.js";

const RUNS = Number(process.env["BENCH_RUNS"] ?? 40);
const work = mkdtempSync(join(tmpdir(), "changegate-bench-"));

if (!process.env["BENCH_NO_BUILD"]) execFileSync(process.execPath, ["scripts/build-action.js", "--quiet"], { cwd: ROOT });
const gateBundle = join(ROOT, "action", "dist", "index.js");

// The minimal action, bundled as one would (ESM + createRequire, nothing replaced).
writeFileSync(join(work, "minimal.mjs"), 'import * as core from "@actions/core";\ncore.setOutput("greeting", `hello ${core.getInput("name")}`);\n');
const minimalBundle = join(work, "minimal.bundle.mjs");
await build({
  entryPoints: [join(work, "minimal.mjs")],
  outfile: minimalBundle,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minify: true,
  nodePaths: [join(ROOT, "node_modules")],
  banner: { js: 'import { createRequire as __r } from "node:module"; const require = __r(import.meta.url);' },
  logLevel: "warning",
});

const fake = await startSeededGitHub();
const REPO = "acme/shop";
const [DEPLOYED, MERGE, HEAD] = ["1".repeat(40), "2".repeat(40), "3".repeat(40)];
fake.seed(REPO, {
  defaultBranch: "main",
  files: {
    main: {
      ".github/changegate.yml": `version: 1
timezone: "Europe/Berlin"
approvals: { low: { count: 1 }, medium: { count: 1 }, high: { count: 2, teams: ["sre"] } }
windows: { normal: always }
freezes:
  - { name: "Year end", start: "2030-12-20T00:00", end: "2031-01-02T00:00" }
`,
    },
  },
  pulls: [
    {
      number: 12,
      title: "Tune the cache",
      body: "```yaml\nchange_request:\n  type: normal\n  implementation_plan: roll out\n  rollback_plan: roll back\n  risk: { blast_radius: 1, reversibility: 1, confidence: 1 }\n```\n",
      user: "carol",
      state: "closed",
      head: { sha: HEAD },
      merged_at: "2026-01-02T12:00:00Z",
      merge_commit_sha: MERGE,
      files: ["src/cache.ts", "src/cache.test.ts"],
      reviews: [{ user: "alice", state: "APPROVED", commit_id: HEAD, submitted_at: "2026-01-02T10:00:00Z" }],
    },
  ],
  collaborators: { alice: "write" },
  commits: { [DEPLOYED]: [], [MERGE]: [DEPLOYED] },
  deployments: [{ id: 1, sha: DEPLOYED, environment: "production", statuses: ["in_progress", "success"] }],
});

const execArgv: string[] = [];
// A runner's step sees little of this machine's environment; BENCH_ENV=inherit passes it all
// (here that includes NODE_EXTRA_CA_CERTS, which makes every node start ~35 ms slower).
const baseEnv: Record<string, string | undefined> = process.env["BENCH_ENV"] === "inherit" ? { ...process.env } : { PATH: process.env["PATH"] ?? "" };
// BENCH_CPU=1 also reports each process's CPU time (user + system, all its threads), which
// other load on the machine disturbs far less than the wall clock: both bundles get the same
// preload that prints it at exit, so it adds alike to both walls.
const cpuPreload = join(work, "cpu-time.cjs");
const cpuTimes = new Map<string, number[]>();
if (process.env["BENCH_CPU"]) {
  writeFileSync(cpuPreload, 'process.on("exit", () => { const u = process.cpuUsage(); process.stderr.write(`changegate-bench-cpu ${(u.user + u.system) / 1000}\\n`); });\n');
  execArgv.push("--require", cpuPreload);
}
function runOnce(bundle: string, env: Record<string, string>): Promise<number> {
  const output = join(work, "output");
  writeFileSync(output, "");
  writeFileSync(join(work, "summary.md"), "");
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...execArgv, bundle], {
      cwd: work,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...baseEnv, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: join(work, "summary.md"), ...env },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const wall = performance.now() - started;
      if (code !== 0) return reject(new Error(`${bundle} exited ${code}: ${stderr}`));
      const cpu = /^changegate-bench-cpu ([\d.]+)$/m.exec(stderr);
      if (cpu) cpuTimes.set(bundle, [...(cpuTimes.get(bundle) ?? []), Number(cpu[1])]);
      resolve(wall);
    });
  });
}

const event = join(work, "event.json");
writeFileSync(event, JSON.stringify({ ref: "refs/heads/main", after: MERGE, repository: { full_name: REPO, default_branch: "main" } }));
const gateEnv = {
  INPUT_MODE: "gate",
  INPUT_TOKEN: "test-token",
  INPUT_ENVIRONMENT: "production",
  GITHUB_EVENT_NAME: "push",
  GITHUB_EVENT_PATH: event,
  GITHUB_REPOSITORY: REPO,
  GITHUB_SHA: MERGE,
  GITHUB_API_URL: fake.url,
};
const minimalEnv = { INPUT_NAME: "world" };

// Warm the file cache, and check the gate decides what it should.
await runOnce(gateBundle, gateEnv);
await runOnce(minimalBundle, minimalEnv);
const requestsPerRun = fake.requests.length;
if (process.env["BENCH_PROFILE"]) {
  // Profiles one more gate run (node --cpu-prof) into BENCH_PROFILE's directory.
  const profile = ["--cpu-prof", `--cpu-prof-dir=${process.env["BENCH_PROFILE"]}`, "--cpu-prof-interval=100"];
  execArgv.push(...profile);
  await runOnce(gateBundle, gateEnv);
  execArgv.splice(execArgv.length - profile.length, profile.length);
}
const also = (process.env["BENCH_ALSO"] ?? "").split(",").filter(Boolean).map((entry) => {
  const [label, file] = entry.split("=") as [string, string];
  return { label, file, walls: [] as number[] };
});
for (const build of also) await runOnce(build.file, gateEnv); // warms the file cache, as above
cpuTimes.clear();

const gate: number[] = [];
const minimal: number[] = [];
for (let i = 0; i < RUNS; i++) {
  // Alternate, so drift in the machine's load falls on both alike.
  gate.push(await runOnce(gateBundle, gateEnv));
  minimal.push(await runOnce(minimalBundle, minimalEnv));
  for (const build of also) build.walls.push(await runOnce(build.file, gateEnv));
}
await fake.close();
if (fake.invalidRequests.length > 0) throw new Error(`invalid requests: ${fake.invalidRequests.join("; ")}`);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const p90 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)]!;
const kib = (file: string) => `${(statSync(file).size / 1024).toFixed(0)} KiB`;
const ratio = median(gate) / median(minimal);
console.log(`action cold start, ${RUNS} runs each, node ${process.version}, ${process.env["BENCH_ENV"] === "inherit" ? "inherited" : "minimal"} environment (median / p90):`);
console.log(`  minimal @actions/core action   ${median(minimal).toFixed(1)} ms / ${p90(minimal).toFixed(1)} ms   (${kib(minimalBundle)})`);
console.log(`  changegate mode: gate          ${median(gate).toFixed(1)} ms / ${p90(gate).toFixed(1)} ms   (${kib(gateBundle)}, ${requestsPerRun} API requests)`);
console.log(`  ratio                          ${ratio.toFixed(2)}x   target <= 1.5x: ${ratio <= 1.5 ? "met" : "NOT met"}`);
// The fastest run of each is the one least disturbed by the machine's other work.
const fastest = (values: number[]) => Math.min(...values);
console.log(`  fastest runs                   minimal ${fastest(minimal).toFixed(1)} ms, gate ${fastest(gate).toFixed(1)} ms: ${(fastest(gate) / fastest(minimal)).toFixed(2)}x`);
if (cpuTimes.size > 0) {
  const [gateCpu, minimalCpu] = [median(cpuTimes.get(gateBundle)!), median(cpuTimes.get(minimalBundle)!)];
  console.log(`  CPU time (median)              minimal ${minimalCpu.toFixed(1)} ms, gate ${gateCpu.toFixed(1)} ms: ${(gateCpu / minimalCpu).toFixed(2)}x`);
}
for (const build of also) {
  const cpu = cpuTimes.has(build.file) ? `, CPU ${(median(cpuTimes.get(build.file)!) / median(cpuTimes.get(minimalBundle)!)).toFixed(2)}x` : "";
  const fastestRatio = `, fastest ${(fastest(build.walls) / fastest(minimal)).toFixed(2)}x`;
  console.log(`  also: ${build.label.padEnd(22)} ${median(build.walls).toFixed(1)} ms / ${p90(build.walls).toFixed(1)} ms   (${kib(build.file)}): ${(median(build.walls) / median(minimal)).toFixed(2)}x${cpu}${fastestRatio}`);
}
rmSync(work, { recursive: true, force: true });
