import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { verifyChain, type TrailFile } from "../../src/audit/chain.js";
import { HEAD_PATH, recordPath, seqOfPath } from "../../src/audit/layout.js";
import type { AuditRecord } from "../../src/audit/record.js";
import { pullRequestEvent, pullRequestReviewEvent, pushEvent, type FakeGitHub } from "../fake-github/index.js";
import { tmpdir } from "node:os";
import { CHANGE_REQUEST, startApp, startFake, waitFor, type App } from "../app/harness.js";
import { runCli } from "../support/cli.js";

/** The App records merges in the audit trail: on the fake GitHub, through signed webhooks. */
const POLICY = [
  "version: 1",
  "timezone: UTC",
  "approvals:",
  "  low: { count: 1 }",
  "  medium: { count: 1 }",
  "  high: { count: 1 }",
  "emergency: { approvers: [incident-commanders] }",
  'standard_changes:\n  scale-deployment: { paths: ["k8s/**/replicas.yaml"] }',
  "",
].join("\n");
const BRANCH = "changegate/audit";

let fake: FakeGitHub;
let app: App;
let repoCount = 0;

beforeAll(async () => {
  fake = await startFake();
  app = await startApp(fake);
});
afterAll(async () => {
  await app?.stop();
  await fake?.close();
});
afterEach(() => {
  const invalid = fake.requests((record) => record.status === 422 ? !/git\/refs/.test(record.path) : record.unimplemented);
  expect(invalid.map((record) => `${record.method} ${record.path}: ${JSON.stringify(record.validationErrors ?? "unimplemented")}`)).toEqual([]);
});

function repository(policy = POLICY): string {
  const name = `svc${++repoCount}`;
  fake.addRepository({ owner: "acme", name, files: { "README.md": "svc\n", ".github/changegate.yml": policy } });
  for (const login of ["alice", "bob", "ic"]) fake.setPermission("acme", name, login, "write");
  fake.addTeamMember("acme", "incident-commanders", "ic");
  return name;
}

function trail(repo: string, owner = "acme"): { files: TrailFile[]; head: { seq: number; hash: string } | null; records: AuditRecord[] } {
  const paths = fake.listFiles(owner, repo, BRANCH, "records").filter((path) => seqOfPath(path) !== null);
  const files = paths.map((path) => ({ path, bytes: Buffer.from(fake.getFile(owner, repo, BRANCH, path)!) }));
  const headText = fake.getFile(owner, repo, BRANCH, HEAD_PATH);
  const records = files.map((file) => JSON.parse(file.bytes.toString("utf8")) as AuditRecord).sort((a, b) => a.seq - b.seq);
  return { files, head: headText === undefined ? null : (JSON.parse(headText) as { seq: number; hash: string }), records };
}

async function mergeApproved(repo: string, options: { type?: "normal" | "emergency" | "standard"; extra?: string; changes?: Record<string, string>; approver?: string; title?: string } = {}) {
  const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", title: options.title ?? "Cache", body: CHANGE_REQUEST(options.type ?? "normal", options.extra), changes: options.changes ?? { "src/cache.ts": "x\n" } });
  await app.deliver(pullRequestEvent(fake, "opened", pull));
  if (options.approver !== undefined) await app.deliver(pullRequestReviewEvent(fake, "submitted", pull, fake.submitReview(pull, { user: options.approver, state: "APPROVED" })));
  fake.mergePullRequest(pull, { by: "alice" });
  return { pull, closed: pullRequestEvent(fake, "closed", pull) };
}

const auditComments = (repo: string, number: number) => fake.comments("acme", repo, number).filter((comment) => comment.body.includes("<!-- changegate:audit -->"));

