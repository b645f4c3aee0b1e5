import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCheckMode } from "../../src/action/check-mode.js";
import { readInputs } from "../../src/action/inputs.js";
import type { ModeEnvironment } from "../../src/action/outcome.js";
import { startFakeGitHub } from "../fake-github/server.js";
import type { FakeGitHub } from "../fake-github/index.js";
import { seedRepository, type PullSeed } from "../fake-github/seed.js";

/**
 * The Action's scheduled re-check (`mode: check` on schedule), in process against the fake
 * GitHub on one clock both share: which open pull requests it evaluates again, judged run
 * by run from what their check runs record, and what it writes (only the runs whose
 * content changed), counted request by request.
 */
const OWNER = "acme";
const NAME = "shop";
const T0 = Date.parse("2026-03-02T10:00:00.250Z");
const MINUTE = 60_000;
const HEAD = (n: number) => String(n).repeat(40);
/** Windows always open; high risk needs a second approval, from the sre team. */
const POLICY = `version: 1
timezone: "UTC"
approvals: { low: { count: 1 }, medium: { count: 1 }, high: { count: 2, teams: ["sre"] } }
windows: { standard: always, normal: always, emergency: always }
`;
const freeze = (start: number, end: number) => `freezes:\n  - { name: "Launch", start: "${new Date(start).toISOString().slice(0, 19)}Z", end: "${new Date(end).toISOString().slice(0, 19)}Z" }\n`;
const block = (fields: string) => `Tuning.\n\n\`\`\`yaml\nchange_request:\n${fields}\n\`\`\`\n`;
const NORMAL = block("  type: normal\n  implementation_plan: roll out\n  rollback_plan: roll back\n  risk: { blast_radius: 1, reversibility: 1, confidence: 1 }");
const HIGH = block("  type: normal\n  implementation_plan: roll out\n  rollback_plan: roll back\n  risk_level: high");

let clock = T0;
let fake: FakeGitHub;

beforeAll(async () => {
  fake = await startFakeGitHub({ now: () => new Date(clock) });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.repositories.clear();
  fake.teams.clear();
  fake.clearFaults();
  fake.resetRequests();
  clock = T0;
});
afterEach(() => expect(fake.requests().filter((record) => record.route === null || (record.validationErrors?.length ?? 0) > 0)).toEqual([]));

function pull(number: number, overrides: Partial<PullSeed> = {}): PullSeed {
  return {
    number,
    title: `PR ${number}`,
    body: NORMAL,
    user: "carol",
    head: { sha: HEAD(number), ref: `topic-${number}` },
    base: { ref: "main" },
    files: ["README.md"],
    reviews: [{ user: "alice", state: "APPROVED", commit_id: HEAD(number), submitted_at: "2026-03-01T09:00:00Z" }],
    ...overrides,
  };
}

function seed(policy: string, pulls: PullSeed[]): void {
  seedRepository(fake, `${OWNER}/${NAME}`, { defaultBranch: "main", files: { main: { ".github/changegate.yml": policy } }, pulls, collaborators: { alice: "write", bob: "write" } });
  fake.addTeam(OWNER, "sre", { members: ["bob"] });
}

const ref = (number: number) => ({ owner: OWNER, repo: NAME, number });

function environment(eventName: string, payload: Record<string, unknown>): ModeEnvironment {
  const read = readInputs((name) => ({ mode: "check", token: "test-token" })[name] ?? "");
  if (!read.ok) throw new Error(read.problems.join("\n"));
  return {
    inputs: read.inputs,
    context: { owner: OWNER, repo: NAME, eventName, payload, sha: HEAD(1), apiUrl: fake.url, serverUrl: "https://github.com", runUrl: null, runId: null, runAttempt: null },
    log: { info: () => {}, debug: () => {}, warning: () => {}, error: () => {} },
    now: () => clock,
    sleep: async (ms) => void (clock += ms),
  };
}

/** The Action on a pull request's event, at `at`. */
async function onEvent(number: number, at: number) {
  clock = at;
  return runCheckMode(environment("pull_request_target", { action: "opened", pull_request: { number } }));
}

/** A scheduled run at `at`; the requests it made. */
async function scheduled(at: number, event: { name: string; payload: Record<string, unknown> } = { name: "schedule", payload: { schedule: "*/15 * * * *" } }) {
  clock = at;
  fake.resetRequests();
  const outcome = await runCheckMode(environment(event.name, event.payload));
  const requests = fake.requests();
  const writes = requests.filter((record) => record.method !== "GET");
  return { outcome, requests, writes, evaluated: requests.filter((record) => record.route === "GET /repos/{owner}/{repo}/pulls/{pull_number}/files").length };
}

