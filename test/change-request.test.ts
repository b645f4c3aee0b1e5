import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { changeRequestTemplate, parseChangeRequest, type ChangeRequestResult } from "../src/engine/change-request.js";
import { formatProblem } from "../src/engine/problems.js";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "fixtures", name), "utf8");
const fenced = (content: string, info = "yaml", fence = "```") => `${fence}${info}\n${content}${content.endsWith("\n") ? "" : "\n"}${fence}\n`;
const NORMAL = "change_request:\n  type: normal\n  implementation_plan: do it\n  rollback_plan: undo it\n";

function problems(result: ChangeRequestResult): string[] {
  return result.status === "invalid" ? result.problems.map(formatProblem) : [];
}

describe("finding the block", () => {
  it("accepts ``` and ~~~ fences with yaml, yml or change-request info strings, any case", () => {
    for (const [info, fence] of [["yaml", "```"], ["yml", "~~~"], ["change-request", "```"], ["YAML", "~~~~"], ["Change-Request", "````"]]) {
      const result = parseChangeRequest(`Intro\n\n${fenced(NORMAL, info, fence)}\nOutro`);
      expect(result.status, `${fence}${info}`).toBe("valid");
    }
  });

  it("ignores other blocks: other languages, and yaml blocks that don't mention change_request", () => {
    expect(parseChangeRequest(fenced(NORMAL, "json")).status).toBe("absent");
    expect(parseChangeRequest(fenced("replicas: 3\n", "yaml")).status).toBe("absent");
    expect(parseChangeRequest("change_request:\n  type: normal\n").status).toBe("absent"); // not fenced
  });

  it("reports a change-request block that does not parse, with its line in the description", () => {
    const result = parseChangeRequest(`a\nb\n${fenced("change_request:\n  type: [normal\n", "change-request")}`);
    expect(result.status).toBe("invalid");
    expect(result.status === "invalid" && result.problems[0]!.line).toBeGreaterThanOrEqual(4);
  });

  it("reports a yaml block mentioning change_request that does not parse", () => {
    expect(parseChangeRequest(fenced("change_request:\n  type: normal\n bad: indent\n")).status).toBe("invalid");
  });

  it("a missing required field says it is required and what it takes", () => {
    const result = parseChangeRequest(fenced("change_request:\n  implementation_plan: x\n  rollback_plan: y\n"));
    expect(problems(result)).toEqual([expect.stringMatching(/change_request\.type: required: one of standard, normal, emergency$/)]);
    expect(problems(result).join("\n")).not.toMatch(/undefined/);
  });

  it("keeps line numbers right in CRLF bodies", () => {
    const body = `Line one\r\nLine two\r\n\r\n\`\`\`yaml\r\nchange_request:\r\n  type: normal\r\n  typo: 1\r\n  implementation_plan: x\r\n  rollback_plan: y\r\n\`\`\`\r\n`;
    expect(problems(parseChangeRequest(body))).toEqual(['PR description:7:3: change_request.typo: unknown key "typo" (did you mean "type"?)']);
  });

  it("ignores blocks inside HTML comments, including multi-line ones", () => {
    expect(parseChangeRequest(`<!--\n${fenced("change_request:\n  type: nope\n")}-->\n`).status).toBe("absent");
    expect(parseChangeRequest(`<!-- a --> text <!--\n${fenced("change_request:\n  type: nope\n")}\n-->`).status).toBe("absent");
    // A comment that closes before the block leaves the block in force.
    expect(parseChangeRequest(`<!-- note -->\n${fenced(NORMAL)}`).status).toBe("valid");
    expect(parseChangeRequest(`<!--\nnote\n-->\n${fenced(NORMAL)}`).status).toBe("valid");
  });

  it("treats an untouched template (every field empty) as absent", () => {
    const template = "change_request:\n  type:\n  services_affected: []\n  risk:\n    blast_radius:\n  implementation_plan: |\n  rollback_plan: \"\"\n";
    expect(parseChangeRequest(fenced(template)).status).toBe("absent");
    // ... and it does not count as a first block either.
    expect(parseChangeRequest(fenced(template) + fenced(NORMAL)).status).toBe("valid");
  });

  it("allows exactly one block: a second one names the first one's line", () => {
    const result = parseChangeRequest(`${fenced(NORMAL)}\n${fenced(NORMAL, "change-request")}`);
    expect(problems(result)).toEqual([
      "PR description:9:1: change_request: a second change-request block (the first starts at line 2); exactly one is allowed (merge the two blocks into one)",
    ]);
  });

  it("handles indented fences (columns shift) and an unclosed fence (runs to the end)", () => {
    const indented = "1. item\n\n   ```yaml\n   change_request:\n     type: normal\n     rollback_plan: y\n     implementation_plan: x\n     oops: 1\n   ```\n";
    const result = parseChangeRequest(indented);
    expect(result.status === "invalid" && result.problems[0]).toMatchObject({ line: 8, column: 6, path: "change_request.oops" });
    expect(parseChangeRequest("```yaml\n" + NORMAL).status).toBe("valid");
  });

  it("requires a mapping under change_request in a change-request block", () => {
    expect(problems(parseChangeRequest(fenced("- a\n- b\n", "change-request")))[0]).toMatch(/top-level key `change_request`/);
  });
});