describe("a merge becomes one audit record", () => {
  it("a normal change: the record holds the decision, the approvals and the merge, and the PR links to it", async () => {
    const repo = repository();
    const { pull, closed } = await mergeApproved(repo, { approver: "bob" });
    expect((await app.deliver(closed)).status).toBe(200);

    const { records, head, files } = trail(repo);
    expect(records).toHaveLength(1);
    const record = records[0]!;
    expect(record).toMatchObject({
      schema_version: 1,
      seq: 1,
      previous_hash: null,
      repository: `acme/${repo}`,
      recorded_by: "app",
      pull_request: { number: pull.number, title: "Cache", author: "carol", base_ref: "main", base_sha: pull.base.sha, head_sha: pull.head.sha },
      merged: { by: "alice", merge_commit_sha: fake.pullRequest(pull).mergeCommitSha },
      change: { type: "normal", environment: "production" },
      change_request_status: "valid",
      policy: { path: ".github/changegate.yml", enforcement: "enforce" },
      approvals: { satisfied: true, counted: [{ reviewer: "bob" }] },
      gates: { risk: "success", schedule: "success", approvals: "success" },
      bypassed: false,
      files: { count: 1, paths: ["src/cache.ts"], complete: true },
    });
    expect(record.policy.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(record.approvals!.counted[0]!.review_id).toBeTypeOf("number");
    expect(record.pull_request.first_commit_at).not.toBeNull();
    expect(head).toEqual({ seq: 1, hash: record.hash });
    expect(verifyChain(files, head)).toMatchObject({ intact: true, count: 1 });

    const comments = auditComments(repo, pull.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(record.hash);
    expect(comments[0]!.body).toContain(recordPath(1));
  });

  it("a merge while a gate was failing is recorded as a bypass, never hidden", async () => {
    const repo = repository();
    const { closed } = await mergeApproved(repo);
    await app.deliver(closed);
    const [record] = trail(repo).records;
    expect(record).toMatchObject({ bypassed: true, gates: { approvals: "failure" }, approvals: { satisfied: false, counted: [] } });
  });

  it("a standard change: pre-approved, recorded with its catalog entry", async () => {
    const repo = repository();
    const { closed } = await mergeApproved(repo, { type: "standard", extra: "standard_change: scale-deployment", changes: { "k8s/web/replicas.yaml": "replicas: 4\n" } });
    await app.deliver(closed);
    const [record] = trail(repo).records;
    expect(record).toMatchObject({ change: { type: "standard", request: { standard_change: "scale-deployment" } }, approvals: { basis: "standard", satisfied: true }, bypassed: false });
  });

  it("an emergency: the retrospective issue is opened once, however often the merge is delivered, and the record names it", async () => {
    const repo = repository();
    const { pull, closed } = await mergeApproved(repo, { type: "emergency", approver: "ic", title: "Hotfix" });
    // Twice at once (a redelivery racing the original), then once more.
    const racing = await Promise.all([app.deliver(closed), app.deliver(closed)]);
    expect(racing.map((result) => result.status)).toEqual([200, 200]);
    expect((await app.deliver(closed)).status).toBe(200);

    const issues = fake.issues("acme", repo).filter((issue) => issue.title.startsWith("Retrospective:"));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.title).toBe(`Retrospective: Hotfix (#${pull.number})`);
    expect(issues[0]!.body).toContain("INC-1234");
    expect(issues[0]!.body).toContain("@ic");
    const { records } = trail(repo);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ change: { type: "emergency" }, retrospective_issue: issues[0]!.number, approvals: { basis: "emergency", satisfied: true } });
    expect(auditComments(repo, pull.number)).toHaveLength(1);
  });

  it("an emergency whose PR title is as long as GitHub allows: the retrospective's title is cut to GitHub's 256 characters, keeping the PR's number", async () => {
    const repo = repository();
    const title = `Hotfix ${"ü".repeat(200)} ${"🚒".repeat(48)}`;
    expect([...title].length).toBe(256);
    const { pull, closed } = await mergeApproved(repo, { type: "emergency", approver: "ic", title });
    expect((await app.deliver(closed)).status).toBe(200);
    const [issue] = fake.issues("acme", repo).filter((candidate) => candidate.title.startsWith("Retrospective:"));
    expect([...issue!.title].length).toBeLessThanOrEqual(256);
    expect(issue!.title).toMatch(new RegExp(`^Retrospective: Hotfix ü+ 🚒*… \\(#${pull.number}\\)$`, "u"));
    expect(trail(repo).records).toHaveLength(1);
  });

  it("a request's 404 inside the handler is answered 500 (the delivery shows as failed and is asked for again), and the redelivery finishes the work", async () => {
    const repo = repository();
    const { pull, closed } = await mergeApproved(repo, { approver: "bob" });
    fake.failNext({ route: "POST /repos/{owner}/{repo}/issues/{issue_number}/comments", status: 404 });
    const failed = await app.deliver(closed);
    expect(failed.status).toBe(500);
    expect(failed.body).toMatch(/DeliveryFailed: changegate could not handle pull_request\.closed .*GitHub answered 404 to POST \/repos\/acme\/svc\d+\/issues\/\d+\/comments/);
    expect(failed.body).not.toMatch(/ at /);
    expect((await app.deliver(closed)).status).toBe(200);
    expect(trail(repo).records).toHaveLength(1);
    expect(auditComments(repo, pull.number)).toHaveLength(1);
  });

  it("a redelivered merge webhook writes nothing twice", async () => {
    const repo = repository();
    const { pull, closed } = await mergeApproved(repo, { approver: "bob" });
    await app.deliver(closed);
    fake.resetRequests();
    await app.deliver(closed);
    const writes = fake.requests({ excludeInstallationToken: true }).filter((request) => request.method !== "GET");
    expect(writes).toEqual([]);
    expect(trail(repo).records).toHaveLength(1);
    expect(auditComments(repo, pull.number)).toHaveLength(1);
  });

  it("a merged PR that edits the policy is recorded under the policy the base held before it", async () => {
    const repo = repository();
    fake.addRepository({ owner: "acme", name: "elsewhere", files: { "README.md": "x\n" } });
    const edited = `${POLICY}audit: { repository: "acme/elsewhere" }\n`;
    const { closed } = await mergeApproved(repo, { approver: "bob", changes: { ".github/changegate.yml": edited } });
    // The merge's push to main arrives first: the App forgets main's cached policy.
    await app.deliver(pushEvent(fake, { owner: "acme", repo, ref: "refs/heads/main" }));
    await app.deliver(closed);
    expect(trail(repo).records).toHaveLength(1);
    expect(fake.branchSha("acme", "elsewhere", BRANCH)).toBeUndefined();
  });

  it("a PR opened as a draft: ready_at is when it was marked ready, not when it was opened", async () => {
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" }, draft: true, createdAt: "2026-01-05T08:00:00Z" });
    fake.editPullRequest(pull, { draft: false });
    fake.mergePullRequest(pull, { by: "alice" });
    await app.deliver(pullRequestEvent(fake, "closed", pull));
    const [record] = trail(repo).records;
    expect(record!.pull_request.opened_at).toBe("2026-01-05T08:00:00Z");
    expect(Date.parse(record!.pull_request.ready_at!)).toBeGreaterThan(Date.parse("2026-01-06T00:00:00Z"));
  });

  it("a PR closed without merging records nothing", async () => {
    const repo = repository();
    const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
    fake.closePullRequest(pull);
    await app.deliver(pullRequestEvent(fake, "closed", pull));
    expect(fake.branchSha("acme", repo, BRANCH)).toBeUndefined();
  });
});

