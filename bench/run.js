// `npm run bench`: every benchmark in bench/ (files named *.bench.js or *.bench.ts), one
// after another, each in its own process so none warms the next. Exits 1 when a benchmark
// fails or prints a target "NOT met" (CI does not run benchmarks: a loaded machine misses
// targets, which is no test failure).
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((file) => /\.bench\.(js|ts)$/.test(file))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();

/** Runs one benchmark, passing its output through as it comes; whether it exited 0 and met its targets. */
function runBench(file) {
  return new Promise((resolve) => {
    const args = file.endsWith(".ts") ? ["--import", "tsx", join(here, file)] : [join(here, file)];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"], cwd: join(here, "..") });
    let missed = false;
    let tail = "";
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      // A line may arrive in two chunks: keep the last partial line.
      const text = tail + chunk.toString("utf8");
      if (/NOT met/.test(text)) missed = true;
      tail = text.slice(text.lastIndexOf("\n") + 1);
    });
    child.on("close", (code) => resolve({ ok: code === 0, missed }));
  });
}

const misses = [];
for (const file of benches) {
  console.log(`\n=== ${file}`);
  const { ok, missed } = await runBench(file);
  if (!ok) misses.push(`${file} failed`);
  else if (missed) misses.push(`${file}: a target NOT met`);
}
if (misses.length > 0) console.log(`\n${misses.join("\n")}`);
process.exitCode = misses.length === 0 ? 0 : 1;