describe("YAML safety", () => {
  it("caps alias expansion: a billion-laughs block fails fast with a clear error", () => {
    let yaml = "change_request:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (let level = 1; level <= 9; level++) {
      const previous = `*a${level - 1}`;
      yaml += `  a${level}: &a${level} [${Array(10).fill(previous).join(", ")}]\n`;
    }
    const started = performance.now();
    const result = parseChangeRequest(fenced(yaml));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(problems(result)[0]).toMatch(/too many alias expansions .*billion laughs/);
  });

  it("rejects duplicate keys", () => {
    expect(problems(parseChangeRequest(fenced(`${NORMAL}  type: emergency\n`)))[0]).toMatch(/^PR description:6:3: duplicate key/);
  });

  it("does not let __proto__ or constructor pollute anything, and reports them as unknown keys", () => {
    const result = parseChangeRequest(fenced(`${NORMAL}  __proto__: { polluted: true }\n  constructor: { prototype: { polluted: true } }\n`));
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
    expect(problems(result)).toEqual([
      expect.stringContaining('change_request.__proto__: unknown key "__proto__"'),
      expect.stringContaining('change_request.constructor: unknown key "constructor"'),
    ]);
  });

  it("reads YAML 1.2 scalars: no, yes and on are strings", () => {
    const result = parseChangeRequest(fenced(`${NORMAL}  id: no\n  estimated_duration: on\n`));
    expect(result.status === "valid" && [result.request.id, result.request.estimated_duration]).toEqual(["no", "on"]);
    expect(problems(parseChangeRequest(fenced("change_request:\n  type: no\n  rollback_plan: y\n")))[0]).toMatch(/change_request\.type: expected one of "standard", "normal", "emergency", got "no"/);
  });

  it("handles a body of GitHub's maximum size (65,536 characters)", () => {
    const filler = "x".repeat(65_536 - NORMAL.length - 20);
    const body = `${filler}\n${fenced(NORMAL)}`.slice(0, 65_536);
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(parseChangeRequest(body).status).toBe("valid");
  });
});

