import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { loadOpenApi, type OpenApi } from "./openapi.js";

/**
 * "The write happened, the answer was lost": a proxy on 127.0.0.1 in front of a fake GitHub
 * (or any HTTP server). Every request is passed through; for a matching one the upstream
 * answer is awaited in full (so the write is done) and then, instead of that answer, the
 * client gets a 502 (as when GitHub's front end times out after the write) or a reset
 * connection. Self-contained, so that it needs nothing of the fake's own fault injection.
 */
export interface LostAnswer {
  /** A full route key ("POST /repos/{owner}/{repo}/issues") or a pattern tested against it. */
  route: string | RegExp;
  /** How many matching answers are lost (default 1). */
  count?: number;
  /** "502" (default) answers Bad Gateway; "reset" destroys the connection. */
  as?: "502" | "reset";
}

export interface LossyProxy {
  /** "http://127.0.0.1:PORT" (also serves "/api/v3", passed through as it is). */
  readonly url: string;
  /** "127.0.0.1:PORT", for Probot's GHE_HOST. */
  readonly host: string;
  loseNext(loss: LostAnswer): void;
  /** Answers lost so far: "METHOD /route" with the upstream status that was withheld. */
  readonly lost: { route: string; upstreamStatus: number }[];
  close(): Promise<void>;
}

const API_PREFIX = "/api/v3";

export async function startLossyProxy(upstreamUrl: string): Promise<LossyProxy> {
  const openApi: OpenApi = await loadOpenApi();
  const upstream = new URL(upstreamUrl);
  const pending: (LostAnswer & { remaining: number })[] = [];
  const lost: { route: string; upstreamStatus: number }[] = [];

  const routeOf = (method: string, url: string): string | null => {
    const path = new URL(url, "http://x").pathname;
    const bare = path === API_PREFIX || path.startsWith(`${API_PREFIX}/`) ? path.slice(API_PREFIX.length) || "/" : path;
    return openApi.match(method, bare)?.operation.key ?? null;
  };

  const take = (route: string | null): (LostAnswer & { remaining: number }) | undefined => {
    if (route === null) return undefined;
    const loss = pending.find((candidate) => candidate.remaining > 0 && (typeof candidate.route === "string" ? candidate.route === route : candidate.route.test(route)));
    if (loss === undefined) return undefined;
    loss.remaining--;
    if (loss.remaining === 0) pending.splice(pending.indexOf(loss), 1);
    return loss;
  };

  const handle = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = (incoming.method ?? "GET").toUpperCase();
    const route = routeOf(method, incoming.url ?? "/");
    const { host: _host, ...headers } = incoming.headers;
    const answer = await new Promise<{ status: number; headers: IncomingMessage["headers"]; body: Buffer }>((resolve, reject) => {
      const forwarded = httpRequest({ host: upstream.hostname, port: upstream.port, method, path: incoming.url, headers: { ...headers, host: upstream.host } }, (response) => {
        const parts: Buffer[] = [];
        response.on("data", (part: Buffer) => parts.push(part));
        response.on("end", () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(parts) }));
        response.on("error", reject);
      });
      forwarded.on("error", reject);
      forwarded.end(body);
    });
    const loss = take(route);
    if (loss !== undefined) {
      lost.push({ route: route!, upstreamStatus: answer.status });
      if (loss.as === "reset") {
        outgoing.socket?.destroy();
        return;
      }
      const text = JSON.stringify({ message: "Server Error" });
      outgoing.writeHead(502, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(text)) }).end(text);
      return;
    }
    const { "transfer-encoding": _encoding, connection: _connection, ...passed } = answer.headers;
    outgoing.writeHead(answer.status, { ...passed, "content-length": String(answer.body.length) }).end(answer.body);
  };

  const server: Server = createServer((incoming, outgoing) => {
    handle(incoming, outgoing).catch((error: unknown) => {
      if (!outgoing.headersSent) outgoing.writeHead(502).end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    lost,
    loseNext(loss) {
      pending.push({ ...loss, remaining: loss.count ?? 1 });
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
