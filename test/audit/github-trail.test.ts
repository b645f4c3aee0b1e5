import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChain } from "../../src/audit/chain.js";
import { appendRecord, findRecorded, readTrailFromGitHub, TrailGroups } from "../../src/audit/github-trail.js";
import { tmpdir } from "node:os";
import { recordPath } from "../../src/audit/layout.js";
import { startFakeGitHub, type FakeGitHub } from "../fake-github/index.js";
import { runCli } from "../support/cli.js";
import { startLossyProxy } from "../fake-github/lost-answers.js";
import { changeRecord } from "../support/trail.js";

let fake: FakeGitHub;
let client: Octokit;
const T0 = Date.parse("2026-11-02T00:00:00Z");
const QUIET = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const trail = { owner: "acme", repo: "audit", branch: "changegate/audit" };

beforeAll(async () => {
  fake = await startFakeGitHub();
  fake.addRepository({ owner: "acme", name: "audit", files: { "README.md": "trail\n" } });
  client = new Octokit({ baseUrl: fake.url, auth: "token", log: QUIET });
});
afterAll(async () => fake?.close());

const append = (number: number) => appendRecord(client, trail, { repository: "acme/shop", number }, async () => changeRecord({ number, mergedAt: T0 + number * 60_000 }), { backoffMs: () => 1 });

