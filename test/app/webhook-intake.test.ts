import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postWebhookBody, pullRequestEvent, type FakeGitHub } from "../fake-github/index.js";
import { CHANGE_REQUEST, conclusions, SECRET, startApp, startFake, type App } from "./harness.js";

/**
 * Issue 11, finding 10: what reaches the webhook endpoint unauthenticated costs at most one
 * capped body. Over 25 MB is refused with 413 without the rest being read; the signature is
 * computed as the body streams; bytes that are not UTF-8 under a good signature are said
 * to be so, not "bad signature".
 */
let fake: FakeGitHub;
let app: App;
const MB = 1024 * 1024;

beforeAll(async () => {
  fake = await startFake();
  app = await startApp(fake);
  fake.addRepository({ owner: "acme", name: "svc", files: { ".github/changegate.yml": "version: 1\ntimezone: UTC\napprovals: { medium: { count: 0 } }\n" } });
});
afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

const headers = (signature: string) => ({ "x-github-event": "pull_request", "x-github-delivery": "11111111-2222-3333-4444-555555555555", "x-hub-signature-256": signature });
const sign = (body: Buffer) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

describe("the webhook endpoint", () => {
  it("a body declared over 25 MB is refused with 413 before it is read", async () => {
    const result = await postWebhookBody({ url: app.url, headers: headers("sha256=" + "0".repeat(64)), chunk: Buffer.alloc(MB, 0x20), repeat: 30 });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toMatchObject({ error: expect.stringMatching(/over GitHub's 26214400-byte cap/) });
    // Answered long before the 30 MB were sent.
    expect(result.sentBytes).toBeLessThan(30 * MB);
  });

  it("a chunked body (no length up front) is cut off with 413 once it passes 25 MB", async () => {
    const result = await postWebhookBody({ url: app.url, headers: { ...headers("sha256=" + "0".repeat(64)), "transfer-encoding": "chunked" }, chunk: Buffer.alloc(MB, 0x20), repeat: 60 });
    // The 413, or (a sender still writing when the connection closes may not read it) no answer.
    expect([413, 0]).toContain(result.status);
    expect(result.sentBytes).toBeLessThan(60 * MB);
    // The App goes on serving.
    expect((await fetch(app.url.replace("/api/github/webhooks", "/healthz"))).status).toBe(200);
  });

  it("bytes that are not UTF-8 under a good signature are a 400 that says so", async () => {
    const body = Buffer.concat([Buffer.from('{"action":"opened","x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const result = await postWebhookBody({ url: app.url, headers: headers(sign(body)), chunk: body });
    expect(result.status).toBe(400);
    expect(result.body).toMatch(/not valid UTF-8/);
    expect(result.body).not.toMatch(/signature does not match/);
  });

  it("a wrong signature is a 400 after streaming; a right one is handled", async () => {
    const wrong = await postWebhookBody({ url: app.url, headers: headers("sha256=" + "0".repeat(64)), chunk: Buffer.from('{"action":"opened"}') });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatch(/signature does not match/);

    const pull = fake.openPullRequest({ owner: "acme", repo: "svc", user: "carol", body: CHANGE_REQUEST("normal"), changes: { "a.txt": "a\n" } });
    const event = pullRequestEvent(fake, "opened", pull);
    const body = Buffer.from(JSON.stringify(event.payload));
    const right = await postWebhookBody({ url: app.url, headers: { ...headers(sign(body)), "x-github-delivery": event.id }, chunk: body });
    expect(right.status).toBe(200);
    expect(conclusions(fake, "acme", "svc", pull.head.sha)).toEqual(["success", "success", "success"]);
  });

  it("other paths and methods are not the endpoint's", async () => {
    expect((await fetch(app.url, { method: "GET" })).status).toBe(404);
    expect((await fetch(app.url, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" })).status).toBe(415);
    expect((await fetch(app.url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(400);
  });
});
