import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSeededGitHub, type PullSeed, type RepoSeed, type SeededGitHub } from "../fake-github/seed.js";
import { startLossyProxy } from "../fake-github/lost-answers.js";
import { buildBundle, runAction, webhookExample, type ActionRun } from "./run-action.js";

/**
 * The bundled Action run as the runner runs it (`node action/dist/index.js`), with real
 * webhook payloads from @octokit/webhooks-examples, against the fake GitHub API.
 */
const example = webhookExample;

const REPO = "Codertocat/Hello-World"; // the examples' repository
const ORG = "Codertocat";
const HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"; // the opened example's head
const POLICY_PATH = ".github/changegate.yml";
const HOUR = 3_600_000;
const iso = (instant: number) => new Date(instant).toISOString();

/** Windows always open, so decisions do not depend on when the tests run. */
const POLICY = `version: 1
timezone: "UTC"
approvals:
  low: { count: 1 }
  medium: { count: 1 }
  high: { count: 2, teams: ["sre"] }
  critical: { count: 3, teams: ["sre", "directors"] }
windows: { standard: always, normal: always, emergency: always }
emergency: { approvers: ["incident-commanders"] }
`;
const freezeAround = (start: number, end: number) =>
  `freezes:\n  - { name: "Launch", start: "${iso(start).replace(".000", "")}", end: "${iso(end).replace(".000", "")}" }\n`;
const block = (fields: string) => `Tuning.\n\n\`\`\`yaml\nchange_request:\n${fields}\n\`\`\`\n`;
const NORMAL = block("  type: normal\n  implementation_plan: roll out\n  rollback_plan: roll back\n  risk: { blast_radius: 1, reversibility: 1, confidence: 1 }");
const HIGH = block("  type: normal\n  implementation_plan: roll out\n  rollback_plan: roll back\n  risk_level: high");

let fake: SeededGitHub;

beforeAll(async () => {
  // The tests run the bundle of the sources as they are (CI also checks it is committed fresh).
  buildBundle();
  fake = await startSeededGitHub();
}, 60_000);
afterAll(() => fake.close());
afterEach(() => expect(fake.invalidRequests).toEqual([]));

function pull(overrides: Partial<PullSeed> = {}): PullSeed {
  return {
    number: 2,
    title: "Update the README with new information.",
    body: NORMAL,
    user: "Codertocat",
    head: { sha: HEAD },
    base: { ref: "master" },
    files: ["README.md"],
    reviews: [{ user: "alice", state: "APPROVED", commit_id: HEAD, submitted_at: "2026-01-02T10:00:00Z" }],
    ...overrides,
  };
}

function seed(options: { policy?: string | null; headPolicy?: string; pulls?: PullSeed[] } = {}) {
  const policy = options.policy === undefined ? POLICY : options.policy;
  fake.seed(REPO, {
    defaultBranch: "master",
    files: {
      master: policy === null ? {} : { [POLICY_PATH]: policy },
      ...(options.headPolicy === undefined ? {} : { [HEAD]: { [POLICY_PATH]: options.headPolicy } }),
    },
    pulls: options.pulls ?? [pull()],
    collaborators: { alice: "write", bob: "maintain", ivan: "write", carol: "read" },
  });
}

beforeEach(() => fake.reset());

const run = (inputs: Record<string, string>, eventName: string, payload: unknown, extra: { sha?: string; env?: Record<string, string> } = {}) =>
  runAction({
    inputs: { token: "test-token", ...inputs },
    eventName,
    payload,
    repository: REPO,
    sha: extra.sha ?? HEAD,
    apiUrl: fake.url,
    ...(extra.env ? { env: extra.env } : {}),
  });

const checksOf = () =>
  Object.fromEntries(fake.checkRuns(REPO).map((check) => [check.name, { conclusion: check.conclusion, title: check.output.title, head: check.head_sha }]));

