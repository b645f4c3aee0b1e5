import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DeploymentRecord } from "../../src/audit/deployment-record.js";
import { verifyChain } from "../../src/audit/chain.js";
import { HEAD_PATH, seqOfPath } from "../../src/audit/layout.js";
import { deploymentProtectionRuleEvent, deploymentStatusEvent, requestDeployment, type FakeGitHub, type ProtectionGate } from "../fake-github/index.js";
import { startLossyProxy } from "../fake-github/lost-answers.js";
import { CHANGE_REQUEST, startApp, startFake, waitFor, type App } from "./harness.js";
import { QUICK_RETRY } from "./durable-support.js";
import type { RedisLike } from "../../src/app/lock.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";

/**
 * The App as a custom deployment protection rule, end to end on the fake GitHub: signed
 * `deployment_protection_rule` and `deployment_status` webhooks in, the run's callback and
 * the audit trail out.
 */
const POLICY = "version: 1\ntimezone: UTC\napprovals: { low: { count: 1 }, medium: { count: 1 } }\n";
const BRANCH = "changegate/audit";
const CALLBACK = "POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule";

let fake: FakeGitHub;
let redisServer: RedisServer;
let repoCount = 0;
const apps: App[] = [];

beforeAll(async () => {
  fake = await startFake();
  redisServer = await startRedisServer();
});
afterAll(async () => {
  for (const app of apps) await app.stop();
  await redisServer?.stop();
  await fake?.close();
});

/** A real Redis (redis-server), emptied: each test's replicas share only their own holds. */
async function freshRedis(): Promise<() => RedisLike> {
  await redisServer.client().flushdb();
  return () => redisServer.client() as unknown as RedisLike;
}
afterEach(() => {
  const invalid = fake.requests((record) => (record.status === 422 ? !/git\/refs/.test(record.path) : record.unimplemented));
  expect(invalid.map((record) => `${record.method} ${record.path}: ${JSON.stringify(record.validationErrors ?? "unimplemented")}`)).toEqual([]);
});

async function app(options: Parameters<typeof startApp>[1] = {}, env: Parameters<typeof startApp>[3] = {}): Promise<App> {
  const started = await startApp(fake, { deployments: { retryDelaysMs: [20, 40, 80] }, ...options }, {}, env);
  apps.push(started);
  return started;
}

function repository(policy = POLICY): string {
  const name = `svc${++repoCount}`;
  fake.addRepository({ owner: "acme", name, files: { "README.md": "svc\n", ".github/changegate.yml": policy } });
  for (const login of ["alice", "bob"]) fake.setPermission("acme", name, login, "write");
  return name;
}

/** A pull request merged into main (approved by bob when `approved`), and the deployment of its merge commit waiting on the rule. */
async function mergedAndRequested(target: App, repo: string, approved = true): Promise<{ number: number; gate: ProtectionGate }> {
  const pull = fake.openPullRequest({ owner: "acme", repo, user: "carol", title: "Cache", body: CHANGE_REQUEST("normal"), changes: { "src/cache.ts": `${repo}\n` } });
  if (approved) fake.submitReview(pull, { user: "bob", state: "APPROVED" });
  const merge = fake.mergePullRequest(pull, { by: "alice" });
  const gate = requestDeployment(fake, { owner: "acme", repo, sha: merge.sha });
  return { number: pull.number, gate };
}

function deploymentRecords(repo: string): DeploymentRecord[] {
  const paths = fake.listFiles("acme", repo, BRANCH, "records").filter((path) => seqOfPath(path) !== null);
  return paths
    .map((path) => JSON.parse(fake.getFile("acme", repo, BRANCH, path)!) as DeploymentRecord)
    .filter((record) => record.kind === "deployment")
    .sort((a, b) => a.seq - b.seq);
}

function chainIntact(repo: string): boolean {
  const paths = fake.listFiles("acme", repo, BRANCH, "records").filter((path) => seqOfPath(path) !== null);
  const files = paths.map((path) => ({ path, bytes: Buffer.from(fake.getFile("acme", repo, BRANCH, path)!) }));
  const head = JSON.parse(fake.getFile("acme", repo, BRANCH, HEAD_PATH)!) as { seq: number; hash: string };
  return verifyChain(files, head).intact;
}

const stated = (gate: ProtectionGate) => gate.answers.filter((answer) => answer.state !== null);
const iso = (instant: number) => new Date(instant).toISOString();

