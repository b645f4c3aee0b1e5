// The environment the App's benchmarks start changegate with, against a fake GitHub: a fresh
// key, a free loopback port, production mode. A module of its own (not test/app/harness.ts),
// because the benchmarks import the App's sources by path (SRC: built or not) and the harness
// imports them statically.
import { generateKeyPairSync } from "node:crypto";
import type { OctokitLimits } from "../src/app/octokit.js";
import type { FakeGitHub } from "../test/fake-github/index.js";
import { freePort } from "../test/support/free-port.js";

export interface AppEnvironment {
  env: NodeJS.ProcessEnv;
  /** Where the started App takes webhook deliveries. */
  url: string;
}

export async function appEnvironment(fake: FakeGitHub, secret: string): Promise<AppEnvironment> {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    APP_ID: String(fake.app.id),
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: secret,
    GHE_HOST: fake.host,
    GHE_PROTOCOL: "http",
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: (process.env["BENCH_LOG_LEVEL"] ?? "fatal") as NodeJS.ProcessEnv["LOG_LEVEL"],
    LOG_FORMAT: "json",
    NODE_ENV: "production",
    // changegate's own knobs (CHANGEGATE_WRITES_AT_ONCE, ...) reach the App from the bench's environment.
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith("CHANGEGATE_"))),
  };
  return { env, url: `http://127.0.0.1:${port}/api/github/webhooks` };
}

/**
 * GitHub's write pace scaled by `writeMs` / 1 s, as the App's options give it to sources from
 * before issue 11's write queue (`writeIntervalMs`: writeMs between two writes) and after it
 * (`writes`: 80 in any rolling window of 60 × writeMs): the same production pace, scaled.
 */
export function scaledWritePace(writeMs: number): OctokitLimits {
  const before = { writeIntervalMs: writeMs };
  return { ...before, writes: { minuteMs: 60 * writeMs } };
}
