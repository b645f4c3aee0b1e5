import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/audit/canonical.js";
import { HEAD_PATH, recordPath } from "../../src/audit/layout.js";
import { startFakeGitHub, type FakeGitHub } from "../fake-github/index.js";
import { runCli } from "../support/cli.js";
import { generateTrail } from "../support/trail.js";

let fake: FakeGitHub;
let dir: string;
beforeAll(async () => {
  fake = await startFakeGitHub();
  dir = mkdtempSync(join(tmpdir(), "changegate-site-repo-"));
});
afterAll(async () => {
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("changegate site --repo", () => {
  it("reads the trail through the API (GITHUB_API_URL, GITHUB_TOKEN) and writes the same site", async () => {
    const records = generateTrail(12);
    const files: Record<string, string> = { [HEAD_PATH]: canonicalJson({ seq: 12, hash: records[11]!.hash }) };
    for (const record of records) files[recordPath(record.seq)] = canonicalJson(record);
    fake.addRepository({ owner: "acme", name: "audit", defaultBranch: "changegate/audit", files });
    const run = await runCli(["site", "--repo", "acme/audit", "--out", "site"], { cwd: dir, env: { GITHUB_API_URL: fake.url, GITHUB_TOKEN: "t", CHANGEGATE_NOW: "2026-01-02T00:00:00Z" } });
    expect(run.stderr).toBe("");
    expect(run).toMatchObject({ exit: 0, stdout: "site/index.html: 12 changes, 0 calendar events, 1 weeks of metrics\n" });
    const data = readFileSync(join(dir, "site/data/site.js"), "utf8");
    expect(data).toContain('\\"where\\":\\"acme/audit@changegate/audit\\"');
    expect(data).toContain("Change 12");
    // One archive download, not a request per record.
    expect(fake.countRequests({ route: "GET /repos/{owner}/{repo}/tarball/{ref}" })).toBe(1);
    expect(fake.countRequests({ route: /blobs|contents/ })).toBe(0);
    const missing = await runCli(["site", "--repo", "acme/nothing", "--out", "site"], { cwd: dir, env: { GITHUB_API_URL: fake.url, GITHUB_TOKEN: "t" } });
    // No such branch reads as an empty trail (as audit verify says "the trail is empty"): said, not hidden.
    expect(missing.exit).toBe(0);
    expect(missing.stderr).toBe("changegate site: acme/nothing@changegate/audit holds no record (is it the audit branch?): the site is empty\n");
  });
});