describe("the deployment protection rule", () => {
  it("approves a deployment whose pull requests had their approvals, says why, and records the decision", async () => {
    const target = await app();
    const repo = repository();
    const { number, gate } = await mergedAndRequested(target, repo);
    // The policy is read once per process and branch: count the decision's requests with it warm, as for the other events.
    await target.service.policyAt(await target.service.clientFor(fake.repository("acme", repo).installationId!), { owner: "acme", repo, ref: "main" }, fake.repository("acme", repo).installationId!);
    fake.resetRequests();
    const delivered = await target.deliver(deploymentProtectionRuleEvent(fake, gate));
    expect(delivered.status).toBe(200);
    expect(gate.state).toBe("approved");
    expect(stated(gate)).toHaveLength(1);
    expect(gate.answers[0]!.comment).toMatch(new RegExp(`^May deploy ${gate.deployment.sha.slice(0, 7)} to production: PR #${number}, approvals satisfied`));
    const decisionRequests = fake.requests({ excludeInstallationToken: true }).filter((record) => !record.path.includes("/git/") && !record.path.includes(BRANCH) && !/contents\/(index|head)/.test(record.path));
    // The Action's gate reads the same (and the policy, which the App has cached): 7 reads and the answer
    // (who pushed the merged head among them: the last pusher's approval does not count, issue 10).
    expect(decisionRequests.map((record) => `${record.method} ${record.route}`).sort()).toEqual(
      [
        "GET GET /repos/{owner}/{repo}/activity",
        "GET GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls",
        "GET GET /repos/{owner}/{repo}/deployments",
        "GET GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
        "GET GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
        "GET GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
        "GET GET /repos/{owner}/{repo}/collaborators/{username}/permission",
        `POST ${CALLBACK}`,
      ].sort(),
    );

    const [record] = deploymentRecords(repo);
    expect(record).toMatchObject({ kind: "deployment", event: "approved", repository: `acme/${repo}`, deployment: { id: gate.deployment.id, environment: "production", sha: gate.deployment.sha, run_id: gate.runId }, decided_by: { kind: "changegate" }, pull_requests: [{ number }] });
    expect(chainIntact(repo)).toBe(true);
  });

  it("rejects at once when a pull request merged without its approvals, naming what is missing", async () => {
    const target = await app();
    const repo = repository();
    const { number, gate } = await mergedAndRequested(target, repo, false);
    await target.deliver(deploymentProtectionRuleEvent(fake, gate));
    expect(gate.state).toBe("rejected");
    expect(stated(gate)).toHaveLength(1);
    expect(gate.answers[0]!.comment).toBe(`Blocked: PR #${number} merged without its approvals: needs 1 more approval`);
    expect(deploymentRecords(repo).map((record) => record.event)).toEqual(["rejected"]);
    expect(target.started.app.deployments!.held).toBe(0);
  });

  it("holds through a freeze and approves when it ends, with no webhook and no request while it waits", async () => {
    const target = await app();
    const end = Math.ceil((Date.now() + 3_000) / 1_000) * 1_000;
    const repo = repository(POLICY + `freezes:\n  - { name: "Launch", start: "${iso(end - 3_600_000)}", end: "${iso(end)}" }\n`);
    const { gate } = await mergedAndRequested(target, repo);
    await target.deliver(deploymentProtectionRuleEvent(fake, gate));
    expect(gate.state).toBe("waiting");
    // Told why and until when, without a state: the job waits on GitHub, no runner does.
    expect(stated(gate)).toHaveLength(0);
    expect(gate.answers.map((answer) => answer.comment)).toEqual([expect.stringMatching(/^Blocked: Freeze “Launch” until .* · opens .*changegate holds this deployment/)]);
    expect(deploymentRecords(repo).map((record) => record.event)).toEqual(["held"]);
    expect(deploymentRecords(repo)[0]!.opens_at).toBe(iso(end));

    const deliveries = fake.deliveries.length;
    fake.resetRequests();
    await waitFor(() => gate.state, (state) => state === "approved", 10_000, "the hold to be released");
    expect(Date.now()).toBeGreaterThanOrEqual(end);
    // Nothing was asked of GitHub before the freeze ended.
    const early = fake.requests({ excludeInstallationToken: true }).filter((record) => record.timestamp < end);
    expect(early.map((record) => `${record.method} ${record.path}`)).toEqual([]);
    expect(fake.deliveries.length).toBe(deliveries);
    expect(stated(gate)).toHaveLength(1);
    expect(gate.answers.at(-1)!.comment).toMatch(/^May deploy/);
    // Recorded right after the answer.
    await waitFor(() => deploymentRecords(repo).map((record) => record.event).join(","), (events) => events === "held,released", 5_000, "the release to be recorded");
    expect(chainIntact(repo)).toBe(true);
  });

  it("a restart while holding loses nothing: the next process (or replica) finds the hold in Redis and releases it on time", async () => {
    const redis = await freshRedis();
    const first = await app({ redis: redis() });
    const end = Math.ceil((Date.now() + 3_000) / 1_000) * 1_000;
    const repo = repository(POLICY + `freezes:\n  - { name: "Launch", start: "${iso(end - 3_600_000)}", end: "${iso(end)}" }\n`);
    const { gate } = await mergedAndRequested(first, repo);
    await first.deliver(deploymentProtectionRuleEvent(fake, gate));
    expect(first.started.app.deployments!.held).toBe(1);
    await first.stop();

    const second = await app({ redis: redis() });
    await waitFor(() => second.started.app.deployments!.held, (held) => held === 1, 5_000, "the hold to be found again");
    await waitFor(() => gate.state, (state) => state === "approved", 10_000, "the hold to be released after the restart");
    expect(Date.now()).toBeGreaterThanOrEqual(end);
    expect(stated(gate)).toHaveLength(1);
    // Recorded right after the answer.
    await waitFor(() => deploymentRecords(repo).map((record) => record.event).join(","), (events) => events === "held,released", 5_000, "the release to be recorded");
  });

  it("without Redis, a restart finds the hold again through GitHub's deliveries, and leaves an answered run alone", async () => {
    const first = await app();
    const end = Math.ceil((Date.now() + 3_000) / 1_000) * 1_000;
    const repo = repository(POLICY + `freezes:\n  - { name: "Launch", start: "${iso(end - 3_600_000)}", end: "${iso(end)}" }\n`);
    const { gate } = await mergedAndRequested(first, repo);
    await first.deliver(deploymentProtectionRuleEvent(fake, gate));
    // Another run, answered already, that still waits on the environment (say, on a reviewer).
    const answered = (await mergedAndRequested(first, repository())).gate;
    await first.deliver(deploymentProtectionRuleEvent(fake, answered));
    expect(answered.state).toBe("approved");
    answered.state = "waiting";
    await first.stop();

    const second = await app();
    expect(second.started.app.deployments!.held).toBe(0);
    expect(await second.started.app.deployments!.recover()).toBe(1);
    expect(second.started.app.deployments!.held).toBe(1);
    await waitFor(() => gate.state, (state) => state === "approved", 10_000, "the hold to be released after the restart");
    expect(Date.now()).toBeGreaterThanOrEqual(end);
    expect(stated(gate)).toHaveLength(1);
    expect(stated(answered)).toHaveLength(1);
    await waitFor(() => deploymentRecords(repo).map((record) => record.event).join(","), (events) => events === "held,released", 5_000, "the release to be recorded");
  });

  it("a redelivered webhook is answered once", async () => {
    const target = await app();
    const repo = repository();
    const { gate } = await mergedAndRequested(target, repo);
    const event = deploymentProtectionRuleEvent(fake, gate);
    await target.deliver(event);
    await target.deliver(event);
    await Promise.all([target.deliver(event), target.deliver(event)]);
    expect(gate.answers).toHaveLength(1);
    expect(deploymentRecords(repo).map((record) => record.event)).toEqual(["approved"]);
  });

  it("two replicas given the same webhook at once answer once", async () => {
    const redis = await freshRedis();
    const replicas = [await app({ redis: redis() }), await app({ redis: redis() })];
    const repo = repository();
    const { gate } = await mergedAndRequested(replicas[0]!, repo);
    const event = deploymentProtectionRuleEvent(fake, gate);
    await Promise.all(replicas.map((replica) => replica.deliver(event)));
    expect(gate.answers).toHaveLength(1);
  });

  it("a callback that fails with a 5xx before GitHub took it is sent again", async () => {
    const target = await app();
    const repo = repository();
    const { gate } = await mergedAndRequested(target, repo);
    fake.failNext({ status: 502, route: CALLBACK });
    await target.deliver(deploymentProtectionRuleEvent(fake, gate));
    // The run still waited after the 502, so the answer went out again: one answer taken.
    expect(gate.state).toBe("approved");
    expect(gate.answers).toHaveLength(1);
  });

  it("a deployment GitHub's 5xx kept changegate from deciding is decided by the delivery's own retries, with no redelivery, and answered once", async () => {
    const target = await app({ deliveryRetry: QUICK_RETRY });
    const repo = repository();
    const { gate } = await mergedAndRequested(target, repo);
    fake.failNext({ status: 502, count: 10_000, route: "GET /repos/{owner}/{repo}/deployments" });
    const delivered = await target.deliver(deploymentProtectionRuleEvent(fake, gate));
    // Fail closed: nothing answered, the delivery failed.
    expect(delivered.status).toBe(500);
    expect(gate.state).toBe("waiting");
    fake.clearFaults();
    // The redelivery loop is off (background: false): only the job's retries can decide it.
    await waitFor(() => gate.state, (state) => state === "approved", 10_000, "the retried decision");
    await target.started.app.deliveries!.idle();
    expect(gate.answers).toHaveLength(1);
    expect(deploymentRecords(repo).map((record) => record.event)).toEqual(["approved"]);
  });

  for (const as of ["502", "reset"] as const) {
    it(`a callback whose answer was lost (${as}) is not sent twice`, async () => {
      // Through a proxy that lets GitHub take the answer and then loses GitHub's reply.
      const proxy = await startLossyProxy(fake.url);
      try {
        const target = await app({}, { GHE_HOST: proxy.host });
        const repo = repository();
        const { gate } = await mergedAndRequested(target, repo);
        proxy.loseNext({ route: CALLBACK, as });
        fake.resetRequests();
        const delivered = await target.deliver(deploymentProtectionRuleEvent(fake, gate));
        expect(delivered.status).toBe(200);
        expect(proxy.lost).toEqual([{ route: CALLBACK, upstreamStatus: 204 }]);
        // The run's pending deployments showed the answer had landed: nothing was sent twice.
        expect(gate.state).toBe("approved");
        expect(gate.answers).toHaveLength(1);
        expect(fake.requests({ route: "GET /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments" })).toHaveLength(1);
        expect(deploymentRecords(repo).map((record) => record.event)).toEqual(["approved"]);
      } finally {
        await proxy.close();
      }
    });
  }
});

