import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pathMatcher, touchedPaths } from "../src/engine/paths.js";
import { DIMENSIONS, type Dimension } from "../src/engine/policy.js";
import { assessRisk, type RiskInput } from "../src/engine/risk.js";
import { policyFrom } from "./support/policy.js";

const SPEC_POLICY = readFileSync(join(import.meta.dirname, "fixtures", "spec-policy.yml"), "utf8");
const WEDNESDAY_0300 = Date.parse("2026-02-25T03:00:00Z");

function assess(overrides: Partial<RiskInput> & { paths?: string[]; policyText?: string }) {
  const { paths = ["src/app.ts"], policyText = SPEC_POLICY, ...rest } = overrides;
  return assessRisk({
    policy: policyFrom(policyText),
    request: null,
    files: { files: paths.map((path) => ({ path })), complete: true },
    labels: [],
    at: WEDNESDAY_0300,
    ...rest,
  });
}
const scores = (risk: ReturnType<typeof assess>) => Object.fromEntries(DIMENSIONS.map((dimension) => [dimension, risk.dimensions[dimension].score]));

describe("risk", () => {
  it("scores the spec's Redis example 8, medium, on a Wednesday at 03:00 UTC", () => {
    const risk = assess({ request: { risk: { blast_radius: 2, reversibility: 2, confidence: 3, timing: 1 }, risk_level: "medium" } });
    expect(scores(risk)).toEqual({ blast_radius: 2, reversibility: 2, confidence: 3, timing: 1 });
    expect(risk.score).toBe(8);
    expect(risk.tier).toBe("medium");
    expect(risk.trafficClass).toBe("off-peak");
  });

  it("uses the policy default only where nothing gives a value", () => {
    const risk = assess({ request: { risk: { blast_radius: 1 } }, policyText: "version: 1\nrisk: { defaults: { confidence: 4 } }\n" });
    expect(scores(risk)).toEqual({ blast_radius: 1, reversibility: 2, confidence: 4, timing: 2 });
    expect(risk.dimensions.confidence.reasons).toEqual([{ source: "default", score: 4 }]);
    expect(risk.dimensions.blast_radius.reasons).toEqual([{ source: "declared", score: 1 }]);
  });

  it("raises declared scores with matching rules and keeps every reason, highest first", () => {
    const risk = assess({ paths: ["db/migrations/001.sql", "src/x.ts"], request: { risk: { blast_radius: 2, reversibility: 1 } } });
    expect(risk.dimensions.blast_radius).toEqual({
      score: 4,
      reasons: [
        { source: "rule", score: 4, rule: "database migrations", paths: ["db/migrations/001.sql"], labels: [], unlistedFiles: false },
        { source: "declared", score: 2 },
      ],
    });
    expect(risk.dimensions.reversibility.score).toBe(4);
  });

  it("never lowers a declared score with a lower rule", () => {
    const risk = assess({ paths: ["k8s/network/policy.yaml"], request: { risk: { blast_radius: 4 } } });
    expect(risk.dimensions.blast_radius.score).toBe(4);
  });

  it("lets a rule raise the default but never lower it (rules only raise)", () => {
    const low = "version: 1\nrisk:\n  rules:\n    - { name: docs, paths: [\"docs/**\"], set: { blast_radius: 1, confidence: 4 } }\n";
    const risk = assess({ policyText: low, paths: ["docs/a.md"] });
    expect(risk.dimensions.blast_radius.score).toBe(2);
    expect(risk.dimensions.confidence.score).toBe(4);
  });

  it("matches a rule on any path or any label", () => {
    expect(assess({ labels: ["network"] }).dimensions.blast_radius.reasons[0]).toMatchObject({ rule: "network policy", labels: ["network"], paths: [] });
    expect(assess({ paths: ["k8s/network/a.yaml"] }).dimensions.blast_radius.score).toBe(3);
    expect(assess({ labels: ["networking"] }).dimensions.blast_radius.score).toBe(2);
  });

  it("matches dotfiles and both names of a rename", () => {
    const dotfiles = "version: 1\nrisk:\n  rules:\n    - { name: ci, paths: [\".github/**\"], set: { blast_radius: 4 } }\n";
    expect(assess({ policyText: dotfiles, paths: [".github/workflows/deploy.yml"] }).dimensions.blast_radius.score).toBe(4);
    const renamed = assessRisk({
      policy: policyFrom(SPEC_POLICY),
      request: null,
      files: { files: [{ path: "archive/001.sql", previousPath: "db/migrations/001.sql" }], complete: true },
      labels: [],
      at: WEDNESDAY_0300,
    });
    expect(renamed.dimensions.blast_radius.reasons[0]).toMatchObject({ rule: "database migrations", paths: ["db/migrations/001.sql"] });
  });

  it("takes every path rule as matching when the file list is incomplete, and says so", () => {
    const risk = assessRisk({ policy: policyFrom(SPEC_POLICY), request: null, files: { files: [{ path: "src/a.ts" }], complete: false }, labels: [], at: WEDNESDAY_0300 });
    expect(risk.filesComplete).toBe(false);
    expect(risk.dimensions.blast_radius.score).toBe(4);
    expect(risk.dimensions.blast_radius.reasons[0]).toMatchObject({ rule: "database migrations", unlistedFiles: true });
  });

  it("raises timing with the traffic class at the instant", () => {
    const at = (iso: string) => assess({ request: { risk: { timing: 1 } }, at: Date.parse(iso) });
    expect(at("2026-02-25T18:00:00Z").dimensions.timing).toMatchObject({ score: 4, reasons: [{ source: "traffic", trafficClass: "peak" }, { source: "declared" }] });
    expect(at("2026-02-25T10:00:00Z").trafficClass).toBe("business");
    expect(at("2026-02-28T10:00:00Z").trafficClass).toBe("normal"); // Saturday
    expect(at("2026-02-25T23:00:00Z").trafficClass).toBe("off-peak"); // half-open: normal ends at 23:00
  });

  it("takes tiers from the policy's ranges; the effective tier is the higher of computed and declared", () => {
    const custom = "version: 1\nrisk:\n  tiers: { low: [4, 8], medium: [9, 12], high: [13, 14], critical: [15, 16] }\n";
    expect(assess({ policyText: custom }).tier).toBe("medium"); // defaults 2+2+3+2 = 9
    const declared = assess({ policyText: custom, request: { risk_level: "critical" } });
    expect([declared.tier, declared.effectiveTier]).toEqual(["medium", "critical"]);
    const lower = assess({ policyText: custom, request: { risk_level: "low" } });
    expect(lower.effectiveTier).toBe("medium");
  });
});

