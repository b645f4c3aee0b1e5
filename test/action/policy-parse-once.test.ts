import { beforeEach, describe, expect, it, vi } from "vitest";
import type * as YamlDocument from "../../src/engine/yaml-document.js";

// The loader reads each file's `_extends` (`readPolicyLayer`) and then gives the same files
// to `parsePolicy`; for the Action's cold start the second reuses the first's YAML parse, handed
// over explicitly as `PolicySource.layer` (src/engine/policy.ts). Counted here by wrapping the
// YAML parser.
const parses = vi.hoisted(() => ({ count: 0 }));
vi.mock("../../src/engine/yaml-document.js", async (importOriginal) => {
  const original = await importOriginal<typeof YamlDocument>();
  return {
    ...original,
    parseYaml: (...args: Parameters<typeof original.parseYaml>) => {
      parses.count++;
      return original.parseYaml(...args);
    },
  };
});

const { parsePolicy, readPolicyLayer } = await import("../../src/engine/policy.js");

const FILE = ".github/changegate.yml";
const VALID = `version: 1
timezone: "Europe/Berlin"
approvals: { high: { count: 2, teams: ["sre"] } }
freezes:
  - { name: "Year end", start: "2030-12-20T00:00", end: "2031-01-02T00:00" }
`;
const INVALID = `version: 1
windows:
  normal:
    - { days: [mon], from: "09:00", to: "09:00" }
aprovals: {}
`;

beforeEach(() => {
  parses.count = 0;
});

describe("a policy text is parsed once by readPolicyLayer and parsePolicy", () => {
  it("gives parsePolicy the same result as parsing afresh, and parses once", () => {
    const fresh = parsePolicy({ file: FILE, text: VALID });
    expect(parses.count).toBe(1);
    parses.count = 0;
    const layer = readPolicyLayer(VALID);
    expect(layer.extends).toBeNull();
    const after = parsePolicy({ file: FILE, text: VALID, layer });
    expect(parses.count).toBe(1);
    expect(after).toEqual(fresh);
  });

  it("locates problems at the same lines, in the layer's own file", () => {
    const fresh = parsePolicy({ file: FILE, text: INVALID });
    expect(fresh.ok).toBe(false);
    const after = parsePolicy({ file: FILE, text: INVALID, layer: readPolicyLayer(INVALID) });
    expect(after).toEqual(fresh);
    if (after.ok) return;
    expect(after.problems.map((problem) => [problem.path, problem.line])).toEqual([
      ["windows.normal[0].to", 4],
      ["aprovals", 5],
    ]);
  });

  it("names each layer's file in its problems, whatever name readPolicyLayer parsed it under", () => {
    const base = { file: "acme/.github:.github/changegate.yml", text: "version: 1\nfreezes:\n  - { name: x, start: 2030-01-02, end: 2030-01-01 }\n" };
    const repo = { file: FILE, text: "_extends: .github\nversion: 1\n" };
    const fresh = parsePolicy([base, repo]);
    const repoLayer = readPolicyLayer(repo.text);
    const baseLayer = readPolicyLayer(base.text);
    expect(repoLayer.extends).toBe(".github");
    expect(baseLayer.extends).toBeNull();
    parses.count = 0;
    const after = parsePolicy([{ ...base, layer: baseLayer }, { ...repo, layer: repoLayer }]);
    expect(parses.count).toBe(0);
    expect(after).toEqual(fresh);
    expect(after.ok ? [] : after.problems.map((problem) => `${problem.file}:${problem.line}`)).toEqual(["acme/.github:.github/changegate.yml:3"]);
  });

  it("keeps nothing between calls: a parsePolicy not handed the layer parses again", () => {
    readPolicyLayer(VALID);
    parsePolicy({ file: FILE, text: VALID });
    parses.count = 0;
    parsePolicy({ file: FILE, text: VALID });
    expect(parses.count).toBe(1);
  });

  it("does not use a layer parsed from another text", () => {
    const result = parsePolicy({ file: FILE, text: INVALID, layer: readPolicyLayer(VALID) });
    expect(result.ok).toBe(false);
  });

  it("does not remember a text that does not parse", () => {
    const broken = "version: 1\n  bad: [\n";
    const layer = readPolicyLayer(broken);
    expect(layer.extends).toBeNull();
    const result = parsePolicy({ file: FILE, text: broken, layer });
    expect(result.ok).toBe(false);
    expect(parses.count).toBe(2);
  });
});