describe("appendRecord on the git data API", () => {
  it("costs the same requests whatever the trail's length: 4 to create the branch, 5 for each append after", async () => {
    fake.resetRequests();
    await append(1);
    const first = fake.requests().map((request) => request.route);
    expect(first).toEqual([
      "GET /repos/{owner}/{repo}/branches/{branch}",
      "POST /repos/{owner}/{repo}/git/trees",
      "POST /repos/{owner}/{repo}/git/commits",
      "POST /repos/{owner}/{repo}/git/refs",
    ]);
    const perAppend: number[] = [];
    for (let number = 2; number <= 40; number++) {
      fake.resetRequests();
      await append(number);
      perAppend.push(fake.countRequests());
    }
    expect(new Set(perAppend)).toEqual(new Set([5]));
    const { files, head } = await readTrailFromGitHub(client, trail);
    expect(verifyChain(files, head)).toMatchObject({ intact: true, count: 40 });
  });

  it("a merge already recorded is found in the index: two reads, no write, the builder not called", async () => {
    fake.resetRequests();
    let built = 0;
    const again = await appendRecord(client, trail, { repository: "acme/shop", number: 7 }, async () => {
      built++;
      return changeRecord({ number: 7, mergedAt: T0 });
    });
    expect(again).toMatchObject({ status: "already-recorded", seq: 7 });
    expect(built).toBe(0);
    expect(fake.requests().map((request) => request.method)).toEqual(["GET", "GET"]);
    expect(await findRecorded(client, trail, { repository: "ACME/shop", number: 7 })).toMatchObject({ seq: 7 });
    expect(await findRecorded(client, trail, { repository: "acme/shop", number: 999 })).toBeNull();
  });

  it("simultaneous appends in one process are one group commit: every record once, chained in order, one tree, commit and ref update", async () => {
    const numbers = Array.from({ length: 15 }, (_, index) => 100 + index);
    fake.resetRequests();
    const results = await Promise.all([...numbers, ...numbers.slice(0, 5)].map((number) => append(number)));
    expect(results.filter((result) => result.status === "appended").map((result) => result.seq)).toEqual(Array.from({ length: 15 }, (_, index) => 41 + index));
    // A second delivery of a merge in the same batch follows the first: the same record.
    expect(results.slice(15).map((result) => [result.status, result.seq])).toEqual(numbers.slice(0, 5).map((_, index) => ["already-recorded", 41 + index]));
    const writes = fake.requests((request) => request.method !== "GET");
    expect(writes.map((request) => request.route)).toEqual(["POST /repos/{owner}/{repo}/git/trees", "POST /repos/{owner}/{repo}/git/commits", "PATCH /repos/{owner}/{repo}/git/refs/{ref}"]);
    const { files, head } = await readTrailFromGitHub(client, trail);
    expect(verifyChain(files, head)).toMatchObject({ intact: true, count: 55 });
    for (const number of numbers) expect(await findRecorded(client, trail, { repository: "acme/shop", number })).toMatchObject({ seq: 41 + numbers.indexOf(number) });
  });

  it("appends arriving while a batch commits go in the next batch, not one commit each", async () => {
    fake.setLatency(40, (method) => method !== "GET");
    try {
      fake.resetRequests();
      // The first record is answered only once the batch behind it is written too (its
      // caller's comment would otherwise queue ahead of that batch's writes).
      const first = append(200).then((result) => ({ result, commitsWhenAnswered: fake.countRequests({ route: "POST /repos/{owner}/{repo}/git/commits" }) }));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const later = await Promise.all(Array.from({ length: 8 }, (_, index) => append(201 + index)));
      expect(await first).toMatchObject({ result: { status: "appended" }, commitsWhenAnswered: 2 });
      expect(later.map((result) => result.status)).toEqual(Array(8).fill("appended"));
      expect(fake.countRequests({ route: "POST /repos/{owner}/{repo}/git/commits" })).toBe(2);
    } finally {
      fake.setLatency(0);
    }
  });

  it("two writers that do not share a process (replicas without a lock, or the Action) still both land: fast-forward only, never forced", async () => {
    const [one, other] = [new TrailGroups(), new TrailGroups()];
    const at = (groups: TrailGroups, number: number) => appendRecord(client, trail, { repository: "acme/other", number }, async () => changeRecord({ number, mergedAt: T0 + number * 60_000 }), { backoffMs: () => 1, groups });
    fake.resetRequests();
    const results = await Promise.all(Array.from({ length: 6 }, (_, index) => at(index % 2 === 0 ? one : other, 300 + index)));
    expect(results.filter((result) => result.status === "appended")).toHaveLength(6);
    const { files, head } = await readTrailFromGitHub(client, trail);
    expect(verifyChain(files, head)).toMatchObject({ intact: true, count: 55 + 9 + 6 });
    expect(fake.requests((request) => request.method === "PATCH" && request.status === 422).length).toBeGreaterThan(0);
    expect(fake.requests((request) => request.method === "PATCH" && JSON.stringify(request.body).includes('"force":true'))).toEqual([]);
  });

  it("changegate audit verify --repo reads the trail through the API, and names a record edited on the branch", async () => {
    const env = { GITHUB_API_URL: fake.url, GITHUB_TOKEN: "token" };
    const intact = await runCli(["audit", "verify", "--repo", "acme/audit"], { cwd: tmpdir(), env });
    expect(intact.exit).toBe(0);
    expect(intact.stdout).toMatch(/^acme\/audit@changegate\/audit: intact, 70 records; newest 70/);
    const path = recordPath(20);
    const text = fake.getFile("acme", "audit", "changegate/audit", path)!;
    fake.setFile("acme", "audit", "changegate/audit", path, text.replace('"bypassed":false', '"bypassed":true'));
    const broken = await runCli(["audit", "verify", "--repo", "acme/audit"], { cwd: tmpdir(), env });
    expect(broken.exit).toBe(1);
    expect(broken.stdout).toContain(`BROKEN at record 20: ${path} was edited`);
    expect((await runCli(["audit", "verify", "--repo", "nope"], { cwd: tmpdir(), env })).stderr).toContain('--repo expects OWNER/NAME; got "nope"');
  });

  it("a ref update whose answer is lost (the branch moved, the client saw a 502 or a reset) is an append, found by where the branch points", async () => {
    const proxy = await startLossyProxy(fake.url);
    try {
      const lossy = new Octokit({ baseUrl: proxy.url, auth: "token", log: QUIET, request: { retries: 0 } });
      proxy.loseNext({ route: "PATCH /repos/{owner}/{repo}/git/refs/{ref}" });
      const appended = await appendRecord(lossy, trail, { repository: "acme/lost", number: 1 }, async () => changeRecord({ number: 1, mergedAt: T0 }));
      expect(appended.status).toBe("appended");
      proxy.loseNext({ route: "PATCH /repos/{owner}/{repo}/git/refs/{ref}", as: "reset" });
      const second = await appendRecord(lossy, trail, { repository: "acme/lost", number: 2 }, async () => changeRecord({ number: 2, mergedAt: T0 }));
      expect(second).toMatchObject({ status: "appended", seq: appended.seq + 1 });
      expect(proxy.lost).toHaveLength(2);
      // Each written once (an earlier test edited record 20, so the chain as a whole is not checked here).
      expect(await findRecorded(client, trail, { repository: "acme/lost", number: 1 })).toMatchObject({ seq: appended.seq });
      expect(await findRecorded(client, trail, { repository: "acme/lost", number: 2 })).toMatchObject({ seq: appended.seq + 1 });
      expect(fake.listFiles("acme", "audit", "changegate/audit", "records")).toHaveLength(appended.seq + 1);
    } finally {
      await proxy.close();
    }
  });

  it("an API error other than a conflict is not retried here: it reaches the door, which fails closed", async () => {
    fake.failNext({ status: 500, route: "POST /repos/{owner}/{repo}/git/trees", count: 5 });
    await expect(appendRecord(new Octokit({ baseUrl: fake.url, auth: "token", log: QUIET }), trail, { repository: "acme/shop", number: 500 }, async () => changeRecord({ number: 500, mergedAt: T0 }))).rejects.toMatchObject({ status: 500 });
    fake.clearFaults();
    expect(await findRecorded(client, trail, { repository: "acme/shop", number: 500 })).toBeNull();
  });
  it("with gatherMs, appends that come within it share the first one's commit", async () => {
    fake.resetRequests();
    const spread = Array.from({ length: 5 }, (_, index) =>
      new Promise((resolve) => setTimeout(resolve, index * 10)).then(() =>
        appendRecord(client, trail, { repository: "acme/gather", number: index + 1 }, async () => changeRecord({ number: index + 1, mergedAt: T0 }), { gatherMs: 400 }),
      ),
    );
    expect((await Promise.all(spread)).map((result) => result.status)).toEqual(Array(5).fill("appended"));
    expect(fake.countRequests({ route: "POST /repos/{owner}/{repo}/git/commits" })).toBe(1);
  });
});
