// What an unauthenticated sender costs the App (issue 11, finding 10): bodies of 100, 300
// and 500 MB with a wrong signature POSTed to the webhook endpoint of the App as `npm start`
// runs it; the process's peak resident memory is sampled while each is sent, and the answer
// and the bytes the sender got out before it are reported.
//
//   node --import tsx bench/webhook-memory.bench.ts        (npm run bench runs it)
//   BENCH_MB=100,300,500 BENCH_SRC=<another checkout>/src ...
import { generateKeyPairSync } from "node:crypto";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type * as ServerModule from "../src/app/server.js";
import { postWebhookBody, startFakeGitHub } from "../test/fake-github/index.js";
import { freePort } from "../test/support/free-port.js";

const SIZES = (process.env["BENCH_MB"] ?? "100,300,500").split(",").map(Number);
const SRC = resolve(process.env["BENCH_SRC"] ?? new URL("../src", import.meta.url).pathname);
const MB = 1024 * 1024;


const fake = await startFakeGitHub();
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const port = await freePort();
const env: NodeJS.ProcessEnv = { APP_ID: String(fake.app.id), PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "s", GHE_HOST: fake.host, GHE_PROTOCOL: "http", PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "fatal", LOG_FORMAT: "json", NODE_ENV: "production" };
const { startChangegate } = (await import(pathToFileURL(`${SRC}/app/server.ts`).href)) as typeof ServerModule;
const started = await startChangegate(env, { background: false }, {});
const url = `http://127.0.0.1:${port}/api/github/webhooks`;
console.log(`webhook memory: wrong-signature bodies to ${url}, src ${SRC} (sender and App in one process)`);
for (const size of SIZES) {
  for (const chunked of [false, true]) {
    globalThis.gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const result = await postWebhookBody({
      url,
      headers: { "x-github-event": "ping", "x-github-delivery": "d", "x-hub-signature-256": `sha256=${"0".repeat(64)}`, ...(chunked ? { "transfer-encoding": "chunked" } : {}) },
      chunk: Buffer.alloc(MB, 0x20),
      repeat: size,
    });
    clearInterval(sampler);
    console.log(`  ${String(size).padStart(3)} MB ${chunked ? "chunked       " : "content-length"}: ${result.status === 0 ? "connection closed (the 413 unread)" : `answered ${result.status}`} after ${(result.sentBytes / MB).toFixed(0)} MB sent; resident memory +${((peak - base) / MB).toFixed(0)} MB at most`);
    await new Promise((done) => setTimeout(done, 200));
  }
}
await started.stop({ drainMs: 500 });
await fake.close();
process.exit(0);
