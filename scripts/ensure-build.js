// Builds dist/ (npm run build) only when a source is newer than the built command line:
// `npm run demo` and `npm run bench` pay for tsc once, not on every run.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "cli-bundle", "main.js");

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Whether dist/ is at least as new as every source it is built from. */
export function isBuildCurrent() {
  const sources = Math.max(newest(join(root, "src")), ...["package.json", "tsconfig.json", "tsconfig.build.json", "scripts/build-cli.js", "scripts/esbuild-plugins.js", "scripts/holiday-data.js"].map((file) => statSync(join(root, file)).mtimeMs));
  return existsSync(built) && statSync(built).mtimeMs >= sources;
}

export function ensureBuilt() {
  if (isBuildCurrent()) return false;
  console.error("(building dist/: a source changed since the last build)");
  const run = spawnSync(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
  if (run.status !== 0) process.exit(run.status ?? 1);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) ensureBuilt();
