import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditRecord } from "../../src/audit/record.js";
import { pullRequestEvent, startFakeGitHub, type FakeGitHub } from "../fake-github/index.js";
import { startLossyProxy } from "../fake-github/lost-answers.js";
import { buildBundle, runAction } from "./run-action.js";

/**
 * `mode: audit` as the runner runs it (the bundle in a child process) against the same fake
 * GitHub the App's tests use: a merged pull request becomes one record, once.
 */
const POLICY = `version: 1
timezone: "UTC"
approvals: { low: { count: 1 }, medium: { count: 1 }, high: { count: 1 } }
windows: { standard: always, normal: always, emergency: always }
`;
const CHANGE = "Tuning.\n\n```yaml\nchange_request:\n  type: normal\n  implementation_plan: roll out\n  rollback_plan: roll back\n```\n";

let fake: FakeGitHub;

beforeAll(async () => {
  buildBundle();
  fake = await startFakeGitHub();
}, 60_000);
afterAll(async () => fake?.close());

const audit = (payload: unknown, repository: string) =>
  runAction({ inputs: { mode: "audit", token: "ghs_token" }, eventName: "pull_request_target", payload, repository, sha: "0".repeat(40), apiUrl: fake.url });

describe("mode: audit", () => {
  it("records a merged pull request once, however often the job runs, and says where", async () => {
    fake.addRepository({ owner: "acme", name: "shop", files: { ".github/changegate.yml": POLICY } });
    fake.setPermission("acme", "shop", "bob", "write");
    const pull = fake.openPullRequest({ owner: "acme", repo: "shop", user: "carol", title: "Tune the cache", body: CHANGE, changes: { "src/cache.ts": "x\n" } });
    fake.submitReview(pull, { user: "bob", state: "APPROVED" });
    fake.mergePullRequest(pull, { by: "alice" });
    const { payload } = pullRequestEvent(fake, "closed", pull);

    const first = await audit(payload, "acme/shop");
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(first.outputs["reason"]).toMatch(/^PR #1 recorded as audit record 1 on acme\/shop@changegate\/audit \(hash [0-9a-f]{64}\)\.$/);
    expect(first.summary).toContain("| Record | 1 on `acme/shop@changegate/audit`");
    const record = JSON.parse(fake.getFile("acme", "shop", "changegate/audit", "records/000/000/000000001.json")!) as AuditRecord;
    expect(record).toMatchObject({ recorded_by: "action", repository: "acme/shop", approvals: { satisfied: true, counted: [{ reviewer: "bob" }] }, bypassed: false, merged: { by: "alice" } });

    const again = await audit(payload, "acme/shop");
    expect(again.code).toBe(0);
    expect(again.outputs["reason"]).toBe("PR #1 was already recorded as audit record 1 on acme/shop@changegate/audit.");
    expect(fake.listFiles("acme", "shop", "changegate/audit", "records")).toHaveLength(1);
    expect(fake.comments("acme", "shop", pull.number).filter((comment) => comment.body.includes("changegate:audit"))).toHaveLength(1);
  }, 60_000);

  it("the audit comment's answer lost (written, then a 502), and a git tree's: one record, one comment", async () => {
    fake.addRepository({ owner: "acme", name: "lossy", files: { ".github/changegate.yml": POLICY } });
    fake.setPermission("acme", "lossy", "bob", "write");
    const pull = fake.openPullRequest({ owner: "acme", repo: "lossy", user: "carol", body: CHANGE, changes: { "a.txt": "a\n" } });
    fake.submitReview(pull, { user: "bob", state: "APPROVED" });
    fake.mergePullRequest(pull, { by: "alice" });
    const proxy = await startLossyProxy(fake.url);
    try {
      proxy.loseNext({ route: "POST /repos/{owner}/{repo}/git/trees" });
      proxy.loseNext({ route: "POST /repos/{owner}/{repo}/issues/{issue_number}/comments" });
      fake.resetRequests();
      const result = await runAction({ inputs: { mode: "audit", token: "ghs_token" }, eventName: "pull_request_target", payload: pullRequestEvent(fake, "closed", pull).payload, repository: "acme/lossy", sha: "0".repeat(40), apiUrl: proxy.url });
      expect(result.code, result.stderr + result.stdout).toBe(0);
      expect(proxy.lost.map((loss) => loss.upstreamStatus)).toEqual([201, 201]);
      expect(fake.listFiles("acme", "lossy", "changegate/audit", "records")).toHaveLength(1);
      expect(fake.comments("acme", "lossy", pull.number).filter((comment) => comment.body.includes("changegate:audit"))).toHaveLength(1);
      expect(fake.countRequests({ route: "POST /repos/{owner}/{repo}/issues/{issue_number}/comments" })).toBe(1);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it("fails closed, saying the merge was not recorded, when GitHub refuses the write", async () => {
    fake.addRepository({ owner: "acme", name: "web", files: { ".github/changegate.yml": POLICY } });
    const pull = fake.openPullRequest({ owner: "acme", repo: "web", user: "carol", body: CHANGE, changes: { "a.txt": "a\n" } });
    fake.mergePullRequest(pull);
    fake.failNext({ status: 403, route: "POST /repos/{owner}/{repo}/git/trees", count: 3 });
    const result = await audit(pullRequestEvent(fake, "closed", pull).payload, "acme/web");
    fake.clearFaults();
    expect(result.code).toBe(1);
    expect(result.outputs["reason"]).toMatch(/^cannot record PR #1 in the audit trail: .*The merge was not recorded; re-run this job/);
    expect(fake.branchSha("acme", "web", "changegate/audit")).toBeUndefined();
  }, 60_000);
});
