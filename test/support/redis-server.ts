import { spawn, type ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";

/**
 * A real `redis-server` (the Debian package; `.ci/run` installs it when absent) for one test
 * file: started on a free port on 127.0.0.1, in memory only (no RDB, no AOF), stopped with
 * the file. Tests talk to it with ioredis, as the App does.
 */
export interface RedisServer {
  readonly url: string;
  /** A new client (closed by `stop`). */
  client(): Redis;
  /** Sends the server a signal (SIGKILL: it dies, its clients still connected; SIGSTOP: it stops answering; SIGCONT). */
  signal(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
}


export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}:\n${output}`)), 10_000);
    const ready = () => {
      if (!/Ready to accept connections/.test(output)) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout?.on("data", ready);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run redis-server (install the redis-server package): ${error.message}`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
  const url = `redis://127.0.0.1:${port}`;
  const clients: Redis[] = [];
  return {
    url,
    client() {
      const client = new Redis(url, { maxRetriesPerRequest: 2 });
      clients.push(client);
      return client;
    },
    signal(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGCONT");
      // A client of a server gone reconnects: it is dropped, not asked to quit.
      const alive = child.exitCode === null && child.signalCode === null;
      await Promise.all(clients.map((client) => (alive ? client.quit().catch(() => undefined) : client.disconnect())));
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
