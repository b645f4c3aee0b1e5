import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { fileURLToPath } from "node:url";
import { deliverWebhook, type DeliveryResult, type FakeGitHub, type WebhookEvent } from "../fake-github/index.js";
import type { ChangegateAppOptions } from "../../src/app/index.js";
import { SECRET } from "./harness.js";
import { freePort } from "../support/free-port.js";

/**
 * The App in a process of its own (`npm start`'s server through tsx), so that a test can
 * kill it for real (SIGKILL: no shutdown, no lock released, nothing flushed) while it has
 * work in flight, and start another one after it.
 */
export interface AppProcess {
  url: string;
  deliver(event: WebhookEvent): Promise<DeliveryResult>;
  kill(): Promise<void>;
}

const MAIN = fileURLToPath(new URL("./app-process-main.ts", import.meta.url));
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });


export async function startAppProcess(fake: FakeGitHub, options: ChangegateAppOptions = {}, env: NodeJS.ProcessEnv = {}): Promise<AppProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: {
      PATH: process.env["PATH"],
      APP_ID: String(fake.app.id),
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: fake.host,
      GHE_PROTOCOL: "http",
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: (process.env["TEST_LOG_LEVEL"] as NodeJS.ProcessEnv["LOG_LEVEL"]) ?? "fatal",
      LOG_FORMAT: "json",
      NODE_ENV: "test",
      CHANGEGATE_TEST_OPTIONS: JSON.stringify(options),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the App process did not start:\n${output}`)), 30_000);
    child.stdout?.on("data", () => {
      if (!output.includes("changegate-test: ready")) return;
      clearTimeout(timer);
      resolve();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the App process exited with ${code}:\n${output}`));
    });
  });
  const url = `http://127.0.0.1:${port}/api/github/webhooks`;
  return {
    url,
    deliver: (event) => deliverWebhook(fake, event, { url, secret: SECRET }),
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
}
