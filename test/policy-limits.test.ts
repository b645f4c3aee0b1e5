import { Octokit } from "@octokit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseChangeRequest } from "../src/engine/change-request.js";
import { parsePolicy } from "../src/engine/policy.js";
import { MAX_NESTING_DEPTH } from "../src/engine/yaml-document.js";
import { loadPolicy } from "../src/github/policy-source.js";
import { CONTENTS_MAX_BYTES } from "./fake-github/render.js";
import { startFakeGitHub, type FakeGitHub } from "./fake-github/index.js";

/** Issue 11, finding 11: a policy nested absurdly deep, and one over 1 MiB, each with its right message or result. */
const FILE = ".github/changegate.yml";
const flow = (depth: number) => `version: 1\nrisk: { defaults: ${"[".repeat(depth)}${"]".repeat(depth)} }\n`;
const block = (depth: number) => "version: 1\nrisk:\n" + Array.from({ length: depth }, (_, level) => `${" ".repeat(2 * level + 2)}a:`).join("\n") + " 1\n";

describe("deep nesting", () => {
  // Block mappings indent two spaces a level: 2,000 levels are 4 MB of text already.
  for (const [shape, text, depths] of [
    ["flow lists", flow, [MAX_NESTING_DEPTH + 1, 5_000, 20_000]],
    ["block mappings", block, [MAX_NESTING_DEPTH + 1, 2_000]],
  ] as const) {
    for (const depth of depths) {
      it(`${shape} ${depth} deep are "nested too deeply", at a line, not a stack overflow`, () => {
        const result = parsePolicy({ file: FILE, text: text(depth) });
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.problems).toHaveLength(1);
        expect(result.problems[0]).toMatchObject({ file: FILE, message: `nested too deeply (more than ${MAX_NESTING_DEPTH} levels of mappings and lists)` });
        expect(result.problems[0]!.line).toBeGreaterThanOrEqual(2);
        expect(JSON.stringify(result.problems)).not.toMatch(/call stack/i);
      });
    }
  }

  it("nesting within the limit is validated as usual (the schema speaks, not the depth)", () => {
    const result = parsePolicy({ file: FILE, text: flow(MAX_NESTING_DEPTH - 2) });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((problem) => problem.message).join("\n")).not.toMatch(/nested too deeply/);
  });

  it("a change request nested 20,000 deep says so, at its line in the description", () => {
    const body = "Intro\n\n```yaml\nchange_request:\n  type: normal\n  services_affected: " + "[".repeat(20_000) + "]".repeat(20_000) + "\n```\n";
    const result = parseChangeRequest(body);
    expect(result).toMatchObject({ status: "invalid" });
    const problems = (result as { problems: { message: string; line: number | null }[] }).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ message: expect.stringMatching(/^nested too deeply/), line: 6 });
  });
});

describe("a policy over 1 MiB", () => {
  let fake: FakeGitHub;
  beforeAll(async () => {
    fake = await startFakeGitHub();
  });
  afterAll(() => fake.close());

  it("is read through the blob API (the contents API answers it without content) and parsed", async () => {
    const padding = `# ${"x".repeat(100)}\n`.repeat(Math.ceil(CONTENTS_MAX_BYTES / 100));
    const policy = `version: 1\ntimezone: Europe/Berlin\n${padding}`;
    expect(policy.length).toBeGreaterThan(CONTENTS_MAX_BYTES);
    fake.addRepository({ owner: "acme", name: "big", files: { [FILE]: policy } });
    const octokit = new Octokit({ baseUrl: fake.url, auth: "ghs_test" });
    const loaded = await loadPolicy(octokit, { owner: "acme", repo: "big", ref: "main" });
    expect(loaded.status).toBe("valid");
    if (loaded.status === "valid") expect(loaded.policy.timezone).toBe("Europe/Berlin");
    expect(fake.requests().map((record) => record.route)).toEqual(["GET /repos/{owner}/{repo}/contents/{path}", "GET /repos/{owner}/{repo}/git/blobs/{file_sha}"]);
  });
});
