import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Runs the committed bundle as GitHub's runner does: `node action/dist/index.js` in a child
 * process, inputs as INPUT_* variables, the event payload in a file at GITHUB_EVENT_PATH,
 * outputs and summary written to the files GITHUB_OUTPUT and GITHUB_STEP_SUMMARY name.
 * (Asynchronously: the fake GitHub server answering it lives in the test's own process.)
 */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BUNDLE = join(ROOT, "action", "dist", "index.js");

/** Builds the bundle from the sources as they are (CI also checks it is committed fresh): once per test file, before its runs. */
export function buildBundle(): void {
  execFileSync(process.execPath, ["scripts/build-action.js", "--quiet"], { cwd: ROOT });
}

let examples: { name: string; examples: Record<string, unknown>[] }[] | null = null;
/** A real webhook payload from @octokit/webhooks-examples (a copy): the first of `name`, with `action` when given. */
export function webhookExample(name: string, action?: string): Record<string, unknown> {
  examples ??= JSON.parse(readFileSync(createRequire(import.meta.url).resolve("@octokit/webhooks-examples/api.github.com/index.json"), "utf8")) as { name: string; examples: Record<string, unknown>[] }[];
  const found = examples.find((entry) => entry.name === name)!.examples.find((payload) => action === undefined || payload["action"] === action);
  return structuredClone(found!);
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** Workflow commands the step printed: `::error file=...::message` and the like. */
  annotations: { level: string; properties: string; message: string }[];
  /** Wall-clock milliseconds from spawn to exit. */
  elapsedMs: number;
}

export interface ActionRunOptions {
  inputs: Record<string, string>;
  eventName: string;
  payload: unknown;
  repository: string;
  sha: string;
  apiUrl: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export async function runAction(options: ActionRunOptions): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), "changegate-action-"));
  try {
    const eventPath = join(dir, "event.json");
    const outputPath = join(dir, "output");
    const summaryPath = join(dir, "summary.md");
    writeFileSync(eventPath, JSON.stringify(options.payload));
    writeFileSync(outputPath, "");
    writeFileSync(summaryPath, "");
    const env: Record<string, string> = {
      PATH: process.env["PATH"] ?? "",
      HOME: dir,
      RUNNER_TEMP: dir,
      GITHUB_ACTIONS: "true",
      GITHUB_EVENT_NAME: options.eventName,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: options.repository,
      GITHUB_SHA: options.sha,
      GITHUB_API_URL: options.apiUrl,
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_RUN_ID: "4242",
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      ...Object.fromEntries(Object.entries(options.inputs).map(([name, value]) => [`INPUT_${name.replace(/ /g, "_").toUpperCase()}`, value])),
      ...options.env,
    };
    const started = performance.now();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BUNDLE], { env, cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
      child.on("error", reject);
      child.on("close", (exit) => {
        clearTimeout(timer);
        resolve({ code: exit, stdout: out, stderr: err });
      });
    });
    return {
      code,
      stdout,
      stderr,
      outputs: parseOutputs(readFileSync(outputPath, "utf8")),
      summary: readFileSync(summaryPath, "utf8"),
      annotations: [...stdout.matchAll(/^::(error|warning|notice)( [^:]*)?::(.*)$/gm)].map((match) => ({
        level: match[1]!,
        properties: (match[2] ?? "").trim(),
        message: decodeCommand(match[3]!),
      })),
      elapsedMs: performance.now() - started,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The GITHUB_OUTPUT file: `name<<DELIMITER`, value lines, `DELIMITER`. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (match) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== match[2]; i++) value.push(lines[i]!);
      outputs[match[1]!] = value.join("\n");
    } else if (lines[i]!.includes("=")) {
      const [name, ...rest] = lines[i]!.split("=");
      outputs[name!] = rest.join("=");
    }
  }
  return outputs;
}

function decodeCommand(text: string): string {
  return text.replace(/%0A/g, "\n").replace(/%0D/g, "\r").replace(/%25/g, "%");
}
