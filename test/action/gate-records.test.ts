import { afterAll, beforeAll, expect, it } from "vitest";
import type { DeploymentRecord } from "../../src/audit/deployment-record.js";
import { seqOfPath } from "../../src/audit/layout.js";
import { startFakeGitHub, type FakeGitHub } from "../fake-github/index.js";
import { CHANGE_REQUEST } from "../app/harness.js";
import { runAction } from "./run-action.js";

/** `mode: gate` with `record: true`: the committed bundle writes the App's deployment records, on the project's fake GitHub. */
const BRANCH = "changegate/audit";
let fake: FakeGitHub;
let count = 0;

beforeAll(async () => {
  fake = await startFakeGitHub();
});
afterAll(async () => {
  await fake?.close();
});

function records(repo: string): DeploymentRecord[] {
  return fake
    .listFiles("acme", repo, BRANCH, "records")
    .filter((path) => seqOfPath(path) !== null)
    .map((path) => JSON.parse(fake.getFile("acme", repo, BRANCH, path)!) as DeploymentRecord)
    .sort((a, b) => a.seq - b.seq);
}

async function gate(policy: string, approved: boolean, inputs: Record<string, string> = {}, attempt = "1") {
  const repo = `gate${++count}`;
  fake.addRepository({ owner: "acme", name: repo, files: { ".github/changegate.yml": policy } });
  fake.setPermission("acme", repo, "bob", "write");
  const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
  if (approved) fake.submitReview(pull, { user: "bob", state: "APPROVED" });
  const merge = fake.mergePullRequest(pull, { by: "alice" });
  const run = () =>
    runAction({
      inputs: { mode: "gate", token: "ghs_test", environment: "production", record: "true", ...inputs },
      eventName: "push",
      payload: { ref: "refs/heads/main", repository: { default_branch: "main" } },
      repository: `acme/${repo}`,
      sha: merge.sha,
      apiUrl: fake.url,
      env: { GITHUB_RUN_ATTEMPT: attempt },
    });
  return { repo, run, merge, number: pull.number };
}

const POLICY = "version: 1\ntimezone: UTC\napprovals: { low: { count: 1 }, medium: { count: 1 } }\n";

it("records an allowed deployment once per run attempt, naming the environment, the commit and the PR", async () => {
  const { repo, run, merge, number } = await gate(POLICY, true);
  const first = await run();
  expect(first.code, first.stdout + first.stderr).toBe(0);
  expect(first.outputs["allowed"]).toBe("true");
  expect(first.stdout).toMatch(/Recorded the gate's decision \(approved\) as audit record 1 on acme\/gate\d+@changegate\/audit/);
  await run();
  expect(records(repo)).toHaveLength(1);
  expect(records(repo)[0]).toMatchObject({ kind: "deployment", event: "approved", recorded_by: "action", deployment: { id: null, environment: "production", sha: merge.sha, run_id: 4242 }, pull_requests: [{ number }], decided_by: { kind: "changegate" } });
});

it("records a rejection, and still fails the step", async () => {
  const { repo, run } = await gate(POLICY, false);
  const result = await run();
  expect(result.code).toBe(1);
  expect(records(repo).map((record) => record.event)).toEqual(["rejected"]);
});

it("without record: true the trail is not touched", async () => {
  const { repo, run } = await gate(POLICY, true, { record: "false" });
  expect((await run()).code).toBe(0);
  expect(fake.listFiles("acme", repo, BRANCH, "records")).toEqual([]);
});

it("a step that waited for a freeze to end records held, then released", async () => {
  const end = Math.ceil((Date.now() + 2_000) / 1_000) * 1_000;
  const iso = (instant: number) => new Date(instant).toISOString();
  const { repo, run } = await gate(POLICY + `freezes:\n  - { name: "Launch", start: "${iso(end - 3_600_000)}", end: "${iso(end)}" }\n`, true, { wait: "1m", "job-timeout": "10m" });
  const result = await run();
  expect(result.code, result.stdout + result.stderr).toBe(0);
  const events = records(repo);
  expect(events.map((record) => record.event)).toEqual(["held", "released"]);
  expect(events[0]!.opens_at).toBe(iso(end));
  expect(Date.parse(events[1]!.at)).toBeGreaterThanOrEqual(end);
});
