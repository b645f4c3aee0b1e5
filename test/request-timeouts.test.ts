import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Worker } from "node:worker_threads";
import { Octokit } from "@octokit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionFetch } from "../src/action/http-fetch.js";
import { actionClient } from "../src/action/octokit.js";
import { timedFetch } from "../src/app/octokit.js";
import { startFakeGitHub, type FakeGitHub } from "./fake-github/index.js";

/**
 * Issue 11, finding 4: every request of the App and of the Action ends within its deadline,
 * whether GitHub never answers or sends its answer's body and stops; the failure is an
 * ordinary failed request (status 500, no answer), so callers fail closed.
 */
let fake: FakeGitHub;
let trickle: Server;
let trickleUrl: string;

beforeAll(async () => {
  fake = await startFakeGitHub();
  fake.addRepository({ owner: "acme", name: "svc", files: { "README.md": "hello\n" } });
  // Sends the headers and half a JSON body, then nothing.
  trickle = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    response.write('{"full_name": "acme/sv');
  });
  await new Promise<void>((resolve) => trickle.listen(0, "127.0.0.1", () => resolve()));
  trickleUrl = `http://127.0.0.1:${(trickle.address() as AddressInfo).port}`;
});
afterAll(async () => {
  trickle.closeAllConnections();
  await new Promise((resolve) => trickle.close(resolve));
  await fake.close();
});

const context = (apiUrl: string) => ({ owner: "acme", repo: "svc", eventName: "pull_request", payload: {}, sha: "a".repeat(40), apiUrl, serverUrl: "https://github.com", runUrl: null, runId: null, runAttempt: null });

/**
 * GitHub on another thread answers 50 ms after it has the request, whatever this thread does;
 * meanwhile a long synchronous task (a garbage collection, a big calendar) outlasts the
 * deadline. The answer, in by then, must be taken: a request sent again would write twice.
 */
async function expectLateAnswerTaken(fetch: typeof globalThis.fetch): Promise<void> {
    const github = new Worker(
      `const { createServer } = require("node:http");
      const { parentPort } = require("node:worker_threads");
      const server = createServer((request, response) => {
        parentPort.postMessage("received");
        setTimeout(() => response.end('{"full_name":"acme/svc"}'), 50);
      });
      server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));`,
      { eval: true },
    );
    try {
      const port = await new Promise<number>((resolve) => github.once("message", resolve));
      const received = new Promise((resolve) => github.once("message", resolve));
      const answer = fetch(`http://127.0.0.1:${port}/repos/acme/svc`);
      await received;
      for (const end = Date.now() + 3_000; Date.now() < end; );
      expect(await (await answer).json()).toEqual({ full_name: "acme/svc" });
    } finally {
      await github.terminate();
    }
}

describe("the Action", () => {
  it("an answer that arrived while this process was busy past the deadline is taken, not dropped and asked for again", async () => {
    const transport = actionFetch("test", 2_000);
    try {
      await expectLateAnswerTaken(transport.fetch);
    } finally {
      transport.dispose();
    }
  });

  it("a request GitHub never answers fails after its deadline, asked twice, as a failed request", async () => {
    fake.hang({ route: "GET /repos/{owner}/{repo}", count: 2 });
    const client = actionClient("ghs_test", context(fake.url), { timeoutMs: 300 });
    const started = Date.now();
    const error = (await client.octokit.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "svc" }).catch((caught: unknown) => caught)) as { status?: number; message?: string };
    client.dispose();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ status: 500 });
    expect(error.message).toMatch(/did not answer within 0.3 s|Request timeout/);
    expect(fake.network.hung).toBeGreaterThanOrEqual(2);
  });

  it("an answer whose body stops halfway fails after the deadline instead of hanging", async () => {
    const transport = actionFetch("test", 300);
    await expect(transport.fetch(`${trickleUrl}/repos/acme/svc`)).rejects.toMatchObject({ name: "TypeError", cause: { message: "GitHub did not answer within 0.3 s" } });
    transport.dispose();
  });
});

describe("the App", () => {
  it("an answer whose body stops halfway fails the request, not an empty success", async () => {
    const octokit = new Octokit({ baseUrl: trickleUrl, request: { fetch: timedFetch(globalThis.fetch, 300) } });
    const started = Date.now();
    await expect(octokit.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "svc" })).rejects.toMatchObject({ status: 500, message: "GitHub did not answer within 0.3 s" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("an answer that arrived while this process was busy past the deadline is taken, not dropped and asked for again", async () => {
    await expectLateAnswerTaken(timedFetch(globalThis.fetch, 2_000));
  });

  it("an answer in time passes through whole: status, headers, body", async () => {
    const octokit = new Octokit({ baseUrl: fake.url, auth: "ghs_test", request: { fetch: timedFetch(globalThis.fetch, 5_000) } });
    const { status, data, headers } = await octokit.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "svc" });
    expect(status).toBe(200);
    expect(data.full_name).toBe("acme/svc");
    expect(headers["x-ratelimit-limit"]).toBeDefined();
  });
});
