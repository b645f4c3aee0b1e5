import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { actionClient } from "../../src/action/octokit.js";
import { publishChecks } from "../../src/github/check-runs.js";
import type { RenderedCheck } from "../../src/report/checks.js";
import { startFakeGitHub, type FakeGitHub } from "../fake-github/index.js";

/**
 * Issue 11, finding 9, on the Action's client: a rate limit on updating a run is neither
 * "another app's run" (no second run) nor a reason to hang; one that lifts within a minute
 * is waited out once.
 */
let fake: FakeGitHub;
let repoCount = 0;
let repo: string;
const SHA = "c".repeat(40);
const PATCH = "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}";

beforeAll(async () => {
  fake = await startFakeGitHub();
});
afterAll(() => fake.close());
beforeEach(() => {
  repo = `shop${++repoCount}`;
  fake.addRepository({ owner: "acme", name: repo, files: { "README.md": "x\n" } });
  fake.clearFaults();
  fake.resetRequests();
});

const check = (conclusion: "success" | "failure", title: string): RenderedCheck => ({ name: "changegate/approvals", conclusion, title, summary: title, annotations: [], enforcedConclusion: conclusion });
const context = () => ({ owner: "acme", repo, eventName: "pull_request", payload: {}, sha: SHA, apiUrl: fake.url, serverUrl: "https://github.com", runUrl: null, runId: null, runAttempt: null });

describe("the Action's client under rate limits", () => {
  it("a primary limit resetting in an hour fails the write; no second run is created", async () => {
    const client = actionClient("ghs_test", context());
    await publishChecks(client.octokit, { owner: "acme", repo, headSha: SHA }, [check("success", "Approved")], null);
    fake.failNext({ status: 403, rateLimit: "primary", resetInSeconds: 3_600, route: PATCH });
    await expect(publishChecks(client.octokit, { owner: "acme", repo, headSha: SHA }, [check("failure", "Needs 1 more approval")], null)).rejects.toMatchObject({ status: 403 });
    client.dispose();
    expect(fake.checkRuns("acme", repo, { headSha: SHA })).toHaveLength(1);
    expect(fake.countRequests({ method: "POST" })).toBe(1);
  });

  it("a secondary limit asking for a second is waited out, and the run updated in place", async () => {
    const client = actionClient("ghs_test", context());
    await publishChecks(client.octokit, { owner: "acme", repo, headSha: SHA }, [check("success", "Approved")], null);
    fake.failNext({ status: 403, rateLimit: "secondary", retryAfter: 1, route: PATCH });
    const started = Date.now();
    await publishChecks(client.octokit, { owner: "acme", repo, headSha: SHA }, [check("failure", "Needs 1 more approval")], null);
    client.dispose();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    const runs = fake.checkRuns("acme", repo, { headSha: SHA });
    expect(runs.map((run) => [run.conclusion, run.output.title])).toEqual([["failure", "Needs 1 more approval"]]);
  });
});
