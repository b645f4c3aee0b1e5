import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readInputs } from "../../src/action/inputs.js";
import { ROOT } from "./run-action.js";

/** The copy-paste workflows in docs/workflows/ use the Action as action.yml declares it. */
const action = parse(readFileSync(join(ROOT, "action", "action.yml"), "utf8")) as {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  runs: { using: string; main: string };
};
const dir = join(ROOT, "docs", "workflows");
const workflows = readdirSync(dir).filter((file) => file.endsWith(".yml"));

type Step = { uses?: string; with?: Record<string, string> };
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, { steps: Step[]; permissions?: Record<string, string> }> };

describe("docs/workflows", () => {
  it("declares what SPEC §7 names, running node24 from the committed bundle", () => {
    expect(action.runs).toEqual({ using: "node24", main: "dist/index.js" });
    expect(Object.keys(action.outputs).sort()).toEqual(["allowed", "next-allowed-at", "reason", "risk-score", "risk-tier"]);
  });

  it.each(workflows)("%s uses the Action with valid inputs and a permissions block", (file) => {
    const workflow = parse(readFileSync(join(dir, file), "utf8")) as Workflow;
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps).filter((step) => step.uses?.endsWith("/changegate/action@v1"));
    expect(steps.length).toBeGreaterThan(0);
    expect(workflow.permissions ?? Object.values(workflow.jobs)[0]!.permissions).toBeDefined();
    for (const step of steps) {
      for (const name of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs)).toContain(name);
      const result = readInputs((name) => step.with?.[name] ?? (name === "token" ? "t" : ""));
      expect(result).toMatchObject({ ok: true, warnings: [] });
    }
  });

  it("has a workflow for each mode, and the schedule's cron line", () => {
    const modes = workflows.map((file) => (parse(readFileSync(join(dir, file), "utf8")) as Workflow)).flatMap((workflow) =>
      Object.values(workflow.jobs).flatMap((job) => job.steps.map((step) => step.with?.["mode"])),
    );
    expect(new Set(modes.filter((mode) => mode !== undefined))).toEqual(new Set(["check", "gate", "audit", "site"]));
    const recheck = parse(readFileSync(join(dir, "changegate-recheck.yml"), "utf8")) as Workflow;
    expect(recheck.on).toMatchObject({ schedule: [{ cron: expect.any(String) }], workflow_dispatch: null });
  });
});