describe("paths", () => {
  it("match globs from the repository root", () => {
    const matcher = pathMatcher(["db/migrations/**", "k8s/**/replicas.yaml", "*.md"]);
    expect(["db/migrations/1.sql", "db/migrations/a/b.sql", "k8s/a/b/replicas.yaml", "k8s/replicas.yaml", "README.md"].every(matcher)).toBe(true);
    expect(["db/1.sql", "docs/a.md", "k8s/a/replicas.yml", "xdb/migrations/1.sql"].some(matcher)).toBe(false);
  });

  it("list both names of a rename once", () => {
    expect(touchedPaths({ files: [{ path: "b", previousPath: "a" }, { path: "c", previousPath: "c" }], complete: true })).toEqual(["b", "a", "c"]);
  });
});

describe("properties", () => {
  const declared = fc.record(
    { blast_radius: fc.integer({ min: 1, max: 4 }), reversibility: fc.integer({ min: 1, max: 4 }), confidence: fc.integer({ min: 1, max: 4 }), timing: fc.integer({ min: 1, max: 4 }) },
    { requiredKeys: [] },
  );
  const instants = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) });
  const sets = fc.record({ blast_radius: fc.integer({ min: 1, max: 4 }), timing: fc.integer({ min: 1, max: 4 }) }, { requiredKeys: [] });

  it("adding a rule never lowers any dimension", () => {
    fc.assert(
      fc.property(declared, instants, sets, fc.boolean(), (risk, at, set, matches) => {
        const before = assess({ request: { risk }, at, paths: ["src/a.ts"] });
        const rule = `    - { name: extra, paths: ["${matches ? "src/**" : "nothing/**"}"], set: ${JSON.stringify(set)} }\n`;
        const after = assess({ request: { risk }, at, paths: ["src/a.ts"], policyText: SPEC_POLICY.replace("  rules:", "  rules:\n" + rule.trimEnd()) });
        for (const dimension of DIMENSIONS) expect(after.dimensions[dimension].score).toBeGreaterThanOrEqual(before.dimensions[dimension].score);
        expect(after.score).toBeGreaterThanOrEqual(before.score);
      }),
      { numRuns: 200 },
    );
  });

  it("the composite score is monotone in each declared dimension", () => {
    fc.assert(
      fc.property(declared, instants, fc.constantFrom<Dimension>(...DIMENSIONS), (risk, at, dimension) => {
        const current = (risk as Record<string, number | undefined>)[dimension] ?? 1;
        fc.pre(current < 4);
        const lower = assess({ request: { risk: { ...risk, [dimension]: current } }, at, paths: ["db/migrations/1.sql"] });
        const higher = assess({ request: { risk: { ...risk, [dimension]: current + 1 } }, at, paths: ["db/migrations/1.sql"] });
        expect(higher.score).toBeGreaterThanOrEqual(lower.score);
        expect(["low", "medium", "high", "critical"].indexOf(higher.effectiveTier)).toBeGreaterThanOrEqual(["low", "medium", "high", "critical"].indexOf(lower.effectiveTier));
      }),
      { numRuns: 300 },
    );
  });
});