function expectNoStack(result: ActionRun) {
  expect(result.stdout + result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe("mode: check", () => {
  it("posts the three check runs on the head of a pull_request_target event, with outputs and a summary", async () => {
    seed();
    const result = await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    expect(result.code).toBe(0);
    expect(checksOf()).toEqual({
      "changegate/risk": { conclusion: "success", title: expect.stringMatching(/^Risk \d+\/16: low$/), head: HEAD },
      "changegate/schedule": { conclusion: "success", title: "May merge now: normal changes have no window", head: HEAD },
      "changegate/approvals": { conclusion: "success", title: "Approved: 1 approval, 1 required for low risk", head: HEAD },
    });
    expect(result.outputs).toMatchObject({ allowed: "true", "risk-tier": "low", reason: expect.stringMatching(/^Every check passes: Risk/) });
    expect(Number(result.outputs["risk-score"])).toBeGreaterThanOrEqual(4);
    expect(Date.parse(result.outputs["next-allowed-at"]!)).toBeGreaterThan(Date.now() - 60_000);
    expect(result.summary).toContain("### changegate · Codertocat/Hello-World#2");
    expect(result.summary).toContain("| `changegate/approvals` | ✅ success | Approved: 1 approval, 1 required for low risk |");
  });

  it("is idempotent: a second run leaves unchanged check runs alone", async () => {
    seed();
    await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    fake.resetRequests();
    const again = await run({ mode: "check" }, "pull_request_review", example("pull_request_review", "submitted"));
    expect(again.code).toBe(0);
    expect(fake.checkRuns(REPO)).toHaveLength(3);
    expect(fake.requests.filter((request) => request.method !== "GET")).toEqual([]);
  });

  it("a check-run create whose answer is lost (the run was created, the client saw a 502) is not sent again: one run of each name", async () => {
    seed();
    const proxy = await startLossyProxy(fake.url);
    try {
      proxy.loseNext({ route: "POST /repos/{owner}/{repo}/check-runs" });
      const result = await runAction({ inputs: { token: "test-token", mode: "check" }, eventName: "pull_request_target", payload: example("pull_request", "opened"), repository: REPO, sha: HEAD, apiUrl: proxy.url });
      expect(result.code).toBe(0);
      expect(proxy.lost).toEqual([{ route: "POST /repos/{owner}/{repo}/check-runs", upstreamStatus: 201 }]);
      expect(fake.checkRuns(REPO).map((check) => check.name).sort()).toEqual(["changegate/approvals", "changegate/risk", "changegate/schedule"]);
      expect(fake.requests.filter((request) => request.method === "POST")).toHaveLength(3);
    } finally {
      await proxy.close();
    }
  });

  it("on merge_group: posts the three checks on the group's head, each the worst of its pull requests'", async () => {
    const GROUP_HEAD = "2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d";
    const BASE = "380387fbc80638b734a49e1be1c4dfec1c01b33c";
    const SECOND = "b".repeat(40);
    // Two pull requests queued: #2 (approved) and #3 (not approved) ahead of it.
    seed({ pulls: [pull(), pull({ number: 3, title: "Tune", head: { sha: SECOND }, reviews: [] })] });
    fake.seeded(REPO).commits = { [BASE]: [], [SECOND]: [BASE], [GROUP_HEAD]: [SECOND] };
    fake.seeded(REPO).messages = { [SECOND]: "Tune (#3)", [GROUP_HEAD]: "Merge pull request #2 from Codertocat/patch-1" };
    fake.reseed(REPO);
    const payload = example("merge_group", "checks_requested") as { merge_group: Record<string, unknown> };
    payload.merge_group = { ...payload.merge_group, head_sha: GROUP_HEAD, base_sha: BASE, base_ref: "refs/heads/master", head_ref: `refs/heads/gh-readonly-queue/master/pr-2-${BASE}` };
    const result = await run({ mode: "check" }, "merge_group", payload, { sha: GROUP_HEAD });
    expect(result.code).toBe(1);
    const onGroup = fake.checkRuns(REPO).filter((check) => check.head_sha === GROUP_HEAD);
    expect(Object.fromEntries(onGroup.map((check) => [check.name, check.conclusion]))).toEqual({ "changegate/risk": "success", "changegate/schedule": "success", "changegate/approvals": "failure" });
    expect(onGroup.find((check) => check.name === "changegate/approvals")!.output.title).toMatch(/^#3: Needs 1 more approval/);
    expect(result.outputs["reason"]).toMatch(/^changegate\/approvals: #3: /);
    expect(result.summary).toContain("merge group");
    expect(result.summary).toContain("#2, #3");

    // Once #3 is approved the group passes.
    fake.seeded(REPO).pulls![1]!.reviews = [{ user: "alice", state: "APPROVED", commit_id: SECOND, submitted_at: "2026-01-02T10:00:00Z" }];
    fake.reseed(REPO);
    const again = await run({ mode: "check" }, "merge_group", payload, { sha: GROUP_HEAD });
    expect(again.code).toBe(0);
    expect(fake.checkRuns(REPO).filter((check) => check.head_sha === GROUP_HEAD).map((check) => check.conclusion)).toEqual(["success", "success", "success"]);
  });

  it("an organisation's lock holds: the repository's enforcement: report is not used, and is a warning annotation at its line", async () => {
    seed({ policy: `_extends: .github\nversion: 1\nenforcement: report\n`, pulls: [pull({ reviews: [] })] });
    fake.seed(`${ORG}/.github`, { files: { main: { [POLICY_PATH]: `${POLICY}locked: [enforcement]\n` } } });
    const result = await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    expect(result.code).toBe(1);
    expect(checksOf()["changegate/approvals"]).toMatchObject({ conclusion: "failure" });
    expect(result.annotations).toContainEqual(
      expect.objectContaining({ level: "warning", properties: expect.stringMatching(/file=\.github\/changegate\.yml,line=3/), message: expect.stringMatching(/: enforcement: locked by Codertocat\/\.github/) }),
    );
  });

  it("blocks during a freeze: the step fails, the schedule check says when it opens", async () => {
    const end = Date.now() + 2 * HOUR;
    seed({ policy: POLICY + freezeAround(Date.now() - HOUR, end) });
    const result = await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    expect(result.code).toBe(1);
    expect(checksOf()["changegate/schedule"]).toMatchObject({ conclusion: "failure", title: expect.stringMatching(/^Freeze “Launch” until .* · opens /) });
    expect(result.outputs).toMatchObject({ allowed: "false", "next-allowed-at": iso(Math.floor(end / 1000) * 1000) });
    expect(result.outputs["reason"]).toMatch(/^changegate\/schedule: Freeze “Launch”/);
    expect(result.annotations).toContainEqual(expect.objectContaining({ level: "error", message: result.outputs["reason"] }));
    expect(result.summary).toContain("| `changegate/schedule` | ❌ failure |");
  });

  it("passes the step with fail-on-block: false, warning instead", async () => {
    seed({ policy: POLICY + freezeAround(Date.now() - HOUR, Date.now() + HOUR) });
    const result = await run({ mode: "check", "fail-on-block": "false" }, "pull_request_target", example("pull_request", "opened"));
    expect(result.code).toBe(0);
    expect(result.outputs["allowed"]).toBe("false");
    expect(result.annotations).toContainEqual(expect.objectContaining({ level: "warning", message: expect.stringMatching(/fail-on-block: false, so the step passes/) }));
  });

  it("under enforcement: report posts neutral checks and passes, saying what it would block", async () => {
    seed({ policy: POLICY.replace('timezone: "UTC"', 'timezone: "UTC"\nenforcement: report') + freezeAround(Date.now() - HOUR, Date.now() + HOUR) });
    const result = await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    expect(result.code).toBe(0);
    expect(Object.values(checksOf()).map((check) => check.conclusion)).toEqual(["neutral", "neutral", "neutral"]);
    expect(result.outputs).toMatchObject({ allowed: "true", reason: expect.stringMatching(/^changegate\/schedule: Report only \(would block\): Freeze “Launch”/) });
  });

  it("judges a PR that edits the policy by its base branch's policy, and reports the edit's problems", async () => {
    // The head removes the freeze and turns enforcement off, with a typo besides.
    const headPolicy = POLICY.replace('timezone: "UTC"', 'timezone: "UTC"\nenforcement: report\nwindowz: {}');
    seed({
      policy: POLICY + freezeAround(Date.now() - HOUR, Date.now() + HOUR),
      headPolicy,
      pulls: [pull({ files: ["README.md", POLICY_PATH] })],
    });
    const result = await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    expect(result.code).toBe(1);
    expect(checksOf()["changegate/schedule"]).toMatchObject({ conclusion: "failure" });
    expect(checksOf()["changegate/risk"]).toMatchObject({ conclusion: "failure", title: expect.stringMatching(/policy/i) });
    expect(fake.requests).toContainEqual(expect.objectContaining({ path: `/repos/${REPO}/contents/${POLICY_PATH}` }));
    expect(result.annotations).toContainEqual(
      expect.objectContaining({ level: "warning", properties: expect.stringContaining(`file=${POLICY_PATH}`), message: expect.stringMatching(/windowz/) }),
    );
  });

  it("does not count the approval of the person who pushed the head, as the App does not", async () => {
    // alice pushed the head commit (the repository's activity says so) and approved it.
    seed({ pulls: [pull({ pushedBy: "alice" })] });
    const result = await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    expect(result.code).toBe(1);
    expect(checksOf()["changegate/approvals"]).toMatchObject({ conclusion: "failure" });
    expect(fake.checkRuns(REPO).find((check) => check.name === "changegate/approvals")!.output.summary).toContain("@alice: the last person to push cannot approve it");
    expect(fake.requests).toContainEqual(expect.objectContaining({ route: "/repos/{owner}/{repo}/activity" }));
  });

  it("follows _extends in a PR-edited policy, as the App does: the layered edit's problems are reported", async () => {
    // Alone the edit is valid; layered over the org's defaults (an inverted freeze) it is not.
    fake.seed(`${ORG}/.github`, { files: { main: { [POLICY_PATH]: 'version: 1\nfreezes: [{ name: "Org", start: "2030-01-02T00:00", end: "2030-01-01T00:00" }]\n' } } });
    seed({ headPolicy: `_extends: .github\n${POLICY}`, pulls: [pull({ files: ["README.md", POLICY_PATH] })] });
    const result = await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    expect(result.code).toBe(1);
    expect(checksOf()["changegate/risk"]).toMatchObject({ conclusion: "failure", title: "This PR's changegate policy is invalid: 1 problem" });
    expect(result.annotations).toContainEqual(expect.objectContaining({ level: "warning", message: `${ORG}/.github:${POLICY_PATH}:2:58: freezes[0].end: end (2030-01-01T00:00) must be after start (2030-01-02T00:00)` }));
  });

  it("explains that GITHUB_TOKEN cannot read team membership, and fails the checks closed saying so", async () => {
    seed({ pulls: [pull({ body: HIGH, reviews: [{ user: "alice", state: "APPROVED", commit_id: HEAD, submitted_at: "2026-01-02T10:00:00Z" }] })] });
    const result = await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    expect(result.code).toBe(1);
    expect(result.outputs["reason"]).toMatch(/^changegate cannot read the members of team Codertocat\/sre: GitHub answered 404/);
    expect(result.outputs["reason"]).toMatch(/GITHUB_TOKEN cannot read team membership in any workflow\. Pass a token that can as the `token` input/);
    expect(checksOf()["changegate/approvals"]).toMatchObject({ conclusion: "failure", title: expect.stringMatching(/^Could not evaluate: changegate cannot read the members of team/) });
    expectNoStack(result);
    // With a token that can, the same PR is decided.
    fake.team(`${ORG}/sre`, ["bob"]);
    fake.team(`${ORG}/directors`, []);
    fake.team(`${ORG}/incident-commanders`, ["ivan"]);
    const decided = await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    expect(checksOf()["changegate/approvals"]).toMatchObject({ conclusion: "failure", title: "Needs 1 more approval for high risk (1 from sre)" });
    expect(decided.outputs["risk-tier"]).toBe("high");
  });

  it("explains a token that may not post check runs, and points pull_request users at pull_request_target", async () => {
    seed();
    fake.forbid("POST /repos/{owner}/{repo}/check-runs");
    const result = await run({ mode: "check" }, "pull_request", example("pull_request", "opened"));
    expect(result.code).toBe(1);
    expect(result.outputs["reason"]).toBe(
      "changegate cannot create the check run changegate/risk: GitHub answered 403 (Resource not accessible by integration). The token needs `checks: write` in the job's permissions: block; on a pull request from a fork, the pull_request event's token is read-only whatever the block says. Run mode: check on pull_request_target instead (see docs/action.md).",
    );
    expectNoStack(result);
  });

  it("posts nothing in a repository that is not enrolled", async () => {
    seed({ policy: null });
    const result = await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    expect(result.code).toBe(0);
    expect(fake.checkRuns(REPO)).toEqual([]);
    expect(result.outputs).toMatchObject({ allowed: "", reason: expect.stringMatching(/is not enrolled: master has no \.github\/changegate\.yml/) });
  });

  it("fails every check closed on an invalid policy, annotating its line", async () => {
    seed({ policy: POLICY.replace('timezone: "UTC"', 'timezone: "Mars/Olympus"') });
    const result = await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    expect(result.code).toBe(1);
    expect(Object.values(checksOf()).map((check) => check.conclusion)).toEqual(["failure", "failure", "failure"]);
    expect(result.annotations).toContainEqual(
      expect.objectContaining({ level: "error", properties: expect.stringContaining(`file=${POLICY_PATH},line=2`), message: expect.stringMatching(/unknown time zone "Mars\/Olympus"/) }),
    );
  });

  it("refuses events it cannot act on", async () => {
    seed();
    const result = await run({ mode: "check" }, "push", example("push"));
    expect(result.code).toBe(1);
    expect(result.outputs["reason"]).toMatch(/^mode: check runs on pull request events .* this run's event is push\.$/);
  });

  it("on schedule, re-evaluates only the open PRs whose decision can have changed", async () => {
    const soon = Date.now() + 3_000;
    seed({ policy: POLICY + freezeAround(soon, soon + 24 * HOUR), pulls: [pull(), pull({ number: 3, head: { sha: "c".repeat(40) }, reviews: [{ user: "alice", state: "APPROVED", commit_id: "c".repeat(40), submitted_at: "2026-01-02T10:00:00Z" }] })] });
    const payload = example("pull_request", "opened");
    await run({ mode: "check" }, "pull_request_target", payload);
    (payload["pull_request"] as { number: number }).number = 3;
    await run({ mode: "check" }, "pull_request_target", payload);
    expect(fake.checkRuns(REPO).map((check) => check.conclusion)).toEqual(Array(6).fill("success"));

    // Nothing is due yet: a scheduled run publishes nothing.
    const quiet = await run({ mode: "check" }, "workflow_dispatch", example("workflow_dispatch"));
    expect(quiet.code).toBe(0);
    expect(quiet.outputs["reason"]).toBe("Re-evaluated 0 of 2 open pull requests; 0 check runs updated");
    await new Promise((resolve) => setTimeout(resolve, soon - Date.now() + 100));

    // The freeze began: both PRs' schedule checks flip.
    const flipped = await run({ mode: "check" }, "schedule", { schedule: "*/15 * * * *" });
    expect(flipped.code).toBe(0);
    expect(flipped.outputs["reason"]).toBe("Re-evaluated 2 of 2 open pull requests; 2 check runs updated");
    expect(fake.checkRuns(REPO).filter((check) => check.name === "changegate/schedule").map((check) => check.conclusion)).toEqual(["failure", "failure"]);
    expect(flipped.summary).toContain("its decision was due to change at");
  });
});

describe("mode: gate", () => {
  const MERGE = "d".repeat(40);
  const mergedPull = (overrides: Partial<PullSeed> = {}) =>
    pull({ state: "closed", merged_at: "2026-01-02T12:00:00Z", merge_commit_sha: MERGE, ...overrides });

  function seedGate(options: { policy?: string; pulls?: PullSeed[]; commits?: Record<string, string[]>; deployments?: { id: number; sha: string; environment: string; statuses: string[] }[] } = {}) {
    seed({ ...(options.policy === undefined ? {} : { policy: options.policy }), pulls: options.pulls ?? [mergedPull()] });
    fake.seeded(REPO).commits = options.commits ?? { ["a".repeat(40)]: [], [MERGE]: ["a".repeat(40)] };
    fake.seeded(REPO).deployments = options.deployments ?? [];
    fake.reseed(REPO);
  }
  const gate = (inputs: Record<string, string> = {}, sha = MERGE) => run({ mode: "gate", ...inputs }, "push", example("push"), { sha });

  it("allows an approved change when the schedule is open", async () => {
    seedGate();
    const result = await gate();
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ allowed: "true", "risk-tier": "low", reason: "May deploy ddddddd to production: PR #2, approvals satisfied; the schedule allows it" });
    expect(result.summary).toContain("### changegate gate · `production` · `ddddddd`");
    expect(result.summary).toContain("| #2 Update the README with new information. | normal |");
  });

  it("blocks during a freeze, failing the step, with when it opens", async () => {
    const end = Date.now() + 2 * HOUR;
    seedGate({ policy: POLICY + freezeAround(Date.now() - HOUR, end) });
    const result = await gate();
    expect(result.code).toBe(1);
    expect(result.outputs).toMatchObject({ allowed: "false", "next-allowed-at": iso(Math.floor(end / 1000) * 1000) });
    expect(result.outputs["reason"]).toMatch(/^Blocked: Freeze “Launch” until .* \(PR #2\) · opens /);
    expect(result.summary).toContain("❌ **Blocked.**");
  });

  it("waits for the freeze to end with wait:, printing when it opens", async () => {
    const end = Math.ceil((Date.now() + 2_500) / 1000) * 1000;
    seedGate({ policy: POLICY + freezeAround(Date.now() - HOUR, end) });
    const result = await gate({ wait: "1m" });
    expect(result.code).toBe(0);
    expect(Date.now()).toBeGreaterThanOrEqual(end);
    expect(result.stdout).toMatch(/Blocked: Freeze “Launch” .* Waiting \d+s for it to open \(wait: 1m, until /);
    expect(result.outputs["allowed"]).toBe("true");
    expect(result.summary).toContain("Waited from");
  });

  it("fails at once when the window opens after the wait, or the wait outlives the job", async () => {
    seedGate({ policy: POLICY + freezeAround(Date.now() - HOUR, Date.now() + 2 * HOUR) });
    const late = await gate({ wait: "30m" });
    expect(late.code).toBe(1);
    expect(late.elapsedMs).toBeLessThan(10_000);
    expect(late.outputs["reason"]).toMatch(/, after the wait ends \(wait: 30m until .*\), so the gate does not wait$/);
    const outlives = await gate({ wait: "5h", "job-timeout": "4h" });
    expect(outlives.code).toBe(1);
    expect(outlives.stdout).toMatch(/Input "wait" \(5h\) is not shorter than the job can live \(job-timeout 4h\)/);
    expect(outlives.outputs).toEqual({});
  });

  it("weighs every PR merged since the last successful deployment: one merged without its approvals blocks", async () => {
    const [deployed, first, second] = ["1".repeat(40), "2".repeat(40), MERGE];
    seedGate({
      commits: { [deployed]: [], [first]: [deployed], [second]: [first] },
      deployments: [
        { id: 7, sha: deployed, environment: "production", statuses: ["in_progress", "success"] },
        { id: 8, sha: first, environment: "production", statuses: ["in_progress", "failure"] },
        { id: 9, sha: second, environment: "production", statuses: ["in_progress"] },
      ],
      pulls: [mergedPull({ number: 5, merge_commit_sha: first, reviews: [] }), mergedPull()],
    });
    const result = await gate();
    expect(result.code).toBe(1);
    expect(result.outputs["reason"]).toBe("Blocked: PR #5 merged without its approvals: needs 1 more approval");
    expect(result.summary).toContain("since the last successful deployment to `production` (`1111111`)");
    // An approval given after the merge does not count.
    fake.seeded(REPO).pulls![0]!.reviews = [{ user: "alice", state: "APPROVED", commit_id: HEAD, submitted_at: "2026-01-03T00:00:00Z" }];
    fake.reseed(REPO);
    expect((await gate()).code).toBe(1);
  });

  it("does not count the approval of the person who pushed the merged head", async () => {
    seedGate({ pulls: [mergedPull({ pushedBy: "alice" })] });
    const result = await gate();
    expect(result.code).toBe(1);
    expect(result.outputs["reason"]).toBe("Blocked: PR #2 merged without its approvals: needs 1 more approval");
  });

  it("blocks a commit that no PR brought unless the policy allows direct pushes", async () => {
    seedGate({ pulls: [] });
    const blocked = await gate();
    expect(blocked.code).toBe(1);
    expect(blocked.outputs["reason"]).toBe("Blocked: Commit ddddddd was pushed without a pull request (the policy's deploy.allow_direct_pushes is false)");
    seedGate({ pulls: [], policy: `${POLICY}deploy: { allow_direct_pushes: true }\n` });
    expect((await gate()).code).toBe(0);
  });

  it("fails closed when the repository is not enrolled", async () => {
    seedGate();
    fake.seeded(REPO).files = { master: {} };
    fake.reseed(REPO);
    const result = await gate();
    expect(result.code).toBe(1);
    expect(result.outputs["reason"]).toMatch(/is not enrolled: master has no \.github\/changegate\.yml, so the gate has no policy to decide by \(it fails closed\)\.$/);
  });

  it("fails closed on an invalid policy, its line annotated, while the merged PR's files and reviews are still in flight", async () => {
    seedGate({ policy: "version: 1\nwindows: { normal: sometimes }\n" });
    const result = await gate();
    expect(result.code).toBe(1);
    expect(result.outputs["reason"]).toMatch(/^The policy on master is invalid \(1 problem\), so the gate fails closed: .*windows\.normal/);
    expect(result.stdout).toMatch(/::error title=changegate%3A windows.normal,file=\.github\/changegate\.yml,line=2,col=20::/);
    expect(result.stderr).not.toMatch(/Unhandled|at async|TypeError/);
  });

  it("explains a token that cannot read the policy, the deployment history read meanwhile", async () => {
    seedGate();
    fake.forbid("GET /repos/{owner}/{repo}/contents/{path}");
    const result = await gate();
    expect(result.code).toBe(1);
    expect(result.outputs["reason"]).toMatch(/contents: read/);
    expect(result.stderr).not.toMatch(/Unhandled|at async/);
    expect(fake.requests.some((request) => request.path.includes("/deployments"))).toBe(true);
  });

  it("explains a token that cannot read deployments", async () => {
    seedGate();
    fake.forbid("GET /repos/{owner}/{repo}/deployments");
    const result = await gate();
    expect(result.code).toBe(1);
    expect(result.outputs["reason"]).toMatch(/^changegate failed: |cannot/);
  });
});

describe("mode: audit", () => {
  it("does nothing for a PR closed without merging", async () => {
    seed();
    const result = await run({ mode: "audit" }, "pull_request_target", example("pull_request", "closed"));
    expect(result.code).toBe(0);
    expect(result.outputs["reason"]).toBe("PR #2 was closed without merging: nothing to record.");
  });

  it("refuses other events", async () => {
    const result = await run({ mode: "audit" }, "push", example("push"));
    expect(result.code).toBe(1);
    expect(result.outputs["reason"]).toMatch(/^mode: audit runs on a pull request's closed event/);
  });
});

describe("inputs", () => {
  it("reports every malformed input as an annotation and fails before any request", async () => {
    seed();
    const result = await run({ mode: "gat", wait: "2 hours", "fail-on-block": "maybe" }, "push", example("push"));
    expect(result.code).toBe(1);
    expect(result.annotations.map((annotation) => annotation.message)).toEqual([
      'Input "mode" must be one of check, gate, audit, site; got "gat" (did you mean "gate"?).',
      'Input "fail-on-block" must be true or false; got "maybe".',
      'Input "wait" must be a duration such as 90s, 45m, 2h or 30d (a whole number and one unit); got "2 hours".',
      "3 invalid inputs (see the errors above)",
    ]);
    expect(fake.requests).toEqual([]);
    expectNoStack(result);
  });

  it("warns about an input the mode ignores", async () => {
    seed();
    const result = await run({ mode: "check", wait: "1h" }, "pull_request_target", example("pull_request", "opened"));
    expect(result.code).toBe(0);
    expect(result.annotations).toContainEqual(expect.objectContaining({ level: "warning", message: 'Input "wait" does not apply to mode: check; it is ignored.' }));
  });
});

describe("calendars (SPEC §10)", () => {
  const CALENDAR = `${POLICY}freezes:
  - name: "Incident"
    while_issues_open: { labels: ["incident"] }
  - name: "After a major release"
    after_release: { tags: ["v*.0.0"], for: "48h" }
blackouts:
  - name: "Company"
    ics: ".github/company.ics"
`;
  const ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:a@t\r\nDTSTART;VALUE=DATE:20200101\r\nDTEND;VALUE=DATE:20200102\r\nSUMMARY:Old\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  const seedCalendar = (extra: Partial<RepoSeed> = {}, ics = ICS) => {
    seed({ policy: CALENDAR });
    fake.seeded(REPO).files!["master"]![".github/company.ics"] = ics;
    Object.assign(fake.seeded(REPO), extra);
    fake.reseed(REPO);
  };

  it("check mode: an open issue with the freeze label, opened by a writer, blocks and names the issue", async () => {
    seedCalendar({ issues: [{ number: 9, title: "Checkout down", state: "open", labels: ["incident"], user: "alice", created_at: iso(Date.now() - HOUR) }] });
    const result = await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    expect(result.code).toBe(1);
    expect(checksOf()["changegate/schedule"]).toMatchObject({ conclusion: "failure", title: "Freeze “Incident: #9 Checkout down” until #9 is closed" });
    // The release and issue lists were each read once.
    expect(fake.requests.filter((request) => request.route === "/repos/{owner}/{repo}/issues")).toHaveLength(1);
    expectNoStack(result);
  });

  it("check mode: a recent major release freezes; an issue by someone without write access does not", async () => {
    seedCalendar({
      releases: [{ tag_name: "v3.0.0", published_at: iso(Date.now() - HOUR) }],
      issues: [{ number: 9, title: "Freeze please", state: "open", labels: ["incident"], user: "carol", created_at: iso(Date.now() - HOUR) }],
    });
    const result = await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    expect(result.code).toBe(1);
    expect(checksOf()["changegate/schedule"]).toMatchObject({ conclusion: "failure", title: expect.stringMatching(/^Freeze “After a major release: v3\.0\.0” until /) });
  });

  it("check mode: a malformed ICS file fails every check closed, annotated at its line", async () => {
    seedCalendar({}, ICS.replace("DTEND;VALUE=DATE:20200102", "DTEND 20200102"));
    const result = await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    expect(result.code).toBe(1);
    expect(Object.values(checksOf()).map((check) => check.conclusion)).toEqual(["failure", "failure", "failure"]);
    expect(result.annotations).toContainEqual(expect.objectContaining({ level: "error", properties: expect.stringContaining("file=.github/company.ics,line=7") }));
    expectNoStack(result);
  });

  it("check mode: public holidays come from the bundle's holiday files; an unknown country is named with the nearest code", async () => {
    seed({ policy: `${POLICY}blackouts:\n  - { name: "Bavaria", holidays: { country: "DE", region: "BY" } }\n  - { name: "US", holidays: { country: "US" } }\n` });
    const valid = await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    // Whether today is a holiday decides the schedule; that it was decided is what is held here.
    expect(Object.values(checksOf()).map((check) => check.title)).not.toContainEqual(expect.stringMatching(/^Could not evaluate/));
    expect(checksOf()["changegate/schedule"]?.conclusion).toMatch(/^(success|failure)$/);
    expectNoStack(valid);
    seed({ policy: `${POLICY}blackouts:\n  - { name: "Holidays", holidays: { country: "Germany" } }\n` });
    const invalid = await run({ mode: "check" }, "pull_request_target", example("pull_request", "opened"));
    expect(invalid.code).toBe(1);
    expect(invalid.annotations.map((annotation) => annotation.message)).toContainEqual(expect.stringMatching(/unknown country "Germany" for public holidays.*did you mean "DE" \(Germany\)\?/));
    expectNoStack(invalid);
  });

  it("gate mode: an open incident issue holds a deployment", async () => {
    const MERGE = "d".repeat(40);
    seedCalendar({ issues: [{ number: 4, title: "Sev1", state: "open", labels: ["incident"], user: "bob", created_at: iso(Date.now() - HOUR) }] });
    fake.seeded(REPO).pulls = [pull({ state: "closed", merged_at: "2026-01-02T12:00:00Z", merge_commit_sha: MERGE })];
    fake.seeded(REPO).commits = { ["a".repeat(40)]: [], [MERGE]: ["a".repeat(40)] };
    fake.seeded(REPO).deployments = [];
    fake.reseed(REPO);
    const result = await run({ mode: "gate" }, "push", example("push"), { sha: MERGE });
    expect(result.code).toBe(1);
    expect(result.outputs["reason"]).toMatch(/^Blocked: Freeze “Incident: #4 Sev1” until #4 is closed/);
  });
});