describe("merges at the same moment", () => {
  it("20 merges delivered at once: 20 records, each once, the chain intact", async () => {
    const repo = repository();
    const merged = [];
    for (let index = 0; index < 20; index++) merged.push(await mergeApproved(repo, { approver: "bob", changes: { [`src/file${index}.ts`]: `${index}\n` } }));
    const results = await Promise.all(merged.map(({ closed }) => app.deliver(closed)));
    // 202: a handler still appending when the receiver answers (a loaded machine); it goes on.
    for (const result of results) expect([200, 202]).toContain(result.status);
    await waitFor(() => trail(repo).records.length, (count) => count >= 20, 30_000, "20 records");

    const { records, files, head } = trail(repo);
    expect(records).toHaveLength(20);
    expect(records.map((record) => record.seq)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    expect(new Set(records.map((record) => record.pull_request.number))).toEqual(new Set(merged.map(({ pull }) => pull.number)));
    expect(verifyChain(files, head)).toMatchObject({ intact: true, count: 20 });
    // Conflicting ref updates were retried, never forced.
    expect(fake.requests((request) => request.method === "PATCH" && /git\/refs/.test(request.path) && JSON.stringify(request.body ?? {}).includes('"force":true'))).toEqual([]);
  }, 60_000);
});

describe("holding the trail against the hashes posted on the PRs", () => {
  it("cutting the newest records and rewriting head.json passes the chain check but not the PRs' comments", async () => {
    const repo = repository();
    for (let index = 0; index < 3; index++) {
      const { closed } = await mergeApproved(repo, { approver: "bob", changes: { [`src/cut${index}.ts`]: "x\n" } });
      await app.deliver(closed);
    }
    const env = { GITHUB_API_URL: fake.url, GITHUB_TOKEN: "token" };
    const verify = (...extra: string[]) => runCli(["audit", "verify", "--repo", `acme/${repo}`, ...extra], { cwd: tmpdir(), env });
    const intact = await verify("--prs", `acme/${repo}`);
    expect(intact.exit).toBe(0);
    expect(intact.stdout).toContain("intact, 3 records; newest 3");
    expect(intact.stdout).toContain(`the hashes posted on 3 merged PRs of acme/${repo} match`);

    // Someone with push access cuts record 3 and makes head.json name record 2.
    const { records } = trail(repo);
    fake.deleteFile("acme", repo, BRANCH, recordPath(3));
    fake.setFile("acme", repo, BRANCH, HEAD_PATH, JSON.stringify({ hash: records[1]!.hash, seq: 2 }));
    expect((await verify()).stdout).toContain("intact, 2 records");
    const caught = await verify("--prs", `acme/${repo}`);
    expect(caught.exit).toBe(1);
    expect(caught.stdout).toMatch(/BROKEN: record 3 is missing: acme\/svc\d+#\d+'s comment names it .* but the trail ends at 2/);
  });
});

describe("a central audit repository", () => {
  it("records land on the central repository's branch; the PR's own repository gets only the comment", async () => {
    fake.addRepository({ owner: "acme", name: "audit-trail", files: { "README.md": "audit\n" } });
    const policy = `${POLICY}audit: { repository: "acme/audit-trail", branch: "trail" }\n`;
    const first = repository(policy);
    const second = repository(policy);
    const a = await mergeApproved(first, { approver: "bob" });
    const b = await mergeApproved(second, { approver: "bob" });
    await app.deliver(a.closed);
    await app.deliver(b.closed);

    expect(fake.branchSha("acme", first, BRANCH)).toBeUndefined();
    const paths = fake.listFiles("acme", "audit-trail", "trail", "records");
    const records = paths.map((path) => JSON.parse(fake.getFile("acme", "audit-trail", "trail", path)!) as AuditRecord).sort((x, y) => x.seq - y.seq);
    expect(records.map((record) => record.repository)).toEqual([`acme/${first}`, `acme/${second}`]);
    expect(records[1]!.previous_hash).toBe(records[0]!.hash);
    expect(auditComments(first, a.pull.number)[0]!.body).toContain("acme/audit-trail@trail");
  });
});
