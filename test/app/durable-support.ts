import { seqOfPath } from "../../src/audit/layout.js";
import { pullRequestEvent, type FakeGitHub } from "../fake-github/index.js";
import { CHANGE_REQUEST } from "./harness.js";

/** What the durable-work tests share: a gated repository, a merged pull request, and what the trail and the PR show. */
export const POLICY = "version: 1\ntimezone: UTC\napprovals: { low: { count: 1 }, medium: { count: 1 } }\n";
export const TRAIL_BRANCH = "changegate/audit";
/** Short waits between a job's attempts. */
export const QUICK_RETRY = { delaysMs: [200, 400, 800], maxAttempts: 200 };

let count = 0;
export function gatedRepository(fake: FakeGitHub, policy = POLICY): string {
  const name = `durable${++count}`;
  fake.addRepository({ owner: "acme", name, files: { "README.md": "svc\n", ".github/changegate.yml": policy } });
  for (const login of ["alice", "bob"]) fake.setPermission("acme", name, login, "write");
  return name;
}

/** An approved pull request, merged on the fake; its `closed` webhook is returned, not delivered. */
export function mergedPull(fake: FakeGitHub, repo: string, file = "src/cache.ts") {
  const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { [file]: "x\n" } });
  fake.submitReview(pull, { user: "bob", state: "APPROVED" });
  fake.mergePullRequest(pull, { by: "alice" });
  return { pull, closed: pullRequestEvent(fake, "closed", pull) };
}

/** How many records the repository's trail holds. */
export function recordCount(fake: FakeGitHub, repo: string): number {
  return fake.listFiles("acme", repo, TRAIL_BRANCH, "records").filter((path) => seqOfPath(path) !== null).length;
}

export function auditComments(fake: FakeGitHub, repo: string, number: number): number {
  return fake.comments("acme", repo, number).filter((comment) => comment.body.includes("<!-- changegate:audit -->")).length;
}

/** The next matching request (by route template, e.g. "/repos/{owner}/{repo}/pulls") is held `ms` before it is answered. */
export function stallOnce(fake: FakeGitHub, template: string, ms: number): void {
  let left = 1;
  fake.setLatency(ms, (_method, route) => route === template && left-- > 0);
}