describe("validation", () => {
  it("names field, line and what was expected, with a suggestion", () => {
    const result = parseChangeRequest(fenced("change_request:\n  type: normall\n  risk: { blast_radius: 5, timing: x }\n  services_affected: payments\n  implementation_plan: x\n  rollback_plan: y\n"));
    expect(problems(result)).toEqual([
      'PR description:3:9: change_request.type: expected one of "standard", "normal", "emergency", got "normall" (did you mean "normal"?)',
      'PR description:4:25: change_request.risk.blast_radius: expected at most 4, got number 5',
      'PR description:4:36: change_request.risk.timing: expected a number, got "x"',
      'PR description:5:22: change_request.services_affected: expected a list, got "payments"',
    ]);
  });

  it("requires per type: rollback_plan always, implementation_plan for normal and emergency, incident for emergency, standard_change for standard", () => {
    const missing = (fields: string) => {
      const result = parseChangeRequest(fenced(`change_request:\n${fields}`));
      return result.status === "invalid" ? result.problems.map((problem) => problem.path).sort() : [];
    };
    expect(missing("  type: normal\n")).toEqual(["change_request.implementation_plan", "change_request.rollback_plan"]);
    expect(missing("  type: emergency\n  rollback_plan: y\n")).toEqual(["change_request.implementation_plan", "change_request.incident"].sort());
    expect(missing("  type: standard\n  rollback_plan: y\n")).toEqual(["change_request.standard_change"]);
    expect(missing("  type: standard\n  rollback_plan: '  '\n  standard_change: s\n")).toEqual(["change_request.rollback_plan"]);
  });

  it("parses the spec's example block", () => {
    const result = parseChangeRequest(fenced(fixture("spec-change-request.yml")));
    expect(result.status).toBe("valid");
    expect(result.status === "valid" && result.request).toMatchObject({
      id: "CR-2026-0451",
      type: "normal",
      risk_level: "medium",
      services_affected: ["redis-cluster-primary", "session-cache"],
      risk: { blast_radius: 2, reversibility: 2, confidence: 3, timing: 1 },
    });
  });

  it("parses the infrastructure write-up's example as it stands, then fails naming standard_change", () => {
    const result = parseChangeRequest(fenced(fixture("writeup-change-request.yml")));
    expect(result.status === "invalid" && result.problems.map((problem) => problem.path)).toEqual(["change_request.standard_change"]);
  });

  it("accepts the write-up's grouped rollback_triggers", () => {
    const grouped = `${NORMAL}  rollback_triggers:\n    immediate: ["Error rate > 5%"]\n    time_bounded:\n      - condition: "Error rate above 1%"\n        duration: "15 minutes"\n`;
    expect(parseChangeRequest(fenced(grouped)).status).toBe("valid");
  });
});

describe("template", () => {
  it("is a valid block once its plans are filled in, pre-filled with what is known", () => {
    const template = changeRequestTemplate({ services: ["payments", "search"], dimensions: { blast_radius: 3, reversibility: 2, confidence: 3, timing: 1 } });
    const filled = template.replace("implementation_plan: |\n    1. ", "implementation_plan: |\n    1. roll out").replace("rollback_plan: |\n    1. ", "rollback_plan: |\n    1. roll back");
    const result = parseChangeRequest(filled);
    expect(result.status).toBe("valid");
    expect(result.status === "valid" && result.request).toMatchObject({ type: "normal", services_affected: ["payments", "search"], risk: { blast_radius: 3 } });
  });
});

describe("properties", () => {
  it("never throws, whatever the text", () => {
    const fragment = fc.oneof(
      fc.string(),
      fc.constantFrom("```yaml\n", "```change-request\n", "~~~yml\n", "```\n", "~~~\n", "<!--", "-->", "change_request:\n", "  type: normal\n", "  risk: {", "&a [*a]", "*a\n", "\r\n", "  - x\n", ": :\n", "__proto__: 1\n"),
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 30 }).map((parts) => parts.join("")), (body) => {
        const result = parseChangeRequest(body);
        expect(["absent", "invalid", "valid"]).toContain(result.status);
      }),
      { numRuns: 1500 },
    );
    fc.assert(fc.property(fc.string({ unit: "binary" }), (body) => void parseChangeRequest(body)), { numRuns: 500 });
  });
});
