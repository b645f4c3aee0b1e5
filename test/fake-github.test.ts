import { generateKeyPairSync } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { RequestError } from "@octokit/request-error";
import { Octokit } from "@octokit/rest";
import { verify } from "@octokit/webhooks-methods";
import { Probot } from "probot";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { blobSha } from "./fake-github/git.js";
import { startFakeGitHub, type FakeGitHub } from "./fake-github/server.js";
import { checkRunEvent, deliverWebhook, mergeGroupEvent, pullRequestEvent, pullRequestReviewEvent, pushEvent, redeliverWebhooksTo, signWebhook } from "./fake-github/webhooks.js";

let fake: FakeGitHub;
let octokit: Octokit;

/** An Octokit for the fake that does not log the errors tests provoke on purpose. */
function client(baseUrl: string, auth?: string): Octokit {
  const quiet = () => undefined;
  return new Octokit({ baseUrl, auth, log: { debug: quiet, info: quiet, warn: console.warn, error: quiet } });
}

beforeAll(async () => {
  // The first server of the process loads GitHub's OpenAPI description; later ones share it.
  await (await startFakeGitHub()).close();
});

beforeEach(async () => {
  fake = await startFakeGitHub();
  octokit = client(fake.url, "ghs_test");
  fake.addRepository({ owner: "acme", name: "svc", files: { "README.md": "hello\n", ".github/changegate.yml": "version: 1\n" } });
});

afterEach(async () => {
  await fake.close();
});

/** A request TypeScript would refuse: how tests send what GitHub must reject. */
function invalidRequest(route: string, parameters: Record<string, unknown>): Promise<unknown> {
  return octokit.request(route, parameters);
}

/** The HTTP status and body of a failed Octokit call. */
async function failure(call: Promise<unknown>): Promise<{ status: number; data: Record<string, unknown>; headers: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof RequestError) return { status: error.status, data: (error.response?.data ?? {}) as Record<string, unknown>, headers: (error.response?.headers ?? {}) as Record<string, unknown> };
    throw error;
  }
  throw new Error("the call succeeded");
}