describe("deployment outcomes", () => {
  it("each status is recorded once however often delivered; the PR gets one comment, updated, with where it shipped and, on failure, its rollback plan", async () => {
    const target = await app();
    const repo = repository();
    const { number, gate } = await mergedAndRequested(target, repo);
    await target.deliver(deploymentProtectionRuleEvent(fake, gate));
    fake.addDeploymentStatus("acme", repo, gate.deployment.id, "in_progress");
    await target.deliver(deploymentStatusEvent(fake, { owner: "acme", repo, deploymentId: gate.deployment.id }));
    fake.addDeploymentStatus("acme", repo, gate.deployment.id, "success", { creator: "github-actions[bot]" });
    const success = deploymentStatusEvent(fake, { owner: "acme", repo, deploymentId: gate.deployment.id });
    await target.deliver(success);
    await target.deliver(success);
    expect(deploymentRecords(repo).map((record) => record.event)).toEqual(["approved", "success"]);
    expect(deploymentRecords(repo)[1]).toMatchObject({ decided_by: { kind: "github", login: "github-actions[bot]" }, pull_requests: [{ number }], deployment: { run_id: gate.runId } });
    const shipped = () => fake.comments("acme", repo, number).filter((comment) => comment.body.startsWith("<!-- changegate:shipped -->"));
    expect(shipped()).toHaveLength(1);
    expect(shipped()[0]!.body).toMatch(/- \*\*production\*\*: shipped .* \(deployment \d+, commit `[0-9a-f]{7}`\)/);

    // The same commit to staging fails: the one comment gains a line, with the rollback plan.
    const staging = requestDeployment(fake, { owner: "acme", repo, sha: gate.deployment.sha, environment: "staging" });
    await target.deliver(deploymentProtectionRuleEvent(fake, staging));
    fake.addDeploymentStatus("acme", repo, staging.deployment.id, "failure");
    const failure = deploymentStatusEvent(fake, { owner: "acme", repo, deploymentId: staging.deployment.id });
    await target.deliver(failure);
    await target.deliver(failure);
    expect(deploymentRecords(repo).map((record) => `${record.deployment.environment} ${record.event}`)).toEqual(["production approved", "production success", "staging approved", "staging failure"]);
    expect(shipped()).toHaveLength(1);
    expect(shipped()[0]!.body).toContain("**production**: shipped");
    expect(shipped()[0]!.body).toMatch(/\*\*staging\*\*: the deployment failed .*\[Rollback plan\]\(.*\/pull\/\d+\) from the change request:\n\n```\n1\. helm rollback\n```/);
    expect(chainIntact(repo)).toBe(true);
  });

  it("a status GitHub's 5xx kept from the trail is recorded by the delivery's own retries, once", async () => {
    const target = await app({ deliveryRetry: QUICK_RETRY });
    const repo = repository();
    const { gate } = await mergedAndRequested(target, repo);
    await target.deliver(deploymentProtectionRuleEvent(fake, gate));
    fake.addDeploymentStatus("acme", repo, gate.deployment.id, "success", { creator: "github-actions[bot]" });
    fake.failNext({ status: 502, count: 10_000, route: "POST /repos/{owner}/{repo}/git/trees" });
    const delivered = await target.deliver(deploymentStatusEvent(fake, { owner: "acme", repo, deploymentId: gate.deployment.id }));
    expect(delivered.status).toBe(500);
    expect(deploymentRecords(repo).map((record) => record.event)).toEqual(["approved"]);
    fake.clearFaults();
    await waitFor(() => deploymentRecords(repo).map((record) => record.event), (events) => events.length === 2, 10_000, "the retried record");
    await target.started.app.deliveries!.idle();
    expect(deploymentRecords(repo).map((record) => record.event)).toEqual(["approved", "success"]);
    expect(chainIntact(repo)).toBe(true);
  });

  it("a deployment GitHub marks inactive is recorded as rolled back only when an older commit replaced it", async () => {
    const target = await app();
    const repo = repository();
    const deployAndSucceed = async (gate: ProtectionGate) => {
      await target.deliver(deploymentProtectionRuleEvent(fake, gate));
      fake.addDeploymentStatus("acme", repo, gate.deployment.id, "success");
      await target.deliver(deploymentStatusEvent(fake, { owner: "acme", repo, deploymentId: gate.deployment.id }));
    };
    const first = (await mergedAndRequested(target, repo)).gate;
    await deployAndSucceed(first);
    const second = (await mergedAndRequested(target, repo)).gate;
    await deployAndSucceed(second);
    // The first deployment is superseded by a newer commit: inactive, but no rollback.
    fake.addDeploymentStatus("acme", repo, first.deployment.id, "inactive");
    await target.deliver(deploymentStatusEvent(fake, { owner: "acme", repo, deploymentId: first.deployment.id }));
    expect(deploymentRecords(repo).map((record) => record.event)).toEqual(["approved", "success", "approved", "success"]);

    // The first commit deployed again: the second deployment goes inactive, replaced by an older commit.
    const back = requestDeployment(fake, { owner: "acme", repo, sha: first.deployment.sha });
    await deployAndSucceed(back);
    fake.addDeploymentStatus("acme", repo, second.deployment.id, "inactive");
    const inactive = deploymentStatusEvent(fake, { owner: "acme", repo, deploymentId: second.deployment.id });
    await target.deliver(inactive);
    await target.deliver(inactive);
    const records = deploymentRecords(repo);
    expect(records.map((record) => record.event)).toEqual(["approved", "success", "approved", "success", "approved", "success", "rolled-back"]);
    expect(records.at(-1)).toMatchObject({ deployment: { id: second.deployment.id, sha: second.deployment.sha } });
  });

  it("an environment the rule never decided and the policy does not gate is not recorded", async () => {
    const target = await app();
    const repo = repository();
    const deployment = fake.addDeployment("acme", repo, { sha: fake.branchSha("acme", repo, "main")!, environment: "preview-42", statuses: ["success"] });
    await target.deliver(deploymentStatusEvent(fake, { owner: "acme", repo, deploymentId: deployment.id }));
    expect(fake.listFiles("acme", repo, BRANCH, "records")).toEqual([]);
  });
});
