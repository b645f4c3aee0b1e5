import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { runCli } from "./support/cli.js";

const root = join(import.meta.dirname, "..");
const examples = join(root, "examples");
const POLICY = readFileSync(join(examples, "changegate.yml"), "utf8");
const NORMAL_BODY = readFileSync(join(examples, "pr-normal.md"), "utf8");
const VERSION = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "changegate-cli-"));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const COMMANDS = ["check", "validate", "schema", "init", "changes", "metrics"];

describe("help, version and suggestions", () => {
  for (const command of COMMANDS) {
    it(`${command} --help prints its usage and exits 0`, async () => {
      const run = await runCli([command, "--help"], { cwd: examples });
      expect(run.exit).toBe(0);
      expect(run.stderr).toBe("");
      expect(run.stdout).toMatch(new RegExp(`^usage: changegate ${command}\\b`));
      // `help check` says the same.
      expect((await runCli(["help", command], { cwd: examples })).stdout).toBe(run.stdout);
    });
  }

  it("check --help lists every flag the command accepts, each with its help", async () => {
    const help = (await runCli(["check", "-h"], { cwd: examples })).stdout;
    for (const flag of ["--body FILE|-", "--labels a,b", "--at TIME", "--format text|markdown|json", "--base REF", "--json"]) expect(help).toContain(flag);
    // A flag the help shows is a flag the parser takes: --format from the help works.
    expect((await runCli(["check", "--policy", "changegate.yml", "--files", "pr-normal.files", "--body", "pr-normal.md", "--at", "2026-02-25T03:00:00Z", "--format", "json"], { cwd: examples })).exit).toBe(1);
  });

  it("audit --help lists its subcommands; audit verify --help its flags", async () => {
    const audit = await runCli(["audit", "--help"], { cwd: examples });
    expect(audit.exit).toBe(0);
    expect(audit.stdout).toMatch(/^usage: changegate audit <verify\|export>/);
    const verify = await runCli(["audit", "verify", "--help"], { cwd: examples });
    expect(verify.stdout).toMatch(/^usage: changegate audit verify \[flags\]/);
    expect(verify.stdout).toContain("--prs-limit N");
    expect(verify.stdout).toContain("(default 100)");
  });

  it("--version prints the package's version", async () => {
    const run = await runCli(["--version"], { cwd: examples });
    expect(run).toEqual({ exit: 0, stdout: `changegate ${VERSION}\n`, stderr: "" });
  });

  it("the overview lists every command", async () => {
    const run = await runCli(["--help"], { cwd: examples });
    for (const command of [...COMMANDS, "audit"]) expect(run.stdout).toMatch(new RegExp(`^  ${command}\\s`, "m"));
  });

  const typos: [string, string[], string][] = [
    ["a flag", ["check", "--lables", "x"], "unknown option --lables: did you mean --labels?"],
    ["a command", ["chek"], 'unknown command "chek": did you mean "check"?'],
    ["a command to help with", ["help", "metrcs"], 'unknown command "metrcs": did you mean "metrics"?'],
    ["a subcommand", ["audit", "verfy"], 'unknown subcommand "verfy": did you mean "verify"?'],
    ["a schema", ["schema", "polcy"], 'unknown schema "polcy": did you mean "policy"?'],
    ["a metrics flag", ["metrics", "--sinse", "2h"], "did you mean --since?"],
  ];
  for (const [what, args, message] of typos) {
    it(`a mistyped ${what} suggests the nearest`, async () => {
      const run = await runCli(args, { cwd: examples });
      expect(run.exit).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain(message);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
    });
  }

  it("nothing close: no suggestion, the help is pointed at", async () => {
    const run = await runCli(["check", "--zzzzzzzz"], { cwd: examples });
    expect(run.stderr).toBe("changegate check: unknown option --zzzzzzzz (see changegate check --help)\n");
  });
});

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd: dir, stdio: "pipe", encoding: "utf8" });
}

/** A repository whose `branch` holds the example policy, and a feature branch with two changed files. */
function repository(branch = "main"): string {
  const dir = tempDir();
  git(dir, "init", "-q", "-b", branch);
  git(dir, "config", "user.email", "t@example.com");
  git(dir, "config", "user.name", "t");
  mkdirSync(join(dir, ".github"));
  writeFileSync(join(dir, ".github/changegate.yml"), POLICY);
  writeFileSync(join(dir, "README.md"), "x\n");
  git(dir, "add", ".");
  git(dir, "commit", "-qm", "base");
  git(dir, "checkout", "-qb", "feature");
  mkdirSync(join(dir, "db/migrations"), { recursive: true });
  writeFileSync(join(dir, "db/migrations/001.sql"), "create table t();\n");
  writeFileSync(join(dir, "README.md"), "y\n");
  git(dir, "add", ".");
  git(dir, "commit", "-qm", "change");
  return dir;
}

const AT = ["--at", "2026-02-25T03:00:00Z"];

