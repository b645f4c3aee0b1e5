import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Octokit } from "@octokit/rest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HeldDeliveries, postWebhookBody } from "./fake-github/deliveries.js";
import { CONTENTS_MAX_BYTES } from "./fake-github/render.js";
import { startFakeGitHub, type FakeGitHub } from "./fake-github/server.js";
import { deliverWebhook, pullRequestEvent, WEBHOOK_MAX_BYTES } from "./fake-github/webhooks.js";

/** The fake GitHub's network faults and limits: what issue 11's tests provoke. */
let fake: FakeGitHub;
let octokit: Octokit;
const quiet = () => undefined;

beforeEach(async () => {
  fake = await startFakeGitHub();
  octokit = new Octokit({ baseUrl: fake.url, auth: "ghs_test", log: { debug: quiet, info: quiet, warn: quiet, error: quiet }, request: { retries: 0 } });
  fake.addRepository({ owner: "acme", name: "svc", files: { "README.md": "hello\n" } });
});
afterEach(async () => {
  await fake.close();
});

const SHA = "a".repeat(40);
const create = (signal?: AbortSignal) =>
  octokit.request("POST /repos/{owner}/{repo}/check-runs", { owner: "acme", repo: "svc", name: "changegate/risk", head_sha: SHA, status: "completed", conclusion: "success", output: { title: "t", summary: "s" }, ...(signal ? { request: { signal } } : {}) });

describe("network faults", () => {
  it("a lost answer: the run is created, the client hears nothing but a dropped connection", async () => {
    fake.loseAnswers({ route: "POST /repos/{owner}/{repo}/check-runs" });
    await expect(create()).rejects.toThrow();
    expect(fake.checkRuns("acme", "svc", { headSha: SHA })).toHaveLength(1);
    expect(fake.network.lostAnswers).toBe(1);
    expect(fake.requests({ route: "POST /repos/{owner}/{repo}/check-runs" }).map((record) => record.status)).toEqual([-1]);
    // Only the armed request: the next one is answered.
    expect((await create()).status).toBe(201);
  });

  it("a hung connection holds the request unanswered and undone until the client gives up", async () => {
    fake.hang({ route: /check-runs$/ });
    await expect(create(AbortSignal.timeout(300))).rejects.toThrow();
    expect(fake.network.hung).toBe(1);
    expect(fake.checkRuns("acme", "svc", { headSha: SHA })).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.requests({ route: "POST /repos/{owner}/{repo}/check-runs" }).map((record) => record.status)).toEqual([-1]);
  });

  it("a released hung request is answered 502 undone, or done with processOnRelease", async () => {
    fake.hang({ route: /check-runs$/ });
    const first = create();
    await new Promise((resolve) => setTimeout(resolve, 100));
    fake.releaseHung();
    await expect(first).rejects.toMatchObject({ status: 502 });
    expect(fake.checkRuns("acme", "svc", { headSha: SHA })).toHaveLength(0);

    fake.hang({ route: /check-runs$/, processOnRelease: true });
    const second = create();
    await new Promise((resolve) => setTimeout(resolve, 100));
    fake.releaseHung();
    expect((await second).status).toBe(201);
    expect(fake.checkRuns("acme", "svc", { headSha: SHA })).toHaveLength(1);
  });

  it("a primary rate limit answers 429 as well as 403, with x-ratelimit-remaining 0 and the reset", async () => {
    fake.failNext({ status: 429, rateLimit: "primary", resetInSeconds: 30 });
    const error = (await octokit.repos.get({ owner: "acme", repo: "svc" }).catch((caught: unknown) => caught)) as { status: number; response: { headers: Record<string, string> } };
    expect(error.status).toBe(429);
    expect(error.response.headers["x-ratelimit-remaining"]).toBe("0");
    expect(Number(error.response.headers["x-ratelimit-reset"]) - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(29);
  });
});

