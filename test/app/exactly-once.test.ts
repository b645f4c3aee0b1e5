import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullRequestEvent, pullRequestReviewEvent, type FakeGitHub } from "../fake-github/index.js";
import { startLossyProxy, type LossyProxy } from "../fake-github/lost-answers.js";
import { CHANGE_REQUEST, startApp, startFake, type App } from "./harness.js";

/**
 * "The write happened, the answer was lost", on each create the App sends: GitHub does the
 * POST and the App sees a 502 or a reset connection. Each thing is created once all the same:
 * the App looks for what it may have created before it sends a create again.
 */
const POLICY = ["version: 1", "timezone: UTC", "approvals:", "  low: { count: 1 }", "  medium: { count: 1 }", "  high: { count: 1 }", "emergency: { approvers: [incident-commanders] }", ""].join("\n");

let fake: FakeGitHub;
let proxy: LossyProxy;
let app: App;
let repoCount = 0;

beforeAll(async () => {
  fake = await startFake();
  proxy = await startLossyProxy(fake.url);
  app = await startApp(fake, {}, {}, { GHE_HOST: proxy.host });
});
afterAll(async () => {
  await app?.stop();
  await proxy?.close();
  await fake?.close();
});

function repository(): string {
  const name = `once${++repoCount}`;
  fake.addRepository({ owner: "acme", name, files: { "README.md": "x\n", ".github/changegate.yml": POLICY } });
  for (const login of ["bob", "ic"]) fake.setPermission("acme", name, login, "write");
  fake.addTeamMember("acme", "incident-commanders", "ic");
  return name;
}

async function mergedEmergency(repo: string) {
  const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", title: "Hotfix", body: CHANGE_REQUEST("emergency"), changes: { "src/a.ts": "x\n" } });
  await app.deliver(pullRequestEvent(fake, "opened", pull));
  await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: "ic", state: "APPROVED" })));
  fake.mergePullRequest(pull, { by: "alice" });
  return { pull, closed: pullRequestEvent(fake, "closed", pull) };
}

const posts = (route: string) => fake.requests({ method: "POST", route });

describe("a create whose answer is lost is not sent twice", () => {
  for (const as of ["502", "reset"] as const) {
    it(`check runs (${as}): one run of each name on the head`, async () => {
      const repo = repository();
      const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "src/a.ts": "x\n" } });
      fake.resetRequests();
      proxy.loseNext({ route: "POST /repos/{owner}/{repo}/check-runs", as });
      const result = await app.deliver(pullRequestEvent(fake, "opened", pull));
      expect(result.status).toBe(200);
      const runs = fake.checkRuns("acme", repo, { headSha: pull.head.sha });
      expect(runs.map((run) => run.name).sort()).toEqual(["changegate/approvals", "changegate/risk", "changegate/schedule"]);
      expect(posts("POST /repos/{owner}/{repo}/check-runs")).toHaveLength(3);
    });
  }

  it("the retrospective issue and the audit comment, each lost once: one issue, one comment, one record", async () => {
    const repo = repository();
    const { pull, closed } = await mergedEmergency(repo);
    fake.resetRequests();
    proxy.loseNext({ route: "POST /repos/{owner}/{repo}/issues" });
    proxy.loseNext({ route: "POST /repos/{owner}/{repo}/issues/{issue_number}/comments", as: "reset" });
    const lostBefore = proxy.lost.length;
    expect((await app.deliver(closed)).status).toBe(200);
    expect(proxy.lost.slice(lostBefore).map((loss) => loss.upstreamStatus)).toEqual([201, 201]);
    expect(fake.issues("acme", repo).filter((issue) => issue.title.startsWith("Retrospective:"))).toHaveLength(1);
    expect(fake.comments("acme", repo, pull.number).filter((comment) => comment.body.includes("<!-- changegate:audit -->"))).toHaveLength(1);
    expect(posts("POST /repos/{owner}/{repo}/issues")).toHaveLength(1);
    expect(posts("POST /repos/{owner}/{repo}/issues/{issue_number}/comments")).toHaveLength(1);
    // And a redelivery of the merge finds both: nothing is written again.
    fake.resetRequests();
    expect((await app.deliver(closed)).status).toBe(200);
    expect(fake.requests({ excludeInstallationToken: true }).filter((record) => record.method !== "GET")).toEqual([]);
  });
});
