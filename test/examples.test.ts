import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";

/** Every built-in example decides as examples/cases.json says (the quick start shows them). */
const examples = join(import.meta.dirname, "..", "examples");
const manifest = JSON.parse(readFileSync(join(examples, "cases.json"), "utf8")) as {
  policy: string;
  teams: string;
  cases: {
    name: string; body: string; files: string; reviews?: string; author: string; head?: string; at: string; labels?: string[];
    expect: { risk: string; schedule: string; approvals: string; exit: number };
  }[];
};

describe("built-in examples", () => {
  for (const example of manifest.cases) {
    it(example.name, async () => {
      const args = ["check", "--policy", manifest.policy, "--teams", manifest.teams, "--body", example.body, "--files", example.files,
        "--author", example.author, "--at", example.at, "--repo", "acme/shop", "--json"];
      if (example.reviews) args.push("--reviews", example.reviews);
      if (example.head) args.push("--head", example.head);
      if (example.labels) args.push("--labels", example.labels.join(","));
      const run = await runCli(args, { cwd: examples });
      expect(run.stderr).toBe("");
      expect(run.exit).toBe(example.expect.exit);
      const checks = (JSON.parse(run.stdout) as { checks: { name: string; conclusion: string }[] }).checks;
      expect(checks.map((check) => check.name)).toEqual(["changegate/risk", "changegate/schedule", "changegate/approvals"]);
      expect(Object.fromEntries(checks.map((check) => [check.name.split("/")[1], check.conclusion]))).toEqual({
        risk: example.expect.risk,
        schedule: example.expect.schedule,
        approvals: example.expect.approvals,
      });
    });
  }

  it("the spec's Redis example scores 8, medium, on a Wednesday at 03:00 UTC", async () => {
    const run = await runCli(["check", "--policy", "changegate.yml", "--body", "pr-normal.md", "--files", "pr-normal.files", "--at", "2026-02-25T03:00:00Z", "--json"], { cwd: examples });
    const result = JSON.parse(run.stdout) as { risk: { score: number; tier: string; dimensions: Record<string, { score: number }> } };
    expect(result.risk.score).toBe(8);
    expect(result.risk.tier).toBe("medium");
    expect(Object.fromEntries(Object.entries(result.risk.dimensions).map(([name, dimension]) => [name, dimension.score]))).toEqual({
      blast_radius: 2, reversibility: 2, confidence: 3, timing: 1,
    });
  });
});
