import type { IncomingMessage } from "node:http";
import { HttpClient } from "@actions/http-client";

/**
 * A `fetch` for Octokit over `@actions/http-client`, which `@actions/core` loads anyway:
 * Node's own `fetch` loads a second HTTP stack on first use (about 35 ms of a cold start)
 * and holds the process open for its idle sockets, while this one reuses what is already
 * there and honours the runner's proxy variables (`https_proxy`, `no_proxy`).
 */
export interface ActionFetch {
  fetch: typeof globalThis.fetch;
  /** Closes the kept-alive sockets so the process can end at once. */
  dispose(): void;
}

/** The longest one request may take, answer and body: a job must not hang until its own timeout (6 h by default). */
export const REQUEST_TIMEOUT_MS = 10_000;

export function actionFetch(userAgent = "changegate-action", timeoutMs = REQUEST_TIMEOUT_MS): ActionFetch {
  // No socket timeout of its own (the client's default, 3 min, stays as a last resort): the
  // deadline below covers the whole exchange, and a socket timer firing late would drop an
  // answer already in.
  const client = new HttpClient(userAgent, [], { keepAlive: true, allowRetries: false });
  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries((init.headers ?? {}) as Record<string, string>)) headers[name.toLowerCase()] = String(value);
    const noAnswer = () => Object.assign(new TypeError("fetch failed"), { cause: new Error(`GitHub did not answer within ${timeoutMs / 1_000} s`) });
    let timer: NodeJS.Timeout | undefined;
    let message: IncomingMessage | undefined;
    let settled = false;
    // One deadline for the whole exchange; the socket timeout alone would let a trickling body go on.
    // A timer that fires late (this process was busy past the deadline) gives up only after the
    // I/O already in has been read (setImmediate runs after it): an answer that arrived meanwhile
    // is taken, not dropped and its request sent again (a PATCH written twice).
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          setImmediate(() => {
            if (settled) return;
            message?.destroy();
            reject(noAnswer());
          }),
        timeoutMs,
      );
    });
    try {
      let response;
      try {
        response = await Promise.race([client.request(init.method ?? "GET", url, typeof init.body === "string" ? init.body : null, headers), deadline]);
      } catch (error) {
        throw error instanceof TypeError ? error : Object.assign(new TypeError("fetch failed"), { cause: error });
      }
      message = response.message;
      const body = await Promise.race([readBuffer(response.message), deadline]).catch((error: unknown) => {
        throw error instanceof TypeError ? error : Object.assign(new TypeError("fetch failed"), { cause: error });
      });
      return new LiteResponse(response.message.statusCode ?? 0, response.message.statusMessage ?? "", url, response.message.headers, body) as unknown as Response;
    } finally {
      settled = true;
      clearTimeout(timer);
      deadline.catch(() => undefined);
    }
  };
  return { fetch: fetch as typeof globalThis.fetch, dispose: () => client.dispose() };
}

function readBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
    // Destroyed at the deadline: neither "end" nor "error" may come.
    stream.on("close", () => reject(new Error("the answer was cut off")));
  });
}

/** The part of a WHATWG `Response` that Octokit reads. */
class LiteResponse {
  readonly headers: LiteHeaders;
  readonly ok: boolean;
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly url: string,
    headers: Record<string, string | string[] | undefined>,
    private readonly body: Buffer,
  ) {
    this.headers = new LiteHeaders(headers);
    this.ok = status >= 200 && status < 300;
  }
  text(): Promise<string> {
    return Promise.resolve(this.body.toString("utf8"));
  }
  json(): Promise<unknown> {
    return this.text().then((text) => JSON.parse(text) as unknown);
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(this.body.buffer.slice(this.body.byteOffset, this.body.byteOffset + this.body.byteLength) as ArrayBuffer);
  }
}

class LiteHeaders {
  private readonly map = new Map<string, string>();
  constructor(headers: Record<string, string | string[] | undefined>) {
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) this.map.set(name.toLowerCase(), Array.isArray(value) ? value.join(", ") : value);
    }
  }
  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}
