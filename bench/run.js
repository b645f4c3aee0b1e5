// `npm run bench`: every benchmark in bench/ (files named *.bench.js or *.bench.ts), one
// after another, each in its own process so none warms the next.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((file) => /\.bench\.(js|ts)$/.test(file))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();
let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file}`);
  const args = file.endsWith(".ts") ? ["--import", "tsx", join(here, file)] : [join(here, file)];
  const run = spawnSync(process.execPath, args, { stdio: "inherit", cwd: join(here, "..") });
  if (run.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
