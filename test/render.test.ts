import { describe, expect, it } from "vitest";
import { parseChangeRequest } from "../src/engine/change-request.js";
import { evaluate, type EvaluationInput } from "../src/engine/evaluate.js";
import { parsePolicy } from "../src/engine/policy.js";
import { charCount, cutChars, GITHUB_LIMITS } from "../src/report/bounded-text.js";
import { fitBytes, formatInstant, MAX_OUTPUT_BYTES, renderChecks, type RenderedCheck } from "../src/report/checks.js";
import { policyFrom } from "./support/policy.js";

const POLICY = `version: 1
timezone: "UTC"
services:
  payments: { paths: ["services/payments/**"] }
approvals:
  medium: { count: 2 }
  high: { count: 2, teams: ["sre"] }
windows:
  normal:
    - { days: [tue, wed, thu], from: "02:00", to: "06:00" }
freezes:
  - { name: "Q1 freeze", start: "2026-03-28T00:00:00Z", end: "2026-04-02T00:00:00Z", exceptions: { labels: ["security-critical"], approvers: ["vp-engineering"] } }
`;
const BODY = "```yaml\nchange_request:\n  type: normal\n  implementation_plan: x\n  rollback_plan: y\n```\n";
const bytes = (text: string) => new TextEncoder().encode(text).length;

function render(overrides: Partial<EvaluationInput> & { policyText?: string; paths?: string[] } = {}): RenderedCheck[] {
  const { policyText = POLICY, paths = ["src/a.ts"], ...rest } = overrides;
  const policy = policyFrom(policyText);
  return renderChecks(
    evaluate({
      policy,
      pullRequest: { owner: "acme", repo: "shop", number: 7, title: "Change", author: "carol", body: BODY, labels: [], headSha: "h", lastPusher: null },
      files: { files: paths.map((path) => ({ path })), complete: true },
      reviews: [],
      teams: {},
      permissions: null,
      at: Date.parse("2026-02-23T14:00:00Z"), // Monday: outside the window
      ...rest,
    }),
    { timezone: policy.timezone },
  );
}

describe("check titles say what is missing, from whom, and when it opens", () => {
  it("blocked schedule and approvals", () => {
    const [risk, schedule, approvals] = render();
    expect(risk).toMatchObject({ name: "changegate/risk", conclusion: "success", title: "Risk 9/16: medium" });
    expect(schedule).toMatchObject({ name: "changegate/schedule", conclusion: "failure", title: "Outside the normal change window · opens Tue 24 Feb 2026, 02:00 UTC" });
    expect(approvals).toMatchObject({ name: "changegate/approvals", conclusion: "failure", title: "Needs 2 more approvals for medium risk" });
  });

  it("a freeze names itself, its end and its exception", () => {
    const [, schedule] = render({ at: Date.parse("2026-03-31T03:00:00Z") });
    expect(schedule!.title).toBe("Freeze “Q1 freeze” until Thu 2 Apr 2026, 00:00 UTC · opens Thu 2 Apr 2026, 02:00 UTC");
    expect(schedule!.summary).toContain("Exception: a PR with one of the labels `security-critical` and an approval from `vp-engineering` passes.");
  });

  it("a team still missing is named", () => {
    const [, , approvals] = render({ policyText: POLICY.replace("medium: { count: 2 }", "medium: { count: 2, teams: [sre] }") });
    expect(approvals!.title).toBe("Needs 2 more approvals for medium risk (1 from sre)");
  });
});

describe("an invalid change request", () => {
  it("its title keeps the first problem's suggestion, as its summary does", () => {
    const [risk] = render({ pullRequest: { owner: "acme", repo: "shop", number: 7, title: "Change", author: "carol", body: BODY.replace("  type: normal", "  type: normal\n  rollbak_plan: z"), labels: [], headSha: "h", lastPusher: null } });
    expect(risk!.title).toBe('Invalid change request: change_request.rollbak_plan: unknown key "rollbak_plan" (did you mean "rollback_plan"?) (line 4)');
  });
});