describe("state round-trips through @octokit/rest", () => {
  it("serves repositories, contents, pull requests, files, reviews and commits", async () => {
    const pr = fake.openPullRequest({ owner: "acme", repo: "svc", title: "Add a", body: "change: low", user: "carol", labels: ["risk:low"], changes: { "src/a.ts": "export const a = 1;\n", "README.md": "hello\nworld\n" } });
    fake.submitReview(pr, { user: "bob", state: "CHANGES_REQUESTED" });
    const approval = fake.submitReview(pr, { user: "dave", state: "APPROVED" });

    const repo = await octokit.repos.get({ owner: "acme", repo: "svc" });
    expect(repo.data).toMatchObject({ full_name: "acme/svc", default_branch: "main", private: true, owner: { login: "acme", type: "Organization" } });

    const content = await octokit.repos.getContent({ owner: "acme", repo: "svc", path: ".github/changegate.yml" });
    expect(Array.isArray(content.data)).toBe(false);
    const file = content.data as { content: string; sha: string; encoding: string };
    expect(Buffer.from(file.content, "base64").toString("utf8")).toBe("version: 1\n");
    expect(file.sha).toBe(blobSha("version: 1\n"));
    expect(blobSha("hello\n")).toBe("ce013625030ba8dba906f756967f9e9ca394464a"); // `echo hello | git hash-object --stdin`
    const missing = await failure(octokit.repos.getContent({ owner: "acme", repo: "svc", path: "nope.txt" }));
    expect(missing.status).toBe(404);

    const pull = await octokit.pulls.get({ owner: "acme", repo: "svc", pull_number: pr.number });
    expect(pull.data).toMatchObject({ number: pr.number, title: "Add a", body: "change: low", state: "open", merged: false, draft: false, user: { login: "carol" }, head: { ref: pr.head.ref, sha: pr.head.sha }, base: { ref: "main" }, changed_files: 2, commits: 1 });
    expect(pull.data.labels.map((label) => label.name)).toEqual(["risk:low"]);

    const files = await octokit.pulls.listFiles({ owner: "acme", repo: "svc", pull_number: pr.number });
    expect(files.data.map((entry) => [entry.filename, entry.status, entry.additions, entry.deletions])).toEqual([
      ["README.md", "modified", 1, 0],
      ["src/a.ts", "added", 1, 0],
    ]);

    const reviews = await octokit.pulls.listReviews({ owner: "acme", repo: "svc", pull_number: pr.number });
    expect(reviews.data.map((review) => [review.user?.login, review.state, review.commit_id])).toEqual([
      ["bob", "CHANGES_REQUESTED", pr.head.sha],
      ["dave", "APPROVED", pr.head.sha],
    ]);
    expect(reviews.data[1]?.id).toBe(approval.id);

    const commits = await octokit.pulls.listCommits({ owner: "acme", repo: "svc", pull_number: pr.number });
    expect(commits.data.map((commit) => commit.sha)).toEqual([pr.head.sha]);

    const newHead = fake.pushToPullRequest(pr, "f".repeat(40));
    expect((await octokit.pulls.get({ owner: "acme", repo: "svc", pull_number: pr.number })).data.head.sha).toBe(newHead);
    const associated = await octokit.repos.listPullRequestsAssociatedWithCommit({ owner: "acme", repo: "svc", commit_sha: newHead });
    expect(associated.data.map((entry) => entry.number)).toEqual([pr.number]);

    const open = await octokit.pulls.list({ owner: "acme", repo: "svc", state: "open", base: "main" });
    expect(open.data.map((entry) => entry.number)).toEqual([pr.number]);
  });

  it("merges with a merge commit on the base branch and lists renames", async () => {
    const pr = fake.openPullRequest({ owner: "acme", repo: "svc", user: "carol", changes: { "docs/guide.md": "hello\n", "README.md": null } });
    expect((await octokit.pulls.listFiles({ owner: "acme", repo: "svc", pull_number: pr.number })).data).toEqual([
      expect.objectContaining({ filename: "docs/guide.md", status: "renamed", previous_filename: "README.md" }),
    ]);
    const base = fake.branchSha("acme", "svc", "main")!;
    const merge = fake.mergePullRequest(pr, { by: "maintainer" });
    expect(merge.parents).toEqual([base, pr.head.sha]);
    expect(fake.getFile("acme", "svc", "main", "docs/guide.md")).toBe("hello\n");
    expect(fake.getFile("acme", "svc", "main", "README.md")).toBeUndefined();
    const pull = await octokit.pulls.get({ owner: "acme", repo: "svc", pull_number: pr.number });
    expect(pull.data).toMatchObject({ state: "closed", merged: true, merge_commit_sha: merge.sha, merged_by: { login: "maintainer" } });
    const compare = await octokit.repos.compareCommitsWithBasehead({ owner: "acme", repo: "svc", basehead: `${base}...main` });
    expect(compare.data).toMatchObject({ status: "ahead", ahead_by: 2, behind_by: 0 });
    const activity = await octokit.request("GET /repos/{owner}/{repo}/activity", { owner: "acme", repo: "svc", ref: "refs/heads/main" });
    expect(activity.data[0]).toMatchObject({ activity_type: "pr_merge", after: merge.sha, actor: { login: "maintainer" } });
  });

  it("serves teams (active members only), memberships, permissions and deployments", async () => {
    fake.addTeamMember("acme", "sre", "alice");
    fake.addTeamMember("acme", "sre", "erin", { role: "maintainer" });
    fake.addTeamMember("acme", "sre", "frank", { state: "pending" });
    fake.setPermission("acme", "svc", "bob", "maintain");
    fake.addUser("mallory");
    const main = fake.branchSha("acme", "svc", "main")!;
    const old = fake.addDeployment("acme", "svc", { sha: main, environment: "production", statuses: ["success", "inactive"] });
    fake.addDeployment("acme", "svc", { sha: main, environment: "staging", statuses: ["success"] });

    const members = await octokit.teams.listMembersInOrg({ org: "acme", team_slug: "sre" });
    expect(members.data.map((member) => member.login)).toEqual(["alice", "erin"]);
    const maintainers = await octokit.teams.listMembersInOrg({ org: "acme", team_slug: "sre", role: "maintainer" });
    expect(maintainers.data.map((member) => member.login)).toEqual(["erin"]);
    const pending = await octokit.teams.getMembershipForUserInOrg({ org: "acme", team_slug: "sre", username: "frank" });
    expect(pending.data).toMatchObject({ state: "pending", role: "member" });
    expect((await failure(octokit.teams.getMembershipForUserInOrg({ org: "acme", team_slug: "sre", username: "bob" }))).status).toBe(404);
    expect((await octokit.teams.list({ org: "acme" })).data.map((team) => team.slug)).toEqual(["sre"]);

    const bob = await octokit.repos.getCollaboratorPermissionLevel({ owner: "acme", repo: "svc", username: "bob" });
    expect(bob.data).toMatchObject({ permission: "write", role_name: "maintain" });
    const mallory = await octokit.repos.getCollaboratorPermissionLevel({ owner: "acme", repo: "svc", username: "mallory" });
    expect(mallory.data.permission).toBe("none");
    expect((await failure(octokit.repos.getCollaboratorPermissionLevel({ owner: "acme", repo: "svc", username: "nobody" }))).status).toBe(404);

    const production = await octokit.repos.listDeployments({ owner: "acme", repo: "svc", environment: "production" });
    expect(production.data.map((deployment) => deployment.id)).toEqual([old.id]);
    const statuses = await octokit.repos.listDeploymentStatuses({ owner: "acme", repo: "svc", deployment_id: old.id });
    expect(statuses.data.map((status) => status.state)).toEqual(["inactive", "success"]);
  });

  it("creates, updates and lists check runs, filing them in the app's check suite", async () => {
    const pr = fake.openPullRequest({ owner: "acme", repo: "svc", changes: { "a.txt": "a\n" } });
    const created = await octokit.checks.create({ owner: "acme", repo: "svc", name: "changegate/risk", head_sha: pr.head.sha, status: "in_progress", external_id: "risk" });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ name: "changegate/risk", head_sha: pr.head.sha, status: "in_progress", conclusion: null, pull_requests: [{ number: pr.number }] });
    await octokit.checks.update({
      owner: "acme",
      repo: "svc",
      check_run_id: created.data.id,
      conclusion: "failure",
      output: { title: "Risk: high", summary: "s", annotations: [{ path: "a.txt", start_line: 1, end_line: 1, annotation_level: "warning", message: "m" }] },
    });
    await octokit.checks.create({ owner: "acme", repo: "svc", name: "changegate/schedule", head_sha: pr.head.sha, conclusion: "success" });
    fake.createCheckRun("acme", "svc", { headSha: pr.head.sha, name: "ci", conclusion: "success", app: { id: 15368, slug: "github-actions" } });

    const runs = await octokit.checks.listForRef({ owner: "acme", repo: "svc", ref: pr.head.ref, app_id: fake.app.id });
    expect(runs.data.check_runs.map((run) => [run.name, run.status, run.conclusion])).toEqual([
      ["changegate/schedule", "completed", "success"],
      ["changegate/risk", "completed", "failure"],
    ]);
    const risk = await octokit.checks.listForRef({ owner: "acme", repo: "svc", ref: pr.head.sha, check_name: "changegate/risk" });
    expect(risk.data.check_runs[0]?.output).toMatchObject({ title: "Risk: high", annotations_count: 1 });
    const suite = await octokit.checks.getSuite({ owner: "acme", repo: "svc", check_suite_id: created.data.check_suite!.id });
    expect(suite.data).toMatchObject({ head_sha: pr.head.sha, status: "completed", conclusion: "failure", app: { id: fake.app.id } });
    expect((await octokit.checks.listSuitesForRef({ owner: "acme", repo: "svc", ref: pr.head.sha })).data.total_count).toBe(2);
    expect(fake.checkRuns("acme", "svc", { name: "changegate/risk" })[0]?.output.annotations).toHaveLength(1);
  });

  it("creates issues and comments and filters issues by label and creator", async () => {
    await octokit.issues.create({ owner: "acme", repo: "svc", title: "Audit 1", labels: ["audit"] });
    fake.createIssue("acme", "svc", { title: "Bug", user: "carol", labels: ["bug"] });
    const pr = fake.openPullRequest({ owner: "acme", repo: "svc", labels: ["audit"] });
    await octokit.issues.createComment({ owner: "acme", repo: "svc", issue_number: pr.number, body: "Risk: low" });

    const audits = await octokit.issues.listForRepo({ owner: "acme", repo: "svc", labels: "audit" });
    expect(audits.data.map((issue) => [issue.title, issue.pull_request === undefined])).toEqual([
      [pr.title, false],
      ["Audit 1", true],
    ]);
    const carol = await octokit.issues.listForRepo({ owner: "acme", repo: "svc", creator: "carol" });
    expect(carol.data.map((issue) => issue.title)).toEqual(["Bug"]);
    const comments = await octokit.issues.listComments({ owner: "acme", repo: "svc", issue_number: pr.number });
    expect(comments.data.map((comment) => [comment.body, comment.user?.login])).toEqual([["Risk: low", "acme"]]);
    expect((await octokit.issues.listLabelsOnIssue({ owner: "acme", repo: "svc", issue_number: pr.number })).data.map((label) => label.name)).toEqual(["audit"]);
  });

  it("answers under /api/v3 as GitHub Enterprise Server does, with Link headers there too", async () => {
    const enterprise = client(fake.enterpriseUrl, "ghs_test");
    for (let index = 0; index < 3; index++) fake.createIssue("acme", "svc", { title: `Issue ${index}` });
    const first = await enterprise.issues.listForRepo({ owner: "acme", repo: "svc", per_page: 2 });
    expect(first.headers.link).toContain(`${fake.url}/api/v3/repos/acme/svc/issues?per_page=2&page=2`);
    expect(await enterprise.paginate(enterprise.issues.listForRepo, { owner: "acme", repo: "svc", per_page: 2 })).toHaveLength(3);
    expect((await enterprise.repos.get({ owner: "acme", repo: "svc" })).data.url).toBe(`${fake.url}/api/v3/repos/acme/svc`);
  });
});

