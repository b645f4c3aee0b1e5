import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string; dev?: boolean; optional?: boolean; engines?: { node?: string } | string[] }> };
const readme = readFileSync(join(root, "README.md"), "utf8");

/** Installed packages (from the lock file) whose `engines.node` refuses `version`. */
function refusing(version: string, which: (entry: { dev?: boolean }) => boolean): string[] {
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path !== "" && which(entry) && !Array.isArray(entry.engines) && typeof entry.engines?.node === "string")
    .filter(([, entry]) => !semver.satisfies(version, (entry.engines as { node: string }).node))
    .map(([path, entry]) => `${path.replace(/^.*node_modules\//, "")}@${entry.version} wants node ${(entry.engines as { node: string }).node}`);
}

describe("the Node versions the README and engines promise", () => {
  const floor = semver.minVersion(manifest.engines.node)!.version;
  const devFloor = /Node\.js (\d+\.\d+(?:\.\d+)?) or later to run the tests/.exec(readme)?.[1];

  it("engines' lowest version is one every runtime dependency accepts (npm ci warns of none), and the README says it", () => {
    expect(refusing(floor, (entry) => entry.dev !== true)).toEqual([]);
    expect(readme).toContain(`Node.js ${floor} or later`);
  });

  it("the tests' tools accept the version the README names for them", () => {
    expect(devFloor).toBeDefined();
    expect(refusing(semver.coerce(devFloor!)!.version, () => true)).toEqual([]);
  });
});