describe("instants", () => {
  it("show the policy zone's wall clock and its offset at that instant", () => {
    const at = Date.UTC(2026, 0, 15, 12, 0);
    expect(formatInstant(at, "UTC")).toBe("Thu 15 Jan 2026, 12:00 UTC");
    expect(formatInstant(at, "Europe/London")).toBe("Thu 15 Jan 2026, 12:00 UTC");
    expect(formatInstant(at, "Europe/Berlin")).toBe("Thu 15 Jan 2026, 13:00 UTC+1");
    expect(formatInstant(Date.UTC(2026, 6, 15, 12, 0), "Europe/Berlin")).toBe("Wed 15 Jul 2026, 14:00 UTC+2");
    expect(formatInstant(at, "America/New_York")).toBe("Thu 15 Jan 2026, 07:00 UTC-5");
    expect(formatInstant(at, "Asia/Kolkata")).toBe("Thu 15 Jan 2026, 17:30 UTC+5:30");
    expect(formatInstant(at, "America/St_Johns")).toBe("Thu 15 Jan 2026, 08:30 UTC-3:30");
    expect(formatInstant(Date.UTC(2026, 0, 15, 23, 30), "Pacific/Kiritimati")).toBe("Fri 16 Jan 2026, 13:30 UTC+14");
  });
});

describe("a PR without a change request", () => {
  it("gets a ready-to-paste block pre-filled with derived services and scores, that parses once filled", () => {
    const [risk, schedule, approvals] = render({ pullRequest: { owner: "acme", repo: "shop", number: 7, title: "x", author: "carol", body: "Just a fix.", labels: [], headSha: null, lastPusher: null }, paths: ["services/payments/api.ts"] });
    expect(risk).toMatchObject({ conclusion: "failure", title: "No change request in the PR description" });
    expect(schedule!.title).toBe("Waiting for a valid change request");
    expect(approvals!.title).toBe("Waiting for a valid change request");
    const block = /```yaml\n[\s\S]*?```/.exec(risk!.summary)![0];
    expect(block).toContain('services_affected: ["payments"]');
    const filled = block.replace(/implementation_plan: \|\n {4}1\. /, "implementation_plan: |\n    1. roll out").replace(/rollback_plan: \|\n {4}1\. /, "rollback_plan: |\n    1. roll back");
    const parsed = parseChangeRequest(filled);
    expect(parsed.status === "valid" && parsed.request.services_affected).toEqual(["payments"]);
  });
});

describe("enforcement: report", () => {
  it("turns every conclusion neutral and says what it would decide", () => {
    const checks = render({ policyText: `${POLICY}enforcement: report\n` });
    expect(checks.map((check) => check.conclusion)).toEqual(["neutral", "neutral", "neutral"]);
    expect(checks.map((check) => check.enforcedConclusion)).toEqual(["success", "failure", "failure"]);
    expect(checks[0]!.title).toBe("Report only (would pass): Risk 9/16: medium");
    expect(checks[1]!.title).toMatch(/^Report only \(would block\): Outside the normal change window/);
  });
});