describe("GitHub's timestamps and limits", () => {
  it("a check run's completed_at is kept to the second, as GitHub keeps it", async () => {
    await octokit.request("POST /repos/{owner}/{repo}/check-runs", { owner: "acme", repo: "svc", name: "x", head_sha: SHA, status: "completed", conclusion: "success", completed_at: "2026-03-01T10:00:00.987Z", started_at: "2026-03-01T09:59:59.500Z" });
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", { owner: "acme", repo: "svc", ref: SHA });
    expect(data.check_runs[0]).toMatchObject({ completed_at: "2026-03-01T10:00:00Z", started_at: "2026-03-01T09:59:59Z" });
  });

  it("two edits in one second carry the same updated_at", async () => {
    let now = Date.parse("2026-03-01T10:00:00.100Z");
    fake.clock = () => new Date(now);
    const pull = fake.openPullRequest({ owner: "acme", repo: "svc", user: "carol", body: "one", changes: { "a.txt": "a\n" } });
    now += 300;
    fake.editPullRequest(pull, { body: "two" });
    const first = pullRequestEvent(fake, "edited", pull);
    now += 500;
    fake.editPullRequest(pull, { body: "three" });
    const second = pullRequestEvent(fake, "edited", pull);
    const updated = (event: typeof first) => (event.payload["pull_request"] as { updated_at: string; body: string });
    expect(updated(first).updated_at).toBe("2026-03-01T10:00:00Z");
    expect(updated(second).updated_at).toBe(updated(first).updated_at);
    expect([updated(first).body, updated(second).body]).toEqual(["two", "three"]);
  });

  it("a file over 1 MiB comes from the contents API without content (encoding none); its blob has it", async () => {
    const big = "x".repeat(CONTENTS_MAX_BYTES + 1);
    fake.addRepository({ owner: "acme", name: "big", files: { "big.txt": big, "small.txt": "small\n" } });
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { owner: "acme", repo: "big", path: "big.txt" });
    expect(data).toMatchObject({ type: "file", encoding: "none", content: "", size: big.length });
    const small = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { owner: "acme", repo: "big", path: "small.txt" });
    expect(small.data).toMatchObject({ encoding: "base64" });
    const blob = await octokit.request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", { owner: "acme", repo: "big", file_sha: (data as { sha: string }).sha });
    expect(Buffer.from(blob.data.content, "base64").toString("utf8")).toBe(big);
  });
});

describe("deliveries", () => {
  let received: { body: string }[];
  let server: ReturnType<typeof createServer>;
  let url: string;
  beforeEach(async () => {
    received = [];
    server = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        received.push({ body: Buffer.concat(chunks).toString("utf8") });
        response.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("held events are delivered later, in the order asked for, each with what GitHub held when it happened", async () => {
    const pull = fake.openPullRequest({ owner: "acme", repo: "svc", user: "carol", body: "one", changes: { "a.txt": "a\n" } });
    const held = new HeldDeliveries(fake, { url, secret: "s" });
    held.hold(pullRequestEvent(fake, "opened", pull));
    fake.editPullRequest(pull, { body: "two" });
    held.hold(pullRequestEvent(fake, "edited", pull));
    expect(received).toHaveLength(0);
    await held.deliver();
    expect(received.map((delivery) => (JSON.parse(delivery.body) as { action: string; pull_request: { body: string } })).map((payload) => [payload.action, payload.pull_request.body])).toEqual([
      ["edited", "two"],
      ["opened", "one"],
    ]);
  });

  it("GitHub does not deliver a payload over 25 MB", async () => {
    const pull = fake.openPullRequest({ owner: "acme", repo: "svc", user: "carol", body: "x", changes: { "a.txt": "a\n" } });
    const event = pullRequestEvent(fake, "opened", pull);
    (event.payload["pull_request"] as { body: string }).body = "x".repeat(WEBHOOK_MAX_BYTES);
    await expect(deliverWebhook(fake, event, { url, secret: "s" })).rejects.toThrow(/over 25 MB/);
    expect(received).toHaveLength(0);
  });

  it("postWebhookBody streams a body of any size in chunks", async () => {
    const result = await postWebhookBody({ url, headers: { "x-github-event": "ping" }, chunk: Buffer.alloc(64 * 1024, 0x20), repeat: 16 });
    expect(result.status).toBe(200);
    expect(result.sentBytes).toBe(1024 * 1024);
    expect(received[0]!.body.length).toBe(1024 * 1024);
  });
});