describe("check inside a git checkout says where its inputs came from", () => {
  it("names the policy's branch and the diff the files came from (text and JSON)", async () => {
    const dir = repository();
    const run = await runCli(["check", ...AT, "--format", "markdown"], { cwd: dir });
    expect(run.stdout.split("\n").slice(0, 2)).toEqual(["policy from main (.github/changegate.yml)", "2 files from git diff main...HEAD"]);
    const json = JSON.parse((await runCli(["check", ...AT, "--json"], { cwd: dir })).stdout) as { inputs: string[] };
    expect(json.inputs).toEqual(["policy from main (.github/changegate.yml)", "2 files from git diff main...HEAD"]);
  });

  it("finds the default branch from origin/HEAD (a clone whose default is trunk)", async () => {
    const upstream = repository("trunk");
    git(upstream, "checkout", "-q", "trunk");
    const clone = tempDir();
    execFileSync("git", ["clone", "-q", upstream, clone], { stdio: "pipe" });
    git(clone, "checkout", "-qb", "mine");
    writeFileSync(join(clone, "new.txt"), "n\n");
    git(clone, "add", ".");
    git(clone, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "mine");
    const run = await runCli(["check", ...AT, "--json"], { cwd: clone });
    expect(run.stderr).toBe("");
    expect((JSON.parse(run.stdout) as { inputs: string[] }).inputs).toEqual(["policy from origin/trunk (.github/changegate.yml)", "1 file from git diff origin/trunk...HEAD"]);
  });

  it("an invalid policy on the base branch is named by the branch, not the working copy's line", async () => {
    const dir = repository();
    git(dir, "checkout", "-q", "main");
    writeFileSync(join(dir, ".github/changegate.yml"), "version: 1\ntimezone: Europe/Berln\n");
    git(dir, "commit", "-qam", "typo");
    git(dir, "checkout", "-q", "feature");
    const run = await runCli(["check", ...AT], { cwd: dir });
    expect(run.exit).toBe(2);
    expect(run.stderr).toBe('changegate check: invalid policy: main:.github/changegate.yml:2:11: timezone: unknown time zone "Europe/Berln" (did you mean "Europe/Berlin"?)\n');
  });

  it("warns when run on the base branch itself (no changed files)", async () => {
    const dir = repository();
    git(dir, "checkout", "-q", "main");
    const run = await runCli(["check", ...AT, "--json"], { cwd: dir });
    expect(run.stderr).toBe("changegate check: warning: HEAD is already on main, so there are no changed files to evaluate (check out your branch, or pass --base or --files)\n");
    expect(JSON.parse(run.stdout)).toMatchObject({ inputs: ["policy from main (.github/changegate.yml)", "0 files from git diff main...HEAD"] });
    // On the feature branch: no warning.
    git(dir, "checkout", "-q", "feature");
    expect((await runCli(["check", ...AT, "--json"], { cwd: dir })).stderr).toBe("");
  });

  it("--base for a branch that does not exist says so", async () => {
    const dir = repository();
    const run = await runCli(["check", ...AT, "--base", "develop"], { cwd: dir });
    expect(run.exit).toBe(2);
    expect(run.stderr).toBe("changegate check: --base develop: no such branch or commit in this checkout (try origin/develop, or git fetch)\n");
  });
});

describe("check's output format", () => {
  const args = ["check", "--policy", "changegate.yml", "--files", "pr-normal.files", "--body", "pr-normal.md", "--reviews", "pr-normal.reviews.json", "--teams", "teams.json", "--at", "2026-02-23T14:00:00Z"];
  const MARKDOWN = /\*\*|<sub>|^\s*\|.*\|\s*$|\\_|`/m;

  it("--format text has no raw Markdown; markdown is the check runs' own text", async () => {
    const text = await runCli([...args, "--format", "text"], { cwd: examples });
    const markdown = await runCli([...args, "--format", "markdown"], { cwd: examples });
    expect(markdown.stdout).toMatch(MARKDOWN);
    expect(text.stdout).not.toMatch(MARKDOWN);
    expect(text.stdout).toMatch(/Dimension\s+Score\s+Set by/);
    expect(text.exit).toBe(markdown.exit);
  });

  it("a terminal gets text, a pipe gets markdown as before", async () => {
    const run = async (isTTY: boolean) => {
      let stdout = "";
      await main(args, { stdin: Readable.from([""]), stdout: { write: (chunk: string) => (stdout += chunk), isTTY }, stderr: { write: () => true }, cwd: examples, env: {} });
      return stdout;
    };
    expect(await run(true)).toBe((await runCli([...args, "--format", "text"], { cwd: examples })).stdout);
    expect(await run(false)).toBe((await runCli(args, { cwd: examples })).stdout);
    expect(await run(false)).toBe((await runCli([...args, "--format", "markdown"], { cwd: examples })).stdout);
  });

  it("--format json is --json; an unknown format is a usage error", async () => {
    expect((await runCli([...args, "--format", "json"], { cwd: examples })).stdout).toBe((await runCli([...args, "--json"], { cwd: examples })).stdout);
    expect((await runCli([...args, "--format", "html"], { cwd: examples })).stderr).toBe('changegate check: --format expects text, markdown or json; got "html"\n');
  });

  it("--json keys are snake_case at every depth", async () => {
    const run = await runCli([...args, "--json"], { cwd: examples });
    const keys: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === "object") {
        for (const [key, inner] of Object.entries(value)) {
          keys.push(key);
          walk(inner);
        }
      }
    };
    walk(JSON.parse(run.stdout));
    expect(keys).toEqual(expect.arrayContaining(["opens_at", "next_boundary", "in_effect", "changes_requested", "derived_services"]));
    expect(keys.filter((key) => /[A-Z]/.test(key))).toEqual([]);
  });

  it("what the user wrote in the block is kept as written", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "pr.md"), "```yaml\nchange_request:\n  type: normal\n  implementation_plan: x\n  rollback_plan: y\n  rollback_triggers:\n    fastPath: [\"errors\"]\n```\n");
    const run = await runCli(["check", "--policy", join(examples, "changegate.yml"), "--files", join(examples, "pr-normal.files"), "--body", "pr.md", "--json", ...AT], { cwd: dir });
    const json = JSON.parse(run.stdout) as { change: { request: { rollback_triggers: Record<string, string[]> } } };
    expect(json.change.request.rollback_triggers).toEqual({ fastPath: ["errors"] });
  });
});

