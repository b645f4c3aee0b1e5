import { Octokit } from "@octokit/core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { changesToDeploy, TooManyCommitsError } from "../../src/github/changes-to-deploy.js";
import { publishChecks } from "../../src/github/check-runs.js";
import { loadPolicy } from "../../src/github/policy-source.js";
import { restReader } from "../../src/github/rest-reader.js";
import { gatherAndEvaluate } from "../../src/pipeline/gather.js";
import type { PullRequestFields } from "../../src/pipeline/reader.js";
import type { Policy } from "../../src/engine/policy.js";
import type { RenderedCheck } from "../../src/report/checks.js";
import { startSeededGitHub, type PullSeed, type SeededGitHub } from "../fake-github/seed.js";

const REPO = "acme/shop";
let fake: SeededGitHub;
let octokit: Octokit;

beforeAll(async () => {
  fake = await startSeededGitHub();
  octokit = new Octokit({ auth: "test-token", baseUrl: fake.url });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());
afterEach(() => expect(fake.invalidRequests).toEqual([]));

const sha = (digit: string) => digit.repeat(40);
const merged = (number: number, mergeCommit: string, extra: Partial<PullSeed> = {}): PullSeed => ({
  number,
  title: `PR ${number}`,
  body: "",
  user: "carol",
  state: "closed",
  head: { sha: sha("f") },
  merged_at: `2026-01-0${number}T12:00:00Z`,
  merge_commit_sha: mergeCommit,
  files: ["a"],
  ...extra,
});

describe("loadPolicy", () => {
  it("layers the org's defaults under the repository's file (_extends), lists concatenated", async () => {
    fake.seed(REPO, {
      files: { main: { ".github/changegate.yml": '_extends: .github\nversion: 1\ntimezone: "Europe/Berlin"\nfreezes: [{ name: "Repo", start: "2026-05-01T00:00", end: "2026-05-02T00:00" }]\n' } },
    });
    fake.seed("acme/.github", {
      files: { main: { ".github/changegate.yml": 'version: 1\nenforcement: report\nfreezes: [{ name: "Org", start: "2026-04-01T00:00", end: "2026-04-02T00:00" }]\n' } },
    });
    const loaded = await loadPolicy(octokit, { owner: "acme", repo: "shop", ref: "main" });
    expect(loaded.status).toBe("valid");
    if (loaded.status !== "valid") return;
    expect(loaded.policy).toMatchObject({ timezone: "Europe/Berlin", enforcement: "report" });
    expect(loaded.policy.freezes.map((freeze) => freeze.name)).toEqual(["Org", "Repo"]);
    expect(loaded.files.map((file) => file.name)).toEqual(["acme/.github:.github/changegate.yml", ".github/changegate.yml"]);
  });

  it("fails closed when the extended file cannot be read, and reports a repository without a policy as not enrolled", async () => {
    fake.seed(REPO, { files: { main: { ".github/changegate.yml": "_extends: acme/policies:base.yml\nversion: 1\n" } } });
    const loaded = await loadPolicy(octokit, { owner: "acme", repo: "shop", ref: "main" });
    expect(loaded).toMatchObject({ status: "invalid", problems: [{ path: "_extends", message: expect.stringMatching(/^_extends: cannot read acme\/policies:base\.yml/) }] });
    fake.seed(REPO, { files: { main: {} } });
    expect(await loadPolicy(octokit, { owner: "acme", repo: "shop", ref: "main" })).toEqual({ status: "not-enrolled" });
  });
});

describe("changesToDeploy", () => {
  // 1 <- 2 (PR #1, squash) <- 3 (direct push) <- 4 (merge commit of PR #2, second parent 9) ; 9 is PR #2's own commit
  const commits = { [sha("1")]: [], [sha("2")]: [sha("1")], [sha("9")]: [sha("2")], [sha("3")]: [sha("2")], [sha("4")]: [sha("3"), sha("9")] };
  const seed = (deployments: { id: number; sha: string; environment: string; statuses: string[] }[]) => {
    fake.seed(REPO, { commits, deployments, pulls: [merged(1, sha("2")), merged(2, sha("4"), { head: { sha: sha("9") } })] });
  };
  const target = { owner: "acme", repo: "shop", sha: sha("4"), environment: "production" };

  it("weighs what landed since the last successful deployment along the first-parent line", async () => {
    seed([
      { id: 1, sha: sha("1"), environment: "production", statuses: ["success", "inactive"] },
      { id: 2, sha: sha("2"), environment: "staging", statuses: ["success"] },
      { id: 3, sha: sha("3"), environment: "production", statuses: ["failure"] },
    ]);
    const changes = await changesToDeploy(octokit, target);
    expect(changes.basis).toEqual({ kind: "since-deployment", sha: sha("1"), deploymentId: 1 });
    expect(changes.pulls.map((pull) => pull.number)).toEqual([1, 2]);
    expect(changes.directCommits).toEqual([sha("3")]);
    // The merged branch's own commit (9) is not looked up.
    expect(fake.requests.filter((request) => request.path.endsWith("/pulls") && request.path.includes("/commits/")).map((request) => request.path.split("/")[5])).toEqual([
      sha("4"),
      sha("3"),
      sha("2"),
    ]);
  });

  it("weighs the commit's own PR without a successful deployment, on a redeploy and on a rollback", async () => {
    for (const deployments of [[], [{ id: 1, sha: sha("4"), environment: "production", statuses: ["success"] }]]) {
      seed(deployments);
      const changes = await changesToDeploy(octokit, target);
      expect(changes.basis).toEqual({ kind: "own-pull-request" });
      expect(changes.pulls.map((pull) => pull.number)).toEqual([2]);
    }
    seed([{ id: 1, sha: sha("4"), environment: "production", statuses: ["success"] }]);
    const rollback = await changesToDeploy(octokit, { ...target, sha: sha("2") });
    expect(rollback).toMatchObject({ basis: { kind: "own-pull-request" }, directCommits: [] });
    expect(rollback.pulls.map((pull) => pull.number)).toEqual([1]);
  });

  it("fails closed rather than weigh part of a very long range", async () => {
    const long: Record<string, string[]> = { [sha("1")]: [] };
    let previous = sha("1");
    for (let i = 0; i < 260; i++) {
      // Unique made-up SHAs (padding with a hex digit made two of them equal, and the chain a loop).
      const next = `${i.toString(16).padStart(39, "0")}e`;
      long[next] = [previous];
      previous = next;
    }
    fake.seed(REPO, { commits: long, deployments: [{ id: 1, sha: sha("1"), environment: "production", statuses: ["success"] }] });
    await expect(changesToDeploy(octokit, { ...target, sha: previous })).rejects.toThrow(TooManyCommitsError);
  });
});

describe("publishChecks", () => {
  const check = (annotations: number): RenderedCheck => ({
    name: "changegate/risk",
    conclusion: "failure",
    title: "Invalid changegate policy: many problems",
    summary: "...",
    annotations: Array.from({ length: annotations }, (_, index) => ({ path: ".github/changegate.yml", start_line: index + 1, end_line: index + 1, annotation_level: "failure" as const, title: "x", message: "y" })),
    enforcedConclusion: "failure",
  });

  it("sends annotations 50 a request, and updates in place", async () => {
    fake.seed(REPO, {});
    const target = { owner: "acme", repo: "shop", headSha: sha("a") };
    expect(await publishChecks(octokit, target, [check(120)], null)).toMatchObject([{ action: "created" }]);
    expect(fake.checkRuns(REPO)[0]!.output.annotations).toHaveLength(120);
    expect(fake.requests.filter((request) => request.method !== "GET")).toHaveLength(3);
    expect(await publishChecks(octokit, target, [check(120)], null)).toMatchObject([{ action: "unchanged" }]);
    expect(await publishChecks(octokit, target, [{ ...check(0), conclusion: "success", title: "Risk 5/16: low" }], Date.parse("2026-03-01T00:00:00Z"))).toMatchObject([
      { action: "updated" },
    ]);
    expect(fake.checkRuns(REPO)).toHaveLength(1);
    expect(fake.checkRuns(REPO)[0]).toMatchObject({ conclusion: "success", external_id: "changegate:next=2026-03-01T00:00:00.000Z" });
  });
});

describe("evaluatePullRequest", () => {
  // The Action's way: the REST reader alone.
  const evaluatePullRequest = (client: Octokit, o: { owner: string; repo: string; policy: Policy; pull: PullRequestFields; at: number }) =>
    gatherAndEvaluate(restReader(client, o.owner, o.repo), o.pull, o.policy, { at: o.at });
  it("reads renames with both names, ignores bots, and reads teams only when they can matter", async () => {
    const { policyFrom } = await import("../support/policy.js");
    const policy = policyFrom('version: 1\nrisk: { rules: [{ name: "db", paths: ["db/**"], set: { blast_radius: 4, reversibility: 4 } }] }\napprovals: { high: { count: 1, teams: ["sre"] }, medium: { count: 1 } }\n');
    const body = "```yaml\nchange_request:\n  type: normal\n  implementation_plan: x\n  rollback_plan: y\n```\n";
    const reviews = [
      { user: "alice", state: "APPROVED", commit_id: sha("f"), submitted_at: "2026-01-01T00:00:00Z" },
      { user: "ci[bot]", state: "APPROVED", commit_id: sha("f"), submitted_at: "2026-01-01T00:00:00Z", bot: true },
    ];
    fake.seed(REPO, { collaborators: { alice: "write" }, pulls: [merged(1, sha("2"), { body, reviews, files: [{ filename: "src/new.ts", previous_filename: "db/old.sql" }] })] });
    fake.team("acme/sre", ["alice"]);
    const pull = (await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: "acme", repo: "shop", pull_number: 1 })).data;
    const { input, decision } = await evaluatePullRequest(octokit, { owner: "acme", repo: "shop", policy, pull, at: Date.parse("2026-01-02T03:00:00Z") });
    expect(input.files).toEqual({ files: [{ path: "src/new.ts", previousPath: "db/old.sql" }], complete: true });
    expect(decision.risk.effectiveTier).toBe("high");
    expect(decision.approvals).toMatchObject({ satisfied: true, assignment: { sre: "alice" }, ignored: [{ login: "ci[bot]", reason: "bot" }] });
    expect(fake.requests.some((request) => request.path === "/orgs/acme/teams/sre/members")).toBe(true);

    // Moving the file elsewhere makes it low risk: no team is read.
    fake.resetRequests();
    fake.seeded(REPO).pulls![0]!.files = ["src/new.ts"];
    fake.reseed(REPO);
    await evaluatePullRequest(octokit, { owner: "acme", repo: "shop", policy, pull, at: Date.parse("2026-01-02T03:00:00Z") });
    expect(fake.requests.some((request) => request.path.startsWith("/orgs/"))).toBe(false);
  });
});
