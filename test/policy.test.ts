import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extendsTarget, parsePolicy, type PolicyResult } from "../src/engine/policy.js";
import { formatProblem } from "../src/engine/problems.js";

const SPEC_POLICY = readFileSync(join(import.meta.dirname, "fixtures", "spec-policy.yml"), "utf8");
const FILE = ".github/changegate.yml";

function problemsOf(result: PolicyResult): string[] {
  return result.ok ? [] : result.problems.map(formatProblem);
}
const parse = (text: string) => parsePolicy({ file: FILE, text });

describe("the spec's example policy", () => {
  it("parses, with dated entries resolved to instants in the policy zone", () => {
    const result = parse(SPEC_POLICY);
    expect(problemsOf(result)).toEqual([]);
    if (!result.ok) return;
    const { policy } = result;
    expect(policy.approvals.critical).toEqual({ count: 3, teams: ["sre", "directors"] });
    expect(policy.freezes[0]!.interval).toMatchObject({
      start: Date.parse("2026-03-28T00:00:00Z"),
      end: Date.parse("2026-04-02T00:00:00Z"),
      environments: ["production"],
      services: null, // empty list = all
      exceptions: { labels: ["security-critical", "incident-fix"], approvers: ["vp-engineering"] },
    });
    expect(policy.blackouts[0]!.interval).toMatchObject({ start: Date.parse("2026-12-24T00:00:00Z"), end: Date.parse("2026-12-27T00:00:00Z") });
  });

  it("fills defaults for everything optional", () => {
    const result = parse("version: 1\n");
    expect(result.ok && result.policy).toMatchObject({
      timezone: "UTC",
      enforcement: "enforce",
      change_request: { required: true, environments: ["production"] },
      risk: { defaults: { blast_radius: 2, reversibility: 2, confidence: 3, timing: 2 }, tiers: { low: [4, 6], critical: [14, 16] }, rules: [] },
      approvals: { low: { count: 1 }, medium: { count: 2 }, stale_on_push: true },
      windows: { standard: "always", normal: "always", emergency: "always" },
      audit: { repository: "", branch: "changegate/audit" },
    });
  });

  it("resolves dates without an offset in the policy's zone, across DST", () => {
    const result = parse('version: 1\ntimezone: "Europe/Berlin"\nblackouts:\n  - { name: x, start: "2026-03-29T02:30", end: "2026-07-01T12:00" }\n');
    expect(result.ok && result.policy.blackouts[0]!.interval).toMatchObject({
      start: Date.parse("2026-03-29T01:30:00Z"), // 02:30 does not exist that night: moved to 03:30 CEST
      end: Date.parse("2026-07-01T10:00:00Z"),
    });
  });
});

describe("errors carry file, field, line and column", () => {
  const cases: [string, string, string][] = [
    ["bad YAML", "version: 1\nwindows: [\n", `${FILE}:3:1: `],
    ["duplicate key", "version: 1\nversion: 1\n", `${FILE}:2:1: duplicate key`],
    ["wrong type", "version: 1\napprovals:\n  low: { count: many }\n", `${FILE}:3:17: approvals.low.count: expected a number, got "many"`],
    ["unknown key", "version: 1\nfreezes:\n  - { name: a, start: '2026-01-01', end: '2026-01-02', excpetions: {} }\n", `${FILE}:3:56: freezes[0].excpetions: unknown key "excpetions" (did you mean "exceptions"?)`],
    ["unknown zone", 'version: 1\ntimezone: "America/New_Yrok"\n', `${FILE}:2:11: timezone: unknown time zone "America/New_Yrok" (did you mean "America/New_York"?)`],
    ["to == from", 'version: 1\nwindows:\n  normal:\n    - { days: [mon], from: "02:00", to: "02:00" }\n', `${FILE}:4:41: windows.normal[0].to: \`to\` equals \`from\``],
    ["bad clock", 'version: 1\nwindows:\n  normal:\n    - { days: [mon], from: "2am", to: "04:00" }\n', `${FILE}:4:28: windows.normal[0].from: expected a time "HH:MM"`],
    ["bad weekday", 'version: 1\nwindows:\n  normal:\n    - { days: [monday], from: "01:00", to: "04:00" }\n', `${FILE}:4:16: windows.normal[0].days[0]: expected one of "sun"`],
    ["end <= start", "version: 1\nfreezes:\n  - name: q\n    start: '2026-04-02T00:00:00Z'\n    end: '2026-03-28T00:00:00Z'\n", `${FILE}:5:10: freezes[0].end: end (2026-03-28T00:00:00Z) must be after start (2026-04-02T00:00:00Z)`],
    ["tier gap", "version: 1\nrisk:\n  tiers: { low: [4, 6], medium: [8, 10] }\n", `${FILE}:3:33: risk.tiers.medium: tier ranges must cover 4..16 in order without gaps or overlaps: "medium" should start at 7`],
    ["version", "version: 2\n", `${FILE}:1:10: version: expected 1, got number 2`],
    ["not a mapping", "- version: 1\n", `${FILE}:1:1: the policy must be a YAML mapping`],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => {
      const problems = problemsOf(parse(text));
      expect(problems.length, problems.join("\n")).toBeGreaterThan(0);
      expect(problems[0]).toContain(expected);
    });
  }

  it("reports every schema problem at once, in line order", () => {
    const problems = problemsOf(parse("version: 1\nwindow: {}\nenforcement: enforse\napprovals:\n  stale_on_pus: true\n"));
    expect(problems.map((problem) => problem.split(": ")[0])).toEqual([`${FILE}:2:1`, `${FILE}:3:14`, `${FILE}:5:3`]);
  });
});