describe("time flags accept the same forms", () => {
  const args = ["check", "--policy", "changegate.yml", "--files", "pr-normal.files", "--body", "pr-normal.md", "--json"];
  const env = { CHANGEGATE_NOW: "2026-02-25T05:00:00Z" };

  it("--at takes a duration back from now and a date, as --since does", async () => {
    const at = async (value: string) => (JSON.parse((await runCli([...args, "--at", value], { cwd: examples, env })).stdout) as { at: string }).at;
    expect(await at("2h")).toBe("2026-02-25T03:00:00.000Z");
    expect(await at("2026-02-24")).toBe("2026-02-24T00:00:00.000Z");
    expect(await at("2026-02-24T03:00:00+01:00")).toBe("2026-02-24T02:00:00.000Z");
  });
});

describe("validate with a policy and a PR description together", () => {
  it("catches a standard_change the policy's catalog lacks, at its line, with the nearest entry", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "pr.md"), "Scale up.\n\n```yaml\nchange_request:\n  type: standard\n  standard_change: scale-deployments\n  rollback_plan: revert\n```\n");
    const run = await runCli(["validate", join(examples, "changegate.yml"), "--body", "pr.md"], { cwd: dir });
    expect(run.exit).toBe(1);
    expect(run.stderr).toBe('PR description:6:3: change_request.standard_change: "scale-deployments" is not in the policy\'s standard_changes catalog (did you mean "scale-deployment"?)\n');
    // The block alone is valid: without the policy nothing can know the catalog.
    expect((await runCli(["validate", "--body", "pr.md"], { cwd: dir })).exit).toBe(0);
    const good = await runCli(["validate", join(examples, "changegate.yml"), "--body", join(examples, "pr-standard.md")], { cwd: dir });
    expect(good).toMatchObject({ exit: 0, stderr: "" });
    expect(good.stdout).toContain("valid standard change request (line 4) for this policy");
  });

  it("an invalid policy is reported before the block is read", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bad.yml"), "version: 1\nwindos: {}\n");
    const run = await runCli(["validate", "bad.yml", "--body", join(examples, "pr-normal.md")], { cwd: dir });
    expect(run.exit).toBe(1);
    expect(run.stderr).toContain('unknown key "windos" (did you mean "windows"?)');
  });

  it("a change_request: outside a fence gets a hint", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "pr.md"), "Intro.\n\nchange_request:\n  type: normal\n");
    const run = await runCli(["validate", "--body", "pr.md"], { cwd: dir });
    expect(run.exit).toBe(1);
    expect(run.stdout).toContain("line 3 has `change_request:` outside a fenced block");
    void NORMAL_BODY;
  });
});

describe("snakeCaseKeys", () => {
  it("converts field names at every depth, keeps names used as keys and what the user wrote", async () => {
    const { snakeCaseKeys } = await import("../src/cli/json.js");
    expect(
      snakeCaseKeys({
        changeFailureRate: 0.5,
        delivery: { environments: { "Prod-EU": { deploymentsPerWeek: 2, weeks: { "2026-01-05": { leadTimeHours: null } } } } },
        approvals: { assignment: { SRE: "Bob" } },
        change: { request: { rollback_triggers: { fastPath: ["x"] } } },
        list: [{ opensAt: 1 }],
      }),
    ).toEqual({
      change_failure_rate: 0.5,
      delivery: { environments: { "Prod-EU": { deployments_per_week: 2, weeks: { "2026-01-05": { lead_time_hours: null } } } } },
      approvals: { assignment: { SRE: "Bob" } },
      change: { request: { rollback_triggers: { fastPath: ["x"] } } },
      list: [{ opens_at: 1 }],
    });
  });
});
