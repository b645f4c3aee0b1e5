import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";

const root = join(import.meta.dirname, "..");
const examples = join(root, "examples");
const POLICY = readFileSync(join(examples, "changegate.yml"), "utf8");
const NORMAL_BODY = readFileSync(join(examples, "pr-normal.md"), "utf8");

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "changegate-cli-"));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe("changegate check", () => {
  const base = ["check", "--policy", "changegate.yml", "--files", "pr-normal.files", "--at", "2026-02-25T03:00:00Z"];

  it("prints the §6 JSON shape with the three checks in order", async () => {
    const run = await runCli([...base, "--body", "pr-normal.md", "--json"], { cwd: examples });
    const json = JSON.parse(run.stdout) as Record<string, unknown> & { risk: Record<string, unknown>; checks: Record<string, unknown>[] };
    expect(Object.keys(json)).toEqual(expect.arrayContaining(["change", "risk", "checks"]));
    expect(Object.keys(json.risk)).toEqual(expect.arrayContaining(["dimensions", "score", "tier"]));
    expect(Object.keys(json.risk["dimensions"] as object)).toEqual(["blast_radius", "reversibility", "confidence", "timing"]);
    expect((json.risk["dimensions"] as Record<string, { reasons: unknown[] }>)["timing"]!.reasons.length).toBeGreaterThan(0);
    expect(json.checks.map((check) => Object.keys(check))).toEqual(Array(3).fill(["name", "conclusion", "title", "summary"]));
  });

  it("--org-policy layers FILE under --policy as _extends does: locked keys keep the org's value, the repository's attempt warns at its line", async () => {
    const dir = tempDir();
    const zero = "approvals: { low: { count: 0 }, medium: { count: 0 }, high: { count: 0 }, critical: { count: 0 } }\n";
    writeFileSync(join(dir, "org.yml"), `version: 1\ntimezone: UTC\nlocked: [windows]\nwindows:\n  normal: never\n${zero}`);
    writeFileSync(join(dir, "repo.yml"), `_extends: .github\nversion: 1\nwindows:\n  normal: always\n`);
    writeFileSync(join(dir, "files.txt"), "src/a.ts\n");
    const args = ["check", "--policy", "repo.yml", "--files", "files.txt", "--body", join(examples, "pr-normal.md"), "--at", "2026-02-25T03:00:00Z", "--json"];
    const layered = await runCli([...args, "--org-policy", "org.yml"], { cwd: dir });
    expect(layered.exit).toBe(1);
    const json = JSON.parse(layered.stdout) as { checks: { name: string; conclusion: string }[]; policy_warnings: { file: string; line: number; path: string }[] };
    expect(json.checks.find((check) => check.name === "changegate/schedule")!.conclusion).toBe("failure");
    expect(json.policy_warnings).toEqual([expect.objectContaining({ file: "repo.yml", line: 3, path: "windows" })]);
    expect(layered.stderr).toMatch(/^warning: repo\.yml:3:1: windows: locked by org\.yml/m);
    // Alone, the repository's file decides (its _extends names nothing the CLI can read).
    const alone = await runCli([...args.slice(0, -1), "--json"], { cwd: dir });
    expect((JSON.parse(alone.stdout) as { checks: { name: string; conclusion: string }[] }).checks.find((check) => check.name === "changegate/schedule")!.conclusion).toBe("success");
  });

  it("reads the PR description from standard input with --body -", async () => {
    const run = await runCli([...base, "--body", "-", "--json"], { cwd: examples, stdin: NORMAL_BODY });
    expect((JSON.parse(run.stdout) as { change: { id: string } }).change.id).toBe("CR-2026-0451");
  });

  it("exits 1 when a check blocks (no reviews: approvals missing) and 0 when all pass", async () => {
    expect((await runCli([...base, "--body", "pr-normal.md"], { cwd: examples })).exit).toBe(1);
    const passing = await runCli([...base, "--body", "pr-normal.md", "--reviews", "pr-normal.reviews.json", "--head", "9f2c1e7"], { cwd: examples });
    expect(passing.exit).toBe(0);
    expect(passing.stdout).toContain("✔ changegate/approvals: success");
  });

  it("filters stale approvals only when --head is given", async () => {
    const stale = await runCli([...base, "--body", "pr-normal.md", "--reviews", "pr-normal.reviews.json", "--head", "0000000", "--json"], { cwd: examples });
    expect(stale.exit).toBe(1);
    const approvals = (JSON.parse(stale.stdout) as { approvals: { ignored: { reason: string }[] } }).approvals;
    expect(approvals.ignored.map((ignored) => ignored.reason)).toEqual(["stale", "stale", "stale"]);
  });

  it("takes permissions: reviewers without write access don't count", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "perms.json"), JSON.stringify({ alice: "read", bob: "write", dana: "triage" }));
    const run = await runCli([...base, "--body", join(examples, "pr-normal.md"), "--reviews", join(examples, "pr-normal.reviews.json"), "--permissions", join(dir, "perms.json"), "--json"], { cwd: examples });
    const approvals = (JSON.parse(run.stdout) as { approvals: { counted: { login: string }[] } }).approvals;
    expect(approvals.counted.map((approval) => approval.login)).toEqual(["bob"]);
  });

  describe("usage errors: exit 2, one line on stderr, nothing on stdout", () => {
    const cases: [string, string[], RegExp][] = [
      ["unknown flag", [...base, "--bdy", "x"], /Unknown option '--bdy'/],
      ["missing file", [...base, "--body", "nope.md"], /cannot read PR description nope\.md: no such file/],
      ["bad --at", [...base, "--at", "2026-02-25 03:00"], /--at expects an ISO 8601 instant with its offset/],
      ["instant without offset", ["check", "--policy", "changegate.yml", "--at", "2026-02-25T03:00:00"], /--at expects/],
      ["reviews not JSON", [...base, "--reviews", "pr-normal.md"], /pr-normal\.md is not valid JSON/],
      ["reviews wrong shape", [...base, "--reviews", "teams.json"], /teams\.json: .*expected a JSON array of GitHub review objects/],
      ["no policy outside a checkout", ["check", "--body", "pr-normal.md"], /no policy: pass --policy FILE/],
    ];
    for (const [name, args, message] of cases) {
      it(name, async () => {
        const dir = name === "no policy outside a checkout" ? tempDir() : examples;
        if (dir !== examples) writeFileSync(join(dir, "pr-normal.md"), NORMAL_BODY);
        const run = await runCli(args, { cwd: dir });
        expect(run.exit).toBe(2);
        expect(run.stdout).toBe("");
        expect(run.stderr).toMatch(message);
        expect(run.stderr.trim().split("\n")).toHaveLength(1);
        expect(run.stderr).not.toMatch(/\n\s+at /);
      });
    }

    it("invalid policy names the file, line and field", async () => {
      const dir = tempDir();
      writeFileSync(join(dir, "policy.yml"), "version: 1\ntimezone: Europe/Berln\n");
      const run = await runCli(["check", "--policy", "policy.yml"], { cwd: dir });
      expect(run.exit).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toBe('changegate check: invalid policy: policy.yml:2:11: timezone: unknown time zone "Europe/Berln" (did you mean "Europe/Berlin"?)\n');
    });
  });
});