describe("validation against GitHub's OpenAPI description", () => {
  it("answers 404 for a route or method GitHub does not have", async () => {
    const unknown = await fetch(`${fake.url}/repos/acme/svc/no-such-thing`, { headers: { authorization: "token x" } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ message: "Not Found" });
    expect((await fetch(`${fake.url}/repos/acme/svc/pulls`, { method: "DELETE", headers: { authorization: "token x" } })).status).toBe(404);
    expect(fake.requests().map((record) => record.route)).toEqual([null, null]);
  });

  it("rejects a check run without head_sha, with a wrong enum value, or with a wrongly typed path parameter", async () => {
    const noSha = await failure(invalidRequest("POST /repos/{owner}/{repo}/check-runs", { owner: "acme", repo: "svc", name: "changegate/risk" }));
    expect(noSha.status).toBe(422);
    expect(noSha.data).toMatchObject({ message: "Validation Failed", errors: [expect.objectContaining({ field: "head_sha", code: "missing_field" })] });

    const badStatus = await failure(invalidRequest("POST /repos/{owner}/{repo}/check-runs", { owner: "acme", repo: "svc", name: "x", head_sha: "a".repeat(40), status: "done" }));
    expect(badStatus.data["errors"]).toEqual([expect.objectContaining({ field: "status", code: "invalid" })]);

    const badNumber = await failure(invalidRequest("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: "acme", repo: "svc", pull_number: "abc" }));
    expect(badNumber.status).toBe(422);
    expect(badNumber.data["errors"]).toEqual([expect.objectContaining({ field: "pull_number" })]);

    const badQuery = await failure(invalidRequest("GET /repos/{owner}/{repo}/pulls", { owner: "acme", repo: "svc", state: "merged" }));
    expect(badQuery.data["errors"]).toEqual([expect.objectContaining({ field: "state" })]);

    const completedWithoutConclusion = await failure(invalidRequest("POST /repos/{owner}/{repo}/check-runs", { owner: "acme", repo: "svc", name: "x", head_sha: "a".repeat(40), status: "completed" }));
    expect(completedWithoutConclusion.data["errors"]).toEqual([expect.objectContaining({ field: "conclusion", code: "missing_field" })]);
    expect(fake.checkRuns("acme", "svc")).toEqual([]);
  });

  it("counts a check run summary in UTF-8 bytes: 65,535 pass, 65,536 fail", async () => {
    const sha = fake.branchSha("acme", "svc", "main")!;
    const run = await octokit.checks.create({ owner: "acme", repo: "svc", name: "changegate/risk", head_sha: sha });
    const summary = "é".repeat(32_768); // 32,768 characters, 65,536 bytes
    const tooLong = await failure(octokit.checks.update({ owner: "acme", repo: "svc", check_run_id: run.data.id, output: { title: "t", summary } }));
    expect(tooLong.status).toBe(422);
    expect(tooLong.data["errors"]).toEqual([expect.objectContaining({ field: "output.summary" })]);
    const text = await failure(octokit.checks.create({ owner: "acme", repo: "svc", name: "x", head_sha: sha, output: { title: "t", summary: "s", text: `${"é".repeat(32_767)}ab` } }));
    expect(text.data["errors"]).toEqual([expect.objectContaining({ field: "output.text" })]);
    await octokit.checks.update({ owner: "acme", repo: "svc", check_run_id: run.data.id, output: { title: "t", summary: `${"é".repeat(32_767)}a` } });
    expect(fake.findCheckRun("acme", "svc", run.data.id)?.output.summary).toHaveLength(32_768);
  });

  it("accepts 50 annotations per request and rejects 51", async () => {
    const sha = fake.branchSha("acme", "svc", "main")!;
    const annotations = (count: number) => Array.from({ length: count }, (_, index) => ({ path: "README.md", start_line: index + 1, end_line: index + 1, annotation_level: "notice" as const, message: `m${index}` }));
    const run = await octokit.checks.create({ owner: "acme", repo: "svc", name: "changegate/risk", head_sha: sha, output: { title: "t", summary: "s", annotations: annotations(50) } });
    const rejected = await failure(octokit.checks.update({ owner: "acme", repo: "svc", check_run_id: run.data.id, output: { title: "t", summary: "s", annotations: annotations(51) } }));
    expect(rejected.status).toBe(422);
    expect(rejected.data["errors"]).toEqual([expect.objectContaining({ field: "output.annotations" })]);
    await octokit.checks.update({ owner: "acme", repo: "svc", check_run_id: run.data.id, output: { title: "t", summary: "s", annotations: annotations(50) } });
    expect(fake.findCheckRun("acme", "svc", run.data.id)?.output.annotations).toHaveLength(100);
  });

  it("answers with bodies that match GitHub's response schemas", async () => {
    const checked = await startFakeGitHub({ validateResponses: true });
    try {
      const api = client(checked.url, "ghs_test");
      checked.addRepository({ owner: "acme", name: "svc", files: { "a.txt": "a\n" } });
      const pr = checked.openPullRequest({ owner: "acme", repo: "svc", user: "carol", changes: { "b.txt": "b\n" }, labels: ["x"] });
      checked.submitReview(pr, { user: "bob", state: "APPROVED" });
      const run = await api.checks.create({ owner: "acme", repo: "svc", name: "n", head_sha: pr.head.sha });
      await api.pulls.get({ owner: "acme", repo: "svc", pull_number: pr.number });
      await api.pulls.listFiles({ owner: "acme", repo: "svc", pull_number: pr.number });
      await api.pulls.listReviews({ owner: "acme", repo: "svc", pull_number: pr.number });
      await api.checks.listForRef({ owner: "acme", repo: "svc", ref: pr.head.sha });
      await api.checks.getSuite({ owner: "acme", repo: "svc", check_suite_id: run.data.check_suite!.id });
      await api.repos.getContent({ owner: "acme", repo: "svc", path: "a.txt" });
      await api.repos.getCommit({ owner: "acme", repo: "svc", ref: pr.head.sha });
      await api.git.getRef({ owner: "acme", repo: "svc", ref: "heads/main" });
      expect(checked.responseProblems()).toEqual([]);
    } finally {
      await checked.close();
    }
  });
});

describe("git data", () => {
  /** Appends a file to a branch the way an audit-trail writer does: blob, tree on base_tree, commit, fast-forward ref. */
  async function append(branch: string, path: string, content: string, force = false) {
    const ref = await octokit.git.getRef({ owner: "acme", repo: "svc", ref: `heads/${branch}` });
    const parent = await octokit.git.getCommit({ owner: "acme", repo: "svc", commit_sha: ref.data.object.sha });
    const blob = await octokit.git.createBlob({ owner: "acme", repo: "svc", content: Buffer.from(content).toString("base64"), encoding: "base64" });
    const tree = await octokit.git.createTree({ owner: "acme", repo: "svc", base_tree: parent.data.tree.sha, tree: [{ path, mode: "100644", type: "blob", sha: blob.data.sha }] });
    const commit = await octokit.git.createCommit({ owner: "acme", repo: "svc", message: `Add ${path}`, tree: tree.data.sha, parents: [parent.data.sha] });
    return { parent: parent.data.sha, commit: commit.data.sha, update: () => octokit.git.updateRef({ owner: "acme", repo: "svc", ref: `heads/${branch}`, sha: commit.data.sha, force }) };
  }

  it("lets a writer append files to a branch and a reader list and read them back", async () => {
    const main = fake.branchSha("acme", "svc", "main")!;
    await octokit.git.createRef({ owner: "acme", repo: "svc", ref: "refs/heads/audit", sha: main });
    await (await append("audit", "audit/2026/01/pr-1.json", '{"pr":1}\n')).update();
    await (await append("audit", "audit/2026/01/pr-2.json", '{"pr":2}\n')).update();

    const tree = await octokit.git.getTree({ owner: "acme", repo: "svc", tree_sha: "audit", recursive: "1" });
    expect(tree.data.tree.filter((entry) => entry.type === "blob").map((entry) => entry.path)).toEqual([".github/changegate.yml", "README.md", "audit/2026/01/pr-1.json", "audit/2026/01/pr-2.json"]);
    const listing = await octokit.repos.getContent({ owner: "acme", repo: "svc", path: "audit/2026/01", ref: "audit" });
    expect((listing.data as { name: string }[]).map((entry) => entry.name)).toEqual(["pr-1.json", "pr-2.json"]);
    const blobEntry = tree.data.tree.find((entry) => entry.path === "audit/2026/01/pr-2.json")!;
    const blob = await octokit.git.getBlob({ owner: "acme", repo: "svc", file_sha: blobEntry.sha! });
    expect(Buffer.from(blob.data.content, "base64").toString()).toBe('{"pr":2}\n');
    expect(fake.listFiles("acme", "svc", "audit", "audit")).toEqual(["audit/2026/01/pr-1.json", "audit/2026/01/pr-2.json"]);
    expect(fake.getFile("acme", "svc", "main", "audit/2026/01/pr-1.json")).toBeUndefined();
  });

  it("refuses a ref update that is not a fast-forward unless forced: concurrent writers conflict", async () => {
    const first = await append("main", "a.json", "1");
    const second = await append("main", "b.json", "2");
    expect(second.parent).toBe(first.parent);
    await first.update();
    const conflict = await failure(second.update());
    expect(conflict.status).toBe(422);
    expect(conflict.data["message"]).toBe("Update is not a fast forward");
    expect(fake.branchSha("acme", "svc", "main")).toBe(first.commit);
    await octokit.git.updateRef({ owner: "acme", repo: "svc", ref: "heads/main", sha: second.commit, force: true });
    expect(fake.branchSha("acme", "svc", "main")).toBe(second.commit);
    const types = (await octokit.request("GET /repos/{owner}/{repo}/activity", { owner: "acme", repo: "svc" })).data.map((activity) => activity.activity_type);
    expect(types).toEqual(["force_push", "push"]);
  });

  it("creates and updates files through the contents API with a sha precondition", async () => {
    const put = (sha?: string) => octokit.repos.createOrUpdateFileContents({ owner: "acme", repo: "svc", path: "audit/log.txt", message: "log", content: Buffer.from(`line ${sha ?? "1"}\n`).toString("base64"), ...(sha === undefined ? {} : { sha }) });
    const created = await put();
    expect(created.status).toBe(201);
    const sha = created.data.content!.sha!;
    expect(sha).toBe(blobSha("line 1\n"));
    expect((await failure(put())).status).toBe(422);
    expect((await failure(put("0".repeat(40)))).status).toBe(409);
    const updated = await put(sha);
    expect(updated.status).toBe(200);
    expect(fake.getFile("acme", "svc", "main", "audit/log.txt")).toBe(`line ${sha}\n`);
    expect((await failure(put(sha))).status).toBe(409);
  });
});

describe("HTTP behaviour", () => {
  it("answers a matching If-None-Match with 304, which does not count against the rate limit", async () => {
    const first = await octokit.repos.get({ owner: "acme", repo: "svc" });
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^W\/"[0-9a-f]{64}"$/);
    const remaining = Number(first.headers["x-ratelimit-remaining"]);
    const second = await failure(octokit.repos.get({ owner: "acme", repo: "svc", headers: { "if-none-match": etag } }));
    expect(second.status).toBe(304);
    expect(Number(second.headers["x-ratelimit-remaining"])).toBe(remaining);
    const [, notModified] = fake.requests();
    expect(notModified).toMatchObject({ status: 304, notModified: true, countsAgainstRateLimit: false });
    fake.createIssue("acme", "svc", { title: "changes the repository's open issue count" });
    expect((await octokit.repos.get({ owner: "acme", repo: "svc", headers: { "if-none-match": etag } })).status).toBe(200);
  });

  it("pages 3,000 pull request files with Link headers, and no more than 3,000", async () => {
    const files = Array.from({ length: 3005 }, (_, index) => `src/file-${String(index).padStart(4, "0")}.ts`);
    const pr = fake.openPullRequest({ owner: "acme", repo: "svc", files });
    const first = await octokit.pulls.listFiles({ owner: "acme", repo: "svc", pull_number: pr.number, per_page: 100 });
    expect(first.headers.link).toBe(
      `<${fake.url}/repos/acme/svc/pulls/${pr.number}/files?per_page=100&page=2>; rel="next", <${fake.url}/repos/acme/svc/pulls/${pr.number}/files?per_page=100&page=30>; rel="last"`,
    );
    fake.resetRequests();
    const all = await octokit.paginate(octokit.pulls.listFiles, { owner: "acme", repo: "svc", pull_number: pr.number, per_page: 100 });
    expect(all).toHaveLength(3000);
    expect(all.at(-1)?.filename).toBe("src/file-2999.ts");
    expect(fake.countRequests({ route: "GET /repos/{owner}/{repo}/pulls/{pull_number}/files" })).toBe(30);
    expect((await octokit.pulls.get({ owner: "acme", repo: "svc", pull_number: pr.number })).data.changed_files).toBe(3005);
  });

  it("injects server errors and rate limits with GitHub's headers and messages", async () => {
    fake.failNext({ status: 500, route: "GET /repos/{owner}/{repo}" });
    expect((await failure(octokit.repos.get({ owner: "acme", repo: "svc" }))).status).toBe(500);
    expect((await octokit.repos.get({ owner: "acme", repo: "svc" })).status).toBe(200);

    fake.failNext({ status: 403, rateLimit: true, count: 2, match: (method, route) => method === "GET" && route === "/repos/{owner}/{repo}/pulls" });
    const limited = await failure(octokit.pulls.list({ owner: "acme", repo: "svc" }));
    expect(limited.status).toBe(403);
    expect(limited.headers["x-ratelimit-remaining"]).toBe("0");
    expect(Number(limited.headers["x-ratelimit-reset"])).toBeGreaterThan(Date.now() / 1000);
    expect(String(limited.data["message"])).toMatch(/^API rate limit exceeded/);
    expect((await octokit.repos.get({ owner: "acme", repo: "svc" })).status).toBe(200);
    expect((await failure(octokit.pulls.list({ owner: "acme", repo: "svc" }))).status).toBe(403);
    expect((await octokit.pulls.list({ owner: "acme", repo: "svc" })).status).toBe(200);

    fake.failNext({ status: 403, rateLimit: "secondary", retryAfter: 7 });
    const secondary = await failure(octokit.repos.get({ owner: "acme", repo: "svc" }));
    expect(secondary.headers["retry-after"]).toBe("7");
    expect(String(secondary.data["message"])).toMatch(/^You have exceeded a secondary rate limit/);
    fake.failNext({ status: 429 });
    expect((await failure(octokit.repos.get({ owner: "acme", repo: "svc" }))).headers["retry-after"]).toBe("60");

    expect(fake.countRequests((record) => record.injectedFault)).toBe(5);
  });

  it("delays responses when asked", async () => {
    fake.setLatency(50);
    const started = Date.now();
    await octokit.repos.get({ owner: "acme", repo: "svc" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("authenticates a GitHub App: JWT for /app routes, installation tokens for the rest, 401 without credentials", async () => {
    const installation = fake.repository("acme", "svc").installationId!;
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOjF9.c2ln";
    expect((await fetch(`${fake.url}/app/installations/${installation}/access_tokens`, { method: "POST" })).status).toBe(401);
    expect((await fetch(`${fake.url}/repos/acme/svc`)).status).toBe(401);
    const token = await client(fake.url, jwt).request("POST /app/installations/{installation_id}/access_tokens", { installation_id: installation });
    expect(token.status).toBe(201);
    expect(token.data.token).toMatch(/^ghs_/);
    expect(Date.parse(token.data.expires_at)).toBeGreaterThan(Date.now());
    const asInstallation = client(fake.url, token.data.token);
    const repositories = await asInstallation.apps.listReposAccessibleToInstallation();
    expect(repositories.data.repositories.map((repo) => repo.full_name)).toEqual(["acme/svc"]);
    fake.addRepository({ owner: "other", name: "private" });
    expect((await failure(asInstallation.repos.get({ owner: "other", repo: "private" }))).status).toBe(404);

    expect(fake.countRequests()).toBe(5);
    expect(fake.countRequests({ excludeInstallationToken: true })).toBe(3);
    expect(fake.requests({ route: /access_tokens/ }).map((record) => [record.status, record.installationToken])).toEqual([
      [401, true],
      [201, true],
    ]);
  });

  it("works for Probot: installation auth with a real JWT, then API calls", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const probot = new Probot({ appId: fake.app.id, privateKey, baseUrl: fake.url, logLevel: "fatal" });
    const installationId = fake.repository("acme", "svc").installationId!;
    const app = await probot.auth();
    expect((await app.request("GET /repos/{owner}/{repo}/installation", { owner: "acme", repo: "svc" })).data.id).toBe(installationId);
    const installationClient = await probot.auth(installationId);
    await installationClient.request("POST /repos/{owner}/{repo}/check-runs", { owner: "acme", repo: "svc", name: "changegate/approvals", head_sha: fake.branchSha("acme", "svc", "main")!, conclusion: "neutral" });
    expect(fake.checkRuns("acme", "svc").map((run) => [run.name, run.conclusion])).toEqual([["changegate/approvals", "neutral"]]);
    expect(fake.requests().map((record) => record.route)).toEqual([
      "GET /repos/{owner}/{repo}/installation",
      "POST /app/installations/{installation_id}/access_tokens",
      "POST /repos/{owner}/{repo}/check-runs",
    ]);
  });
});

describe("webhooks", () => {
  let receiver: Server;
  let received: { headers: IncomingHttpHeaders; body: string }[];
  let url: string;
  const secret = "webhook-secret";

  beforeEach(async () => {
    received = [];
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
        response.writeHead(received.length === 1 ? 500 : 202).end("ok");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/github/webhooks`;
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it("builds events from GitHub's examples patched with the fake's state", () => {
    const pr = fake.openPullRequest({ owner: "acme", repo: "svc", user: "carol", title: "T", body: "B", labels: ["risk:low"], changes: { "a.txt": "a\n" } });
    const installation = fake.repository("acme", "svc").installationId;
    const opened = pullRequestEvent(fake, "opened", pr).payload;
    expect(opened).toMatchObject({
      action: "opened",
      number: pr.number,
      installation: { id: installation },
      repository: { full_name: "acme/svc" },
      organization: { login: "acme" },
      sender: { login: "carol" },
      pull_request: { number: pr.number, title: "T", body: "B", head: { sha: pr.head.sha, ref: pr.head.ref }, base: { ref: "main" }, user: { login: "carol" }, labels: [{ name: "risk:low" }] },
    });
    const before = pr.head.sha;
    fake.pushToPullRequest(pr, { changes: { "b.txt": "b\n" } });
    expect(pullRequestEvent(fake, "synchronize", pr).payload).toMatchObject({ before, after: pr.head.sha });
    expect(pullRequestEvent(fake, "labeled", pr, { label: "risk:low" }).payload["label"]).toMatchObject({ name: "risk:low" });
    expect(pullRequestEvent(fake, "edited", pr, { changes: { title: { from: "Old" } } }).payload["changes"]).toEqual({ title: { from: "Old" } });
    const review = fake.submitReview(pr, { user: "bob", state: "APPROVED", body: "LGTM" });
    expect(pullRequestReviewEvent(fake, "submitted", pr, review).payload).toMatchObject({ action: "submitted", review: { id: review.id, state: "approved", user: { login: "bob" }, commit_id: pr.head.sha }, sender: { login: "bob" } });
    fake.mergePullRequest(pr);
    expect(pullRequestEvent(fake, "closed", pr).payload["pull_request"]).toMatchObject({ merged: true, state: "closed" });

    const run = fake.createCheckRun("acme", "svc", { headSha: pr.head.sha, name: "changegate/risk", conclusion: "failure", actions: [{ label: "Override", description: "d", identifier: "override" }] });
    expect(checkRunEvent(fake, "requested_action", { owner: "acme", repo: "svc", run }).payload).toMatchObject({ check_run: { id: run.id, check_suite: { head_sha: pr.head.sha } }, requested_action: { identifier: "override" } });
    expect(pushEvent(fake, { owner: "acme", repo: "svc", ref: "main" }).payload).toMatchObject({ ref: "refs/heads/main", after: fake.branchSha("acme", "svc", "main") });
    const queued = fake.openPullRequest({ owner: "acme", repo: "svc", changes: { "c.txt": "c\n" } });
    const group = mergeGroupEvent(fake, queued).payload["merge_group"] as { head_sha: string; base_ref: string };
    expect(group.base_ref).toBe("refs/heads/main");
    expect(fake.getFile("acme", "svc", group.head_sha, "c.txt")).toBe("c\n");
  });

  it("delivers signed events, records deliveries, and redelivers on request", async () => {
    const pr = fake.openPullRequest({ owner: "acme", repo: "svc" });
    const event = pullRequestEvent(fake, "opened", pr);
    const result = await deliverWebhook(fake, event, { url, secret });
    expect(result.status).toBe(500);
    const [first] = received;
    expect(first?.headers).toMatchObject({ "x-github-event": "pull_request", "x-github-delivery": event.id, "content-type": "application/json" });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await verify(secret, first!.body, String(first!.headers["x-hub-signature-256"]))).toBe(true);
    expect(first!.headers["x-hub-signature-256"]).toBe(signWebhook(secret, first!.body));
    expect(JSON.parse(first!.body)).toEqual(event.payload);

    const jwt = client(fake.url, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    const deliveries = await jwt.apps.listWebhookDeliveries();
    expect(deliveries.data).toEqual([expect.objectContaining({ guid: event.id, status_code: 500, event: "pull_request", action: "opened", redelivery: false })]);
    const failed = await jwt.apps.listWebhookDeliveries({ status: "failure" } as never);
    expect(failed.data).toHaveLength(1);

    redeliverWebhooksTo(fake, { url, secret });
    await jwt.apps.redeliverWebhookDelivery({ delivery_id: result.delivery.id });
    expect(fake.redeliveries().map((request) => request.deliveryId)).toEqual([result.delivery.id]);
    expect(received).toHaveLength(2);
    expect(received[1]?.headers["x-github-delivery"]).toBe(event.id);
    const after = await jwt.apps.listWebhookDeliveries();
    expect(after.data.map((delivery) => [delivery.status_code, delivery.redelivery])).toEqual([
      [202, true],
      [500, false],
    ]);
    fake.markDeliveryFailed(after.data[0]!.id, 502);
    expect((await jwt.apps.getWebhookDelivery({ delivery_id: after.data[0]!.id })).data.status_code).toBe(502);
  });
});