describe("an invalid policy", () => {
  it("fails all three checks closed, with annotations at the policy's lines (on one check)", () => {
    const result = parsePolicy({ file: ".github/changegate.yml", text: "version: 1\ntimezone: Mars/Base\nwindow: {}\n" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const checks = renderChecks({ kind: "policy-invalid", problems: result.problems }, { timezone: "UTC" });
    expect(checks.map((check) => check.conclusion)).toEqual(["failure", "failure", "failure"]);
    // The title keeps the first problem and its suggestion: the fix is readable from the checks list.
    expect(checks[0]!.title).toBe('Invalid changegate policy: 1 problem · window: unknown key "window" (did you mean "windows"?) (line 3)');
    expect(checks[0]!.annotations).toEqual([
      expect.objectContaining({ path: ".github/changegate.yml", start_line: 3, end_line: 3, annotation_level: "failure", message: expect.stringContaining('unknown key "window"') }),
    ]);
    expect(checks[1]!.annotations).toEqual([]);
  });

  it("an unavailable evaluation fails closed and says it will retry", () => {
    const checks = renderChecks({ kind: "unavailable", reason: "GitHub answered 502 Bad Gateway" }, { timezone: "UTC" });
    expect(checks.map((check) => [check.conclusion, check.title])).toEqual(Array(3).fill(["failure", "Could not evaluate: GitHub answered 502 Bad Gateway"]));
    expect(checks[0]!.summary).toMatch(/retries/);
  });
});

describe("GitHub's output limits", () => {
  it("keeps summaries within 65,535 bytes with huge multibyte content", () => {
    const wide = "ü".repeat(40) + "🚀";
    const paths = Array.from({ length: 3000 }, (_, i) => `services/payments/${wide}/${i}.ts`);
    const policy = `${POLICY}risk:\n  rules:\n${Array.from({ length: 300 }, (_, i) => `    - { name: "rule ${i} ${wide}", paths: ["services/**"], set: { blast_radius: 3 } }`).join("\n")}\n`;
    const checks = render({ policyText: policy, paths, pullRequest: { owner: "a", repo: "b", number: 1, title: wide.repeat(100), author: "c", body: BODY, labels: [], headSha: null, lastPusher: null } });
    for (const check of checks) {
      expect(bytes(check.summary)).toBeLessThanOrEqual(MAX_OUTPUT_BYTES);
      expect(check.title.length).toBeLessThanOrEqual(200);
    }
    const many = Array.from({ length: 5000 }, (_, i) => ({ source: "policy" as const, file: "p.yml", path: `x${i}`, line: i + 1, column: 1, message: `problem ${wide}` }));
    const invalid = renderChecks({ kind: "policy-invalid", problems: many }, { timezone: "UTC" });
    expect(bytes(invalid[0]!.summary)).toBeLessThanOrEqual(MAX_OUTPUT_BYTES);
    expect(invalid[0]!.summary).toMatch(/truncated to fit GitHub's 65,535-byte limit/);
  });

  it("an annotation's title stays within GitHub's 255 characters however long the policy path, cut whole with an ellipsis", () => {
    const key = "🚀".repeat(300);
    const result = parsePolicy({ file: ".github/changegate.yml", text: `version: 1\nservices:\n  "${key}": { paths: ["a/**"], typo: 1 }\n` });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const [risk] = renderChecks({ kind: "policy-invalid", problems: result.problems }, { timezone: "UTC" });
    const title = risk!.annotations[0]!.title;
    expect(charCount(title)).toBeLessThanOrEqual(GITHUB_LIMITS.annotationTitle);
    expect(title.endsWith("…")).toBe(true);
    expect(title).not.toContain("\uFFFD");
    expect(title.startsWith(`services.${"🚀".repeat(10)}`)).toBe(true);
    // The message names the key too: within GitHub's 64 KB for any key.
    const huge = parsePolicy({ file: ".github/changegate.yml", text: `version: 1\n? ${"ü".repeat(40_000)}\n: 1\n` });
    if (huge.ok) throw new Error("expected an invalid policy");
    const [hugeRisk] = renderChecks({ kind: "policy-invalid", problems: huge.problems }, { timezone: "UTC" });
    expect(bytes(hugeRisk!.annotations[0]!.message)).toBeLessThanOrEqual(64 * 1024);
    expect(charCount(hugeRisk!.annotations[0]!.title)).toBeLessThanOrEqual(GITHUB_LIMITS.annotationTitle);
  });

  it("cutChars keeps grapheme clusters whole and never exceeds the limit", () => {
    expect(cutChars("short", 10)).toBe("short");
    expect(cutChars("abcdefghij", 5)).toBe("abcd…");
    // A family emoji is one grapheme of 7 code points: it goes whole or not at all.
    const family = "👨‍👩‍👧‍👦";
    expect(cutChars(`ab${family}cd`, 8)).toBe("ab…");
    expect(cutChars(`ab${family}cd`, 10)).toBe(`ab${family}…`);
    for (let max = 1; max < 30; max++) expect(charCount(cutChars(`x${family.repeat(3)}é́yz`, max))).toBeLessThanOrEqual(max);
  });

  it("fitBytes cuts at a line end, or inside one enormous line at a code point, never splitting a character", () => {
    expect(fitBytes("short", 100)).toBe("short");
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i} ✓`).join("\n");
    const cut = fitBytes(lines, 300);
    expect(bytes(cut)).toBeLessThanOrEqual(300);
    expect(cut.split("\n")[0]).toBe("line 0 ✓");
    const single = fitBytes("🚀".repeat(100), 120);
    expect(bytes(single)).toBeLessThanOrEqual(120);
    expect(single).not.toContain("\uFFFD");
    expect(single.startsWith("🚀")).toBe(true);
  });
});