describe("org defaults (layers)", () => {
  const ORG = { file: "acme/.github:.github/changegate.yml", text: `version: 1
timezone: "Europe/Berlin"
approvals:
  high: { count: 3, teams: ["sre"] }
risk:
  rules:
    - { name: "org rule", paths: ["infra/**"], set: { blast_radius: 3 } }
freezes:
  - { name: "Org freeze", start: "2026-12-20T00:00", end: "2027-01-02T00:00" }
change_request:
  environments: ["production", "staging"]
` };

  it("merge key by key, concatenate freezes, blackouts and rules (org first), replace other lists", () => {
    const repo = { file: FILE, text: `_extends: .github
version: 1
approvals:
  high: { count: 2 }
risk:
  rules:
    - { name: "repo rule", paths: ["db/**"], set: { reversibility: 4 } }
freezes:
  - { name: "Repo freeze", start: "2026-06-01T00:00", end: "2026-06-02T00:00" }
change_request:
  environments: ["production"]
` };
    const result = parsePolicy([ORG, repo]);
    expect(problemsOf(result)).toEqual([]);
    if (!result.ok) return;
    expect(result.policy.timezone).toBe("Europe/Berlin");
    expect(result.policy.approvals.high).toEqual({ count: 2, teams: ["sre"] });
    expect(result.policy.risk.rules.map((rule) => rule.name)).toEqual(["org rule", "repo rule"]);
    expect(result.policy.freezes.map((freeze) => freeze.name)).toEqual(["Org freeze", "Repo freeze"]);
    expect(result.policy.change_request.environments).toEqual(["production"]);
    // The org zone applies to the repository's dates too.
    expect(result.policy.freezes[1]!.interval?.start).toBe(Date.parse("2026-05-31T22:00:00Z"));
  });

  it("organisation locks (§9): a locked key keeps the org's value, the repository's attempt is a warning at its line, the policy stays valid", () => {
    const org = { file: "acme/.github:.github/changegate.yml", text: `version: 1
timezone: "Europe/Berlin"
locked: [enforcement, windows, freezes]
windows:
  normal:
    - { days: [tue, wed, thu], from: "02:00", to: "06:00" }
freezes:
  - { name: "Org freeze", start: "2026-12-20T00:00", end: "2027-01-02T00:00" }
` };
    const repo = { file: FILE, text: `_extends: .github
version: 1
enforcement: report
windows:
  normal: always
freezes: []
approvals:
  medium: { count: 1 }
` };
    const result = parsePolicy([org, repo]);
    expect(problemsOf(result)).toEqual([]);
    if (!result.ok) return;
    expect(result.policy.enforcement).toBe("enforce");
    expect(result.policy.windows.normal).toEqual([{ days: ["tue", "wed", "thu"], from: "02:00", to: "06:00" }]);
    expect(result.policy.freezes.map((freeze) => freeze.name)).toEqual(["Org freeze"]);
    // Unlocked keys merge as ever.
    expect(result.policy.approvals.medium.count).toBe(1);
    expect(result.policy.lockWarnings.map(formatProblem)).toEqual([
      '.github/changegate.yml:3:1: enforcement: locked by acme/.github:.github/changegate.yml: this value is not used, the organisation\'s is (remove "enforcement" here, or change it in acme/.github:.github/changegate.yml)',
      expect.stringMatching(/^\.github\/changegate\.yml:4:1: windows: locked by /),
      expect.stringMatching(/^\.github\/changegate\.yml:6:1: freezes: locked by /),
    ]);
  });

  it("a locked key the repository writes as the org does is no warning; without locks nothing is reported; an unknown locked key is an error with a suggestion", () => {
    const org = { file: "org.yml", text: "version: 1\nlocked: [enforcement]\nenforcement: enforce\n" };
    const same = parsePolicy([org, { file: FILE, text: "version: 1\nenforcement: enforce\n" }]);
    expect(same.ok && same.policy.lockWarnings).toEqual([]);
    const unlocked = parsePolicy([{ file: "org.yml", text: "version: 1\n" }, { file: FILE, text: "version: 1\nenforcement: report\n" }]);
    expect(unlocked.ok && [unlocked.policy.enforcement, unlocked.policy.lockWarnings]).toEqual(["report", []]);
    const typo = parsePolicy([{ file: "org.yml", text: "version: 1\nlocked: [enforcment]\n" }, { file: FILE, text: "version: 1\n" }]);
    expect(problemsOf(typo)).toEqual(['org.yml:2:10: locked[0]: "enforcment" is not a top-level key of the policy (did you mean "enforcement"?)']);
  });

  it("attribute a problem in a concatenated entry to the file and line it came from", () => {
    const badOrg = { ...ORG, text: ORG.text.replace('name: "Org freeze", start', 'name: "Org freeze", stat') };
    const repo = { file: FILE, text: "version: 1\nfreezes:\n  - { name: ok, start: '2026-01-01', end: '2026-01-02', oops: 1 }\n" };
    const problems = problemsOf(parsePolicy([badOrg, repo]));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^acme\/\.github:\.github\/changegate\.yml:9:27: freezes\[0\]\.stat: unknown key "stat" \(did you mean "start"\?\)/),
        expect.stringMatching(/^\.github\/changegate\.yml:3:57: freezes\[1\]\.oops: unknown key "oops"/),
      ]),
    );
  });

  it("read _extends without letting the schema see it", () => {
    expect(extendsTarget("_extends: .github\nversion: 1\n")).toBe(".github");
    expect(extendsTarget("_extends: acme/policies:base.yml\n")).toBe("acme/policies:base.yml");
    expect(extendsTarget("version: 1\n")).toBeNull();
    expect(extendsTarget("version: [\n")).toBeNull();
    expect(parse("_extends: .github\nversion: 1\n").ok).toBe(true);
  });
});
