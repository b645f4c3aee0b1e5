import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

// The engine's purity is held by the lint rule for src/engine/ (eslint.config.js); here, that
// the rule refuses what it must and lets the engine's own imports through.
const eslint = new ESLint({ cwd: process.cwd() });

async function problems(code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: "src/engine/boundary-probe.ts" });
  return result!.messages.map((message) => `${message.ruleId}: ${message.message}`);
}

describe("src/engine/ lint boundary", () => {
  it("refuses imports from outside the engine, doors, I/O, the clock and the process", async () => {
    const found = await problems(
      [
        'import { renderChecks } from "../report/checks.js";',
        'import { Octokit } from "@octokit/rest";',
        'import type { Context } from "probot";',
        'import * as core from "@actions/core";',
        'import { readFileSync } from "node:fs";',
        "export const probe = [renderChecks, Octokit, core, readFileSync, Date.now(), new Date(), process.env, Math.random()];",
        "export type Probe = Context;",
      ].join("\n"),
    );
    expect(found.filter((problem) => problem.startsWith("no-restricted-imports"))).toHaveLength(5);
    expect(found).toContainEqual(expect.stringMatching(/^no-restricted-properties: 'Date.now'/));
    expect(found).toContainEqual(expect.stringMatching(/^no-restricted-syntax: The engine has no clock/));
    expect(found).toContainEqual(expect.stringMatching(/^no-restricted-globals: Unexpected use of 'process'/));
    expect(found).toContainEqual(expect.stringMatching(/^no-restricted-properties: 'Math.random'/));
  });

  it("lets the engine's own modules and its computing libraries through", async () => {
    const found = await problems(
      [
        'import * as z from "zod/mini";',
        'import { parseDocument } from "yaml";',
        'import picomatch from "picomatch";',
        'import { evaluate } from "./evaluate.js";',
        "export const probe = [z, parseDocument, picomatch, evaluate, new Date(0)];",
      ].join("\n"),
    );
    expect(found).toEqual([]);
  });
});
