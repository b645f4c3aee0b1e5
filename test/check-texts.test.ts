import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluate, type EvaluationInput } from "../src/engine/evaluate.js";
import { renderChecks, type RenderedCheck } from "../src/report/checks.js";
import { markdownToText } from "../src/report/plain-text.js";
import { policyFrom } from "./support/policy.js";

const POLICY = `version: 1
timezone: "UTC"
approvals:
  medium: { count: 2 }
windows:
  normal:
    - { days: [tue, wed, thu], from: "02:00", to: "06:00" }
    - { days: [sat], from: "22:00", to: "01:00" }
blackouts:
  - { name: "Spring sale", start: "2026-03-29T00:00:00Z", end: "2026-03-31T00:00:00Z" }
freezes:
  - name: "Q1 freeze"
    start: "2026-03-28T00:00:00Z"
    end: "2026-04-02T00:00:00Z"
    exceptions: { labels: ["security-critical", "incident-fix"], approvers: ["vp-engineering"] }
`;
const BODY = "```yaml\nchange_request:\n  type: normal\n  title: Tune the cache\n  implementation_plan: x\n  rollback_plan: y\n```\n";

function render(overrides: Partial<EvaluationInput> & { policyText?: string } = {}): RenderedCheck[] {
  const { policyText = POLICY, ...rest } = overrides;
  return renderChecks(
    evaluate({
      policy: policyFrom(policyText),
      pullRequest: { owner: "acme", repo: "shop", number: 7, title: "Change", author: "carol", body: BODY, labels: [], headSha: "h", lastPusher: null },
      files: { files: [{ path: "src/a.ts" }], complete: true },
      reviews: [],
      teams: {},
      permissions: null,
      at: Date.parse("2026-03-30T14:00:00Z"), // Monday, outside the window, inside the blackout and the freeze
      ...rest,
    }),
    { timezone: "UTC" },
  );
}

describe("the schedule check when several blocks apply", () => {
  it("its title names the block that opens last; the summary lists every block with its end and the window's slots", () => {
    const [, schedule] = render();
    expect(schedule!.title).toBe("Freeze “Q1 freeze” until Thu 2 Apr 2026, 00:00 UTC · opens Thu 2 Apr 2026, 02:00 UTC");
    const lines = schedule!.summary.split("\n");
    expect(lines).toContain("3 blocks apply:");
    expect(lines).toContain("- Outside the normal change window (its slots: Tue, Wed, Thu 02:00–06:00; Sat 22:00–01:00, UTC)");
    expect(lines).toContain("- Blackout “Spring sale” until Tue 31 Mar 2026, 00:00 UTC");
    expect(lines.some((line) => line.startsWith("- Freeze “Q1 freeze” until Thu 2 Apr 2026, 00:00 UTC."))).toBe(true);
  });

  it("with one block, that block is the title", () => {
    const [, schedule] = render({ at: Date.parse("2026-03-23T14:00:00Z") });
    expect(schedule!.title).toBe("Outside the normal change window · opens Tue 24 Mar 2026, 02:00 UTC");
    expect(schedule!.summary).not.toContain("blocks apply");
  });

  it("a freeze's exception reads as one label of several and a team's approval", () => {
    const [, schedule] = render();
    expect(schedule!.summary).toContain("Exception: a PR with a label (`security-critical` or `incident-fix`) and an approval from a member of `vp-engineering` passes.");
  });
});

describe("the risk check without a change request", () => {
  const noBlock = (body: string) => render({ pullRequest: { owner: "acme", repo: "shop", number: 7, title: "Change", author: "carol", body, labels: [], headSha: "h", lastPusher: null } })[0]!;

  it("the ready-to-paste block sits in an outer fence, so GitHub's rendered view (and its copy button) keeps its ```yaml fence", () => {
    const summary = noBlock("Just a change.").summary;
    const outer = summary.indexOf("````markdown\n```yaml\nchange_request:");
    expect(outer).toBeGreaterThan(-1);
    expect(summary.indexOf("```\n````", outer)).toBeGreaterThan(outer);
    expect(summary).not.toContain("outside a fenced block");
  });

  it("a change_request: written without a fence gets a hint naming its line", () => {
    const summary = noBlock("Intro.\n\nchange_request:\n  type: normal\n").summary;
    expect(summary).toContain("Line 3 of the description holds `change_request:` outside a fenced block");
  });
});

describe("no title repeats in bold as the summary's first line", () => {
  const cases: [string, Partial<EvaluationInput> & { body?: string }][] = [
    ["approvals missing", {}],
    ["changes requested", { reviews: [{ id: 1, login: "dave", isBot: false, state: "CHANGES_REQUESTED", commitId: "h", submittedAt: null }] }],
    ["not a standard change", { body: "```yaml\nchange_request:\n  type: standard\n  standard_change: nope\n  rollback_plan: y\n```\n" }],
  ];
  for (const [name, { body, ...overrides }] of cases) {
    it(name, () => {
      const pullRequest = { owner: "acme", repo: "shop", number: 7, title: "Change", author: "carol", body: body ?? BODY, labels: [], headSha: "h", lastPusher: null };
      for (const check of render({ ...overrides, pullRequest })) {
        const first = markdownToText(check.summary.split("\n")[0]!).replace(/[.:]$/, "");
        expect(first.toLowerCase()).not.toContain(check.title.replace(/ ·.*$/, "").toLowerCase());
      }
    });
  }
});

describe("markdownToText", () => {
  it("turns tables into aligned columns, drops emphasis, code ticks, <sub> and escapes, keeps fenced content", () => {
    const text = markdownToText("**Bold** and `code` and a\\_b <sub>(small)</sub>\n\n| A | Bee |\n|---|---|\n| long cell | x |\n| y | z\\|w |\n\n````markdown\n```yaml\nk: v\n```\n````");
    expect(text.split("\n")).toEqual(["Bold and code and a_b (small)", "", "A          Bee", "long cell  x", "y          z|w", "", "  ```yaml", "  k: v", "  ```"]);
  });
});

describe("every rendering, as a property", () => {
  const reviewers = ["dave", "erin", "victor", "carol"];
  it("no title repeats in bold as its summary's first line, and the text form holds no Markdown", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2026, 2, 20), max: Date.UTC(2026, 3, 5) }),
        fc.subarray(["security-critical", "incident-fix", "other"]),
        fc.subarray(reviewers),
        fc.constantFrom("normal", "emergency", "standard"),
        (at, labels, approving, type) => {
          const body = `\`\`\`yaml\nchange_request:\n  type: ${type}\n  implementation_plan: x\n  rollback_plan: y\n  incident: INC-1\n  standard_change: nope\n\`\`\`\n`;
          const checks = render({
            at,
            pullRequest: { owner: "acme", repo: "shop", number: 7, title: "Change", author: "carol", body, labels, headSha: "h", lastPusher: null },
            reviews: approving.map((login, id) => ({ id, login, isBot: false, state: "APPROVED" as const, commitId: "h", submittedAt: null })),
            teams: { "vp-engineering": ["victor"] },
          });
          for (const check of checks) {
            expect(check.summary.split("\n")[0]!.replace(/\*\*/g, "").replace(/[.:]$/, "")).not.toBe(check.title);
            const text = markdownToText(check.summary);
            expect(text).not.toMatch(/\*\*|<\/?sub>|^\s*\|.*\|\s*$|\\[_*`|<>]/m);
            // Outside the ready-to-paste block (kept verbatim, fences and all), no backticks.
            expect(text.split("\n").filter((line) => !line.startsWith("  ")).join("\n")).not.toContain("`");
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
