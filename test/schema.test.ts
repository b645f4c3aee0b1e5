import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ValidateFunction } from "ajv8";
import { Ajv2020 } from "ajv8/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseChangeRequest } from "../src/engine/change-request.js";
import { parsePolicy } from "../src/engine/policy.js";
import { STARTER_POLICY } from "../src/cli/starter.js";
import { jsonSchemaOf } from "../src/cli/schema.js";

const examples = join(import.meta.dirname, "..", "examples");
const EXAMPLE_POLICY = readFileSync(join(examples, "changegate.yml"), "utf8");

function compile(kind: string): ValidateFunction {
  return new Ajv2020({ strict: false, allErrors: true }).compile(jsonSchemaOf(kind));
}

/** Every property path of a schema that has no description, walking items, map values and unions. */
function undescribed(schema: Record<string, unknown>, path = ""): string[] {
  const out: string[] = [];
  for (const [key, inner] of Object.entries((schema["properties"] as Record<string, Record<string, unknown>> | undefined) ?? {})) {
    if (typeof inner["description"] !== "string" || inner["description"] === "") out.push(`${path}${path === "" ? "" : "."}${key}`);
    out.push(...undescribed(inner, `${path}${path === "" ? "" : "."}${key}`));
  }
  for (const nested of [schema["items"], schema["additionalProperties"], ...((schema["anyOf"] as unknown[] | undefined) ?? [])]) {
    if (nested !== null && typeof nested === "object") out.push(...undescribed(nested as Record<string, unknown>, path));
  }
  return out;
}

describe("changegate schema policy", () => {
  const validate = compile("policy");
  const schema = jsonSchemaOf("policy");

  it("describes every key, with examples where a value helps", () => {
    expect(undescribed(schema)).toEqual([]);
    const properties = schema["properties"] as Record<string, Record<string, unknown>>;
    expect(properties["timezone"]!["description"]).toMatch(/IANA time zone/);
    expect(properties["timezone"]!["examples"]).toEqual(["UTC", "Europe/Berlin"]);
  });

  it("the example policies (the README's, the calendars') and the starter policy pass", () => {
    expect(validate(parse(EXAMPLE_POLICY)), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(parse(STARTER_POLICY)), JSON.stringify(validate.errors)).toBe(true);
    const calendars = readFileSync(join(examples, "calendars", ".github", "changegate.yml"), "utf8");
    expect(validate(parse(calendars)), JSON.stringify(validate.errors)).toBe(true);
  });

  // Each documented mistake: the editor (the schema) and `changegate validate` both refuse it.
  const mistakes: [string, string, string][] = [
    ["an unknown key", "version: 1\nwindow: {}\n", "additionalProperties"],
    ["a wrong type", "version: 1\napprovals:\n  low: { count: one }\n", "type"],
    ["an unknown zone", "version: 1\ntimezone: Europe/Berln\n", "enum"],
    ["a time that is not HH:MM", "version: 1\nwindows:\n  normal: [{ days: [tue], from: '2:00', to: '06:00' }]\n", "pattern"],
    ["an hour past 23", "version: 1\nwindows:\n  normal: [{ days: [tue], from: '24:00', to: '06:00' }]\n", "pattern"],
    ["a weekday that is none", "version: 1\nwindows:\n  normal: [{ days: [tuesday], from: '02:00', to: '06:00' }]\n", "enum"],
    ["a date-time that is none", "version: 1\nfreezes: [{ name: q, start: 'next monday', end: '2026-04-02T00:00:00Z' }]\n", "pattern"],
    ["a score out of range", "version: 1\nrisk:\n  defaults: { timing: 5 }\n", "maximum"],
    ["an enforcement that is neither", "version: 1\nenforcement: warn\n", "enum"],
    ["a window that is no slot list", "version: 1\nwindows:\n  normal: sometimes\n", "anyOf"],
    ["no version", "timezone: UTC\n", "required"],
  ];
  for (const [name, text, keyword] of mistakes) {
    it(`refuses ${name}, as validate does`, () => {
      expect(validate(parse(text))).toBe(false);
      expect(validate.errors!.map((error) => error.keyword)).toContain(keyword);
      expect(parsePolicy({ file: "p.yml", text }).ok).toBe(false);
    });
  }

  it("what validate accepts in these fields, the schema accepts too", () => {
    for (const text of [
      "version: 1\ntimezone: America/New_York\nwindows:\n  normal: [{ days: [sat], from: '22:00', to: '01:00' }]\n",
      "version: 1\nblackouts: [{ name: b, start: '2026-12-24', end: '2026-12-27T00:00' }]\nfreezes: [{ name: f, start: '2026-03-28T00:00:00+02:00', end: '2026-04-02 00:00Z' }]\n",
    ]) {
      expect(parsePolicy({ file: "p.yml", text }).ok).toBe(true);
      expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    }
  });
});

describe("changegate schema change-request", () => {
  const validate = compile("change-request");
  const block = (fields: string) => parse(`change_request:\n${fields.split("\n").map((line) => `  ${line}`).join("\n")}\n`) as unknown;

  it("describes every key", () => {
    expect(undescribed(jsonSchemaOf("change-request"))).toEqual([]);
  });

  it("the examples' valid blocks pass", () => {
    for (const file of ["pr-normal.md", "pr-standard.md", "pr-emergency.md", "pr-frozen.md"]) {
      const body = readFileSync(join(examples, file), "utf8");
      const fenced = /(```|~~~)[a-z-]*\r?\n([\s\S]*?)\1/.exec(body)![2]!;
      expect(validate(parse(fenced)), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  // §1: type and rollback_plan always; implementation_plan for normal and emergency; incident for emergency; standard_change for standard.
  const missing: [string, string][] = [
    ["no type", "rollback_plan: r"],
    ["no rollback_plan", "type: standard\nstandard_change: s"],
    ["a normal change without implementation_plan", "type: normal\nrollback_plan: r"],
    ["an emergency without incident", "type: emergency\nimplementation_plan: i\nrollback_plan: r"],
    ["a standard change without standard_change (the write-up's block)", "type: standard\nrollback_plan: r"],
    ["a blank rollback_plan", "type: standard\nstandard_change: s\nrollback_plan: '  '"],
    ["an unknown key", "type: standard\nstandard_change: s\nrollback_plan: r\nrisk_levle: high"],
  ];
  for (const [name, fields] of missing) {
    it(`requires what §1 requires: ${name}`, () => {
      expect(validate(block(fields))).toBe(false);
      expect(parseChangeRequest(`\`\`\`yaml\nchange_request:\n${fields.split("\n").map((line) => `  ${line}`).join("\n")}\n\`\`\`\n`).status).toBe("invalid");
    });
  }

  it("a complete block of each type passes", () => {
    expect(validate(block("type: standard\nstandard_change: s\nrollback_plan: r"))).toBe(true);
    expect(validate(block("type: normal\nimplementation_plan: i\nrollback_plan: r"))).toBe(true);
    expect(validate(block("type: emergency\nimplementation_plan: i\nrollback_plan: r\nincident: INC-1"))).toBe(true);
  });
});