describe("changegate check inside a git checkout", () => {
  function repository(): string {
    const dir = tempDir();
    const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
    git("init", "-q", "-b", "main");
    git("config", "user.email", "t@example.com");
    git("config", "user.name", "t");
    mkdirSync(join(dir, ".github"));
    writeFileSync(join(dir, ".github/changegate.yml"), POLICY);
    writeFileSync(join(dir, "README.md"), "x\n");
    git("add", ".");
    git("commit", "-qm", "base");
    git("checkout", "-qb", "feature");
    mkdirSync(join(dir, "db/migrations"), { recursive: true });
    writeFileSync(join(dir, "db/migrations/001.sql"), "create table t();\n");
    git("mv", "README.md", "README-old.md");
    git("add", ".");
    git("commit", "-qm", "change");
    return dir;
  }

  it("reads the policy from the base branch and the changed files (both names of a rename) from git", async () => {
    const dir = repository();
    const run = await runCli(["check", "--at", "2026-02-25T03:00:00Z", "--json"], { cwd: dir });
    expect(run.stderr).toBe("");
    const json = JSON.parse(run.stdout) as { risk: { dimensions: { blast_radius: { score: number; reasons: { rule?: string; paths?: string[] }[] } } } };
    expect(json.risk.dimensions.blast_radius.score).toBe(4);
    expect(json.risk.dimensions.blast_radius.reasons[0]).toMatchObject({ rule: "database migrations", paths: ["db/migrations/001.sql"] });
  });

  it("judges by the base branch's policy and validates the one the branch proposes", async () => {
    const dir = repository();
    writeFileSync(join(dir, ".github/changegate.yml"), "version: 1\nfreezes: []\ntimezone: Mars/Olympus\n");
    execFileSync("git", ["commit", "-qam", "lift everything"], { cwd: dir });
    const run = await runCli(["check", "--at", "2026-02-25T03:00:00Z", "--json", "--body", "-"], { cwd: dir, stdin: NORMAL_BODY });
    const json = JSON.parse(run.stdout) as { checks: { name: string; conclusion: string; title: string }[]; proposed_policy_problems: { path: string; line: number }[] };
    expect(json.proposed_policy_problems).toEqual([expect.objectContaining({ path: "timezone", line: 3 })]);
    expect(json.checks[0]).toMatchObject({ conclusion: "failure", title: expect.stringMatching(/This PR's changegate policy is invalid/) });
  });

  it("follows _extends in the policy the branch proposes, as the App does: layered over --org-policy's file", async () => {
    const dir = repository();
    // Invalid alone (no version); layered over the org's file, which has one, valid.
    writeFileSync(join(dir, "org.yml"), "version: 1\n");
    writeFileSync(join(dir, ".github/changegate.yml"), POLICY.replace(/^version: 1\n/m, "_extends: .github\n"));
    execFileSync("git", ["commit", "-qam", "extend the org's defaults"], { cwd: dir });
    const args = ["check", "--at", "2026-02-25T03:00:00Z", "--json", "--body", "-", "--repo", "acme/shop"];
    const layered = await runCli([...args, "--org-policy", "org.yml"], { cwd: dir, stdin: NORMAL_BODY });
    const json = JSON.parse(layered.stdout) as { checks: { name: string; conclusion: string; title: string }[]; proposed_policy_problems: { path: string; message: string }[] };
    expect(json.proposed_policy_problems).toEqual([]);
    expect(json.checks[0]!.title).not.toMatch(/policy is invalid/);
    // Without it the edit decides alone, and the command line says it could not layer it.
    const alone = await runCli(args, { cwd: dir, stdin: NORMAL_BODY });
    expect((JSON.parse(alone.stdout) as typeof json).proposed_policy_problems).toEqual([expect.objectContaining({ path: "version" })]);
    expect(alone.stderr).toMatch(/^warning: \.github\/changegate\.yml: _extends: "\.github" names a file the command line cannot read/m);
  });

  it("exits 2 when the base branch has no policy (not enrolled)", async () => {
    const dir = repository();
    execFileSync("git", ["rm", "-q", ".github/changegate.yml"], { cwd: dir });
    execFileSync("git", ["commit", "-qm", "x"], { cwd: dir });
    execFileSync("git", ["checkout", "-q", "main"], { cwd: dir });
    execFileSync("git", ["rm", "-q", ".github/changegate.yml"], { cwd: dir });
    execFileSync("git", ["commit", "-qm", "unenroll"], { cwd: dir });
    const run = await runCli(["check"], { cwd: dir });
    expect(run.exit).toBe(2);
    expect(run.stderr).toMatch(/not enrolled: main has no \.github\/changegate\.yml/);
  });
});

describe("changegate validate, schema, init", () => {
  it("validate: 0 for a valid policy, 1 with each problem on its own line", async () => {
    expect((await runCli(["validate", "changegate.yml"], { cwd: examples })).exit).toBe(0);
    const dir = tempDir();
    writeFileSync(join(dir, "bad.yml"), "version: 1\nwindow: {}\napprovals:\n  low: { count: -1 }\n");
    const run = await runCli(["validate", "bad.yml"], { cwd: dir });
    expect(run.exit).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      'bad.yml:2:1: window: unknown key "window" (did you mean "windows"?)',
      expect.stringMatching(/^bad\.yml:4:17: approvals\.low\.count: /),
    ]);
  });

  it("validate --body checks a PR description's change request", async () => {
    expect((await runCli(["validate", "--body", "pr-normal.md"], { cwd: examples })).exit).toBe(0);
    const invalid = await runCli(["validate", "--body", "pr-invalid.md"], { cwd: examples });
    expect(invalid.exit).toBe(1);
    expect(invalid.stderr).toMatch(/change_request\.standard_change: required for a standard change/);
  });

  it("schema prints JSON Schema generated from the zod schemas", async () => {
    const policy = JSON.parse((await runCli(["schema", "policy"], { cwd: examples })).stdout) as { properties: Record<string, { properties?: Record<string, unknown> }>; additionalProperties: boolean };
    expect(Object.keys(policy.properties)).toEqual(expect.arrayContaining(["version", "timezone", "windows", "freezes", "approvals", "_extends"]));
    expect(policy.additionalProperties).toBe(false);
    const request = JSON.parse((await runCli(["schema", "change-request"], { cwd: examples })).stdout) as { properties: { change_request: { properties: Record<string, unknown>; required: string[] } } };
    expect(request.properties.change_request.required).toEqual(["type"]);
    expect((await runCli(["schema", "rules"], { cwd: examples })).exit).toBe(2);
  });

  it("init writes a valid starter policy and a PR template, and never overwrites", async () => {
    const dir = tempDir();
    const first = await runCli(["init"], { cwd: dir });
    expect(first.stdout).toBe("wrote .github/changegate.yml\nwrote .github/pull_request_template.md\n");
    expect((await runCli(["validate"], { cwd: dir })).exit).toBe(0);
    // The template's block is an untouched template: it counts as absent, not invalid.
    const template = await runCli(["validate", "--body", ".github/pull_request_template.md"], { cwd: dir });
    expect(template.stdout).toBe("no change request block found\n");
    writeFileSync(join(dir, ".github/changegate.yml"), "version: 1 # mine\n");
    const second = await runCli(["init"], { cwd: dir });
    expect(second.stdout).toMatch(/kept \.github\/changegate\.yml/);
    expect(readFileSync(join(dir, ".github/changegate.yml"), "utf8")).toBe("version: 1 # mine\n");
  });
});

describe("the installed command", () => {
  it("runs through bin/changegate.js with the documented exit status", () => {
    const bin = join(root, "bin/changegate.js");
    expect(existsSync(join(root, "dist/cli/main.js")), "build first: npm test builds dist/ in its pretest step").toBe(true);
    const run = spawnSync(process.execPath, [bin, "check", "--policy", "changegate.yml", "--body", "pr-invalid.md", "--files", "pr-invalid.files", "--at", "2026-02-25T03:00:00Z"], { cwd: examples, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/✖ changegate\/risk: failure/);
    const usage = spawnSync(process.execPath, [bin, "check", "--nope"], { cwd: examples, encoding: "utf8" });
    expect(usage.status).toBe(2);
    expect(usage.stdout).toBe("");
  });
});