const runs = () => fake.findRepository(OWNER, NAME)!.checkRuns;
const run = (number: number, name: string) => runs().find((candidate) => candidate.headSha === HEAD(number) && candidate.name === `changegate/${name}`)!;
const conclusions = (number: number) => Object.fromEntries(["risk", "schedule", "approvals"].map((name) => [name, run(number, name).conclusion]));

describe("mode: check on schedule", () => {
  it("with nothing due, evaluates nothing and writes nothing: the open PRs, their runs and each base branch's policy are read once", async () => {
    seed(POLICY, [pull(1), pull(2)]);
    await onEvent(1, T0);
    await onEvent(2, T0);
    const quiet = await scheduled(T0 + 15 * MINUTE);
    expect(quiet.outcome.reason).toBe("Re-evaluated 0 of 2 open pull requests; 0 check runs updated");
    expect(quiet.writes).toEqual([]);
    expect(quiet.requests.map((record) => record.route).sort()).toEqual([
      "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
      "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
      "GET /repos/{owner}/{repo}/contents/{path}",
      "GET /repos/{owner}/{repo}/pulls",
    ]);
  });

  it("when a freeze begins, writes only the schedule runs, and the next run finds every run current", async () => {
    const start = T0 + 20 * MINUTE;
    seed(POLICY + freeze(start, start + 24 * 60 * MINUTE), [pull(1), pull(2)]);
    await onEvent(1, T0);
    await onEvent(2, T0);
    expect(conclusions(1)).toEqual({ risk: "success", schedule: "success", approvals: "success" });

    const flip = await scheduled(start + MINUTE);
    expect(flip.outcome.reason).toBe("Re-evaluated 2 of 2 open pull requests; 2 check runs updated");
    expect(flip.writes.map((record) => `${record.method} ${record.path}`)).toEqual([`PATCH /repos/acme/shop/check-runs/${run(1, "schedule").id}`, `PATCH /repos/acme/shop/check-runs/${run(2, "schedule").id}`]);
    expect(conclusions(1)).toEqual({ risk: "success", schedule: "failure", approvals: "success" });

    // Risk and approvals still record the freeze's start, passed: the schedule run's record vouches for them.
    const after = await scheduled(start + 16 * MINUTE);
    expect(after.outcome.reason).toBe("Re-evaluated 0 of 2 open pull requests; 0 check runs updated");
    expect(after.writes).toEqual([]);
    expect(after.evaluated).toBe(0);
  });

  it("repairs a PR whose job was killed between two check writes: the run not written is written, nothing else", async () => {
    seed(POLICY, [pull(1)]);
    await onEvent(1, T0);
    const before = structuredClone(run(1, "approvals"));
    // Raised to high risk: the next evaluation writes risk, then approvals...
    clock = T0 + MINUTE;
    fake.editPullRequest(ref(1), { body: HIGH });
    await onEvent(1, T0 + MINUTE);
    expect(run(1, "approvals").conclusion).toBe("failure");
    // ...but the job was killed before the approvals write: GitHub still holds the old pass.
    Object.assign(run(1, "approvals"), { conclusion: before.conclusion, output: before.output, externalId: before.externalId, completedAt: before.completedAt });
    expect(run(1, "risk").output.title).toBe("Risk 9/16: high (declared high)");
    expect(conclusions(1)).toEqual({ risk: "success", schedule: "success", approvals: "success" });

    const repaired = await scheduled(T0 + 15 * MINUTE);
    expect(repaired.writes.map((record) => `${record.method} ${record.path}`)).toEqual([`PATCH /repos/acme/shop/check-runs/${run(1, "approvals").id}`]);
    expect(conclusions(1)).toEqual({ risk: "success", schedule: "success", approvals: "failure" });
    expect(repaired.outcome.summary).toContain("its checks do not all record one evaluation");
  });

  it("sees a policy push that starts a freeze, which no run's next change foresaw", async () => {
    seed(POLICY, [pull(1), pull(2)]);
    await onEvent(1, T0);
    await onEvent(2, T0);
    clock = T0 + 5 * MINUTE;
    fake.commit(OWNER, NAME, "main", { ".github/changegate.yml": POLICY + freeze(T0 + 5 * MINUTE, T0 + 600 * MINUTE) });

    const tick = await scheduled(T0 + 15 * MINUTE);
    expect(tick.outcome.reason).toBe("Re-evaluated 2 of 2 open pull requests; 2 check runs updated");
    expect(conclusions(1)).toEqual({ risk: "success", schedule: "failure", approvals: "success" });
    expect(conclusions(2)).toEqual({ risk: "success", schedule: "failure", approvals: "success" });
    expect(tick.writes).toHaveLength(2);
    expect(tick.requests.filter((record) => record.route === "GET /repos/{owner}/{repo}/contents/{path}")).toHaveLength(1);
  });

  it("sees an incident issue opened, and closed, though neither the pull requests nor the policy changed", async () => {
    seed(POLICY + 'freezes:\n  - name: "Incident"\n    while_issues_open: { labels: ["incident"] }\n', [pull(1)]);
    await onEvent(1, T0);
    expect(conclusions(1)).toEqual({ risk: "success", schedule: "success", approvals: "success" });
    clock = T0 + MINUTE;
    const incident = fake.createIssue(OWNER, NAME, { title: "Checkout is down", user: "alice", labels: ["incident"] });

    const frozen = await scheduled(T0 + 15 * MINUTE);
    expect(conclusions(1)).toEqual({ risk: "success", schedule: "failure", approvals: "success" });
    expect(run(1, "schedule").output.title).toBe(`Freeze “Incident: #${incident.number} Checkout is down” until #${incident.number} is closed`);
    expect(frozen.writes).toHaveLength(1);

    Object.assign(incident, { state: "closed", closedAt: new Date(T0 + 20 * MINUTE).toISOString() });
    await scheduled(T0 + 30 * MINUTE);
    expect(conclusions(1)).toEqual({ risk: "success", schedule: "success", approvals: "success" });
  });

  it("on the issues event of an incident issue opened, flips at once rather than at the next cron run", async () => {
    seed(POLICY + 'freezes:\n  - name: "Incident"\n    while_issues_open: { labels: ["incident"] }\n', [pull(1)]);
    await onEvent(1, T0);
    clock = T0 + MINUTE;
    const incident = fake.createIssue(OWNER, NAME, { title: "Checkout is down", user: "alice", labels: ["incident"] });
    const opened = await scheduled(T0 + MINUTE, { name: "issues", payload: { action: "opened", issue: { number: incident.number } } });
    expect(conclusions(1)).toEqual({ risk: "success", schedule: "failure", approvals: "success" });
    expect(opened.writes).toHaveLength(1);
  });

  it("sees a review submitted in the second its checks were written (updated_at does not move past their completed_at)", async () => {
    seed(POLICY, [pull(1)]);
    await onEvent(1, T0);
    expect(run(1, "approvals").conclusion).toBe("success");
    clock = T0 + 500;
    fake.submitReview(ref(1), { user: "bob", state: "CHANGES_REQUESTED" });
    // The same second as the evaluation's (GitHub's stamps have one-second resolution).
    expect(fake.pullRequest(ref(1)).updatedAt).toBe("2026-03-02T10:00:00Z");

    const tick = await scheduled(T0 + 15 * MINUTE);
    expect(run(1, "approvals").conclusion).toBe("failure");
    expect(tick.writes.map((record) => record.path)).toEqual([`/repos/acme/shop/check-runs/${run(1, "approvals").id}`]);
    expect(tick.outcome.summary).toContain("reviewed since it was last evaluated");
  });

  it("an edit that changes no check writes nothing visible: one run takes the evaluation's record (external_id alone), and the next run evaluates nothing", async () => {
    seed(POLICY, [pull(1)]);
    await onEvent(1, T0);
    const shown = runs().map((candidate) => [candidate.name, candidate.conclusion, candidate.output.title, candidate.output.summary, candidate.completedAt]);
    clock = T0 + MINUTE;
    fake.addLabels(ref(1), "docs");

    const tick = await scheduled(T0 + 15 * MINUTE);
    expect(tick.outcome.reason).toBe("Re-evaluated 1 of 1 open pull request; 0 check runs updated");
    expect(tick.writes.map((record) => [record.method, Object.keys(record.body as object).sort()])).toEqual([["PATCH", ["external_id"]]]);
    expect(runs().map((candidate) => [candidate.name, candidate.conclusion, candidate.output.title, candidate.output.summary, candidate.completedAt])).toEqual(shown);

    const next = await scheduled(T0 + 30 * MINUTE);
    expect(next.evaluated).toBe(0);
    expect(next.writes).toEqual([]);
  });

  it("evaluates again a PR whose last evaluation failed, and a PR with no changegate runs yet", async () => {
    seed(POLICY, [pull(1), pull(2)]);
    fake.failNext({ status: 500, route: "GET /repos/{owner}/{repo}/pulls/{pull_number}/files", count: 2 });
    await expect(onEvent(1, T0)).rejects.toThrow();
    expect(run(1, "risk").output.title).toMatch(/^Could not evaluate/);

    const tick = await scheduled(T0 + 15 * MINUTE);
    expect(tick.outcome.summary).toContain("its last evaluation failed");
    expect(tick.outcome.summary).toContain("no changegate checks on its head yet");
    expect(conclusions(1)).toEqual({ risk: "success", schedule: "success", approvals: "success" });
    expect(conclusions(2)).toEqual({ risk: "success", schedule: "success", approvals: "success" });
  });
});
