import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";

// bin/changegate.js writes a command's output straight to its descriptor, and through
// process.stdout only when the descriptor refuses a write (or a command asks isTTY).
const root = join(import.meta.dirname, "..");
const bin = join(root, "bin", "changegate.js");
const LISTING = ["calendar", "--policy", ".github/changegate.yml", "--from", "2026-12-01T00:00:00Z", "--to", "2031-12-01T00:00:00Z", "--json"];
/** Four freezes a day for five years: ~1 MB of JSON, more than a pipe or a socket pair holds. */
const POLICY = `version: 1
timezone: Europe/Berlin
freezes:
${[6, 10, 14, 18].map((hour) => `  - { name: "daily ${hour}", start: "2026-01-01T${String(hour).padStart(2, "0")}:00", duration: "1h", rrule: "FREQ=DAILY" }`).join("\n")}
`;
let calendars: string;

beforeAll(() => {
  calendars = mkdtempSync(join(tmpdir(), "changegate-cli-output-"));
  mkdirSync(join(calendars, ".github"));
  writeFileSync(join(calendars, ".github", "changegate.yml"), POLICY);
});
afterAll(() => rmSync(calendars, { recursive: true, force: true }));

describe("the command line's output", () => {
  it("reaches a pipe whole, as the command wrote it (over the pipe's buffer: several writes)", async () => {
    const run = spawnSync(process.execPath, [bin, ...LISTING], { cwd: calendars, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.length).toBeGreaterThan(500_000);
    expect(run.stdout).toBe((await runCli(LISTING, { cwd: calendars })).stdout);
  });

  it("ends quietly with the command's status when the reader goes away early", async () => {
    const child = spawn(process.execPath, [bin, ...LISTING], { cwd: calendars, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // The reader takes one chunk and closes its end: the rest meets a closed pipe (EPIPE), which the stream then reports as before.
    child.stdout.once("data", () => child.stdout.destroy());
    const status = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    expect(stderr).toBe("");
    expect(status).toBe(0);
  });
});
