import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/audit/canonical.js";
import { HEAD_PATH, recordPath } from "../../src/audit/layout.js";
import { startFakeGitHub, type FakeGitHub } from "../fake-github/index.js";
import { chain, changeRecord, writeTrail } from "../support/trail.js";
import { buildBundle, ROOT, runAction } from "./run-action.js";

/** `mode: site` as the runner runs it (the bundle in a child process) against the fake GitHub. */
const POLICY = 'version: 1\ntimezone: "UTC"\nfreezes: [{ name: "Year end", start: "2026-12-24T00:00", end: "2026-12-27T00:00" }]\n';
const T0 = Date.parse("2026-11-02T00:00:00Z");
const records = chain([1, 2, 3].map((number) => changeRecord({ number, mergedAt: T0 + number * 3_600_000, title: `Change ${number} <b>bold</b>` })));

let fake: FakeGitHub;
let workspace: string;

beforeAll(async () => {
  buildBundle();
  fake = await startFakeGitHub();
  workspace = mkdtempSync(join(tmpdir(), "changegate-site-mode-"));
}, 60_000);
afterAll(async () => {
  await fake?.close();
  rmSync(workspace, { recursive: true, force: true });
});

const site = (inputs: Record<string, string>, repository: string) =>
  runAction({ inputs: { mode: "site", token: "ghs_token", ...inputs }, eventName: "workflow_dispatch", payload: {}, repository, sha: "0".repeat(40), apiUrl: fake.url, env: { GITHUB_WORKSPACE: workspace } });

describe("mode: site", () => {
  it("reads the trail the policy names through the API and writes the site with its bundled assets", async () => {
    fake.addRepository({ owner: "acme", name: "shop", files: { ".github/changegate.yml": POLICY } });
    const files: Record<string, string> = { [HEAD_PATH]: canonicalJson({ seq: 3, hash: records[2]!.hash }) };
    for (const record of records) files[recordPath(record.seq)] = canonicalJson(record);
    fake.commit("acme", "shop", "changegate/audit", files);
    const run = await site({ out: "public" }, "acme/shop");
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.outputs["reason"]).toBe("wrote the site of acme/shop@changegate/audit (3 changes) to public.");
    for (const file of ["index.html", "investigate.html", "calendar.html", "metrics.html", "calendar.ics", "data/site.js", "assets/site.css"]) expect(existsSync(join(workspace, "public", file)), file).toBe(true);
    expect(readFileSync(join(workspace, "public/assets/site.js"))).toEqual(readFileSync(join(ROOT, "dist/site-assets/site.js")));
    expect(readFileSync(join(workspace, "public/data/site.js"), "utf8")).toContain("Change 2 <b>bold</b>");
    expect(readFileSync(join(workspace, "public/calendar.ics"), "utf8")).toContain("SUMMARY:freeze: Year end");
  }, 60_000);

  it("from a checkout (trail-dir): a broken trail still gets its site, saying what does not verify, and the step fails", async () => {
    fake.addRepository({ owner: "acme", name: "web", files: { ".github/changegate.yml": POLICY } });
    const trail = join(workspace, "trail");
    writeTrail(trail, records);
    const second = join(trail, recordPath(2));
    writeFileSync(second, readFileSync(second, "utf8").replace('"Change 2', '"Change two'));
    const run = await site({ "trail-dir": "trail" }, "acme/web");
    expect(run.code).toBe(1);
    expect(run.outputs["reason"]).toContain("the trail does not verify: record 2");
    expect(run.annotations.some((annotation) => annotation.level === "error" && annotation.message.includes("record 2"))).toBe(true);
    const data = readFileSync(join(workspace, "changegate-site/data/site.js"), "utf8");
    expect(data).toContain("Change 1");
    expect(data).not.toContain("Change two");
    expect(data).toContain("record 2 (records/000/000/000000002.json) was edited");
  }, 60_000);
});
