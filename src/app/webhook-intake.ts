import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The webhook endpoint, in front of Probot's handlers: a body is refused with 413 once it
 * passes GitHub's 25 MB cap (at once when its Content-Length says so), its signature is
 * computed as it streams (nothing but the bytes of one capped body is held), bodies held
 * by all requests together are capped too, and only a body whose signature holds is
 * decoded, strictly as UTF-8 (bytes that are not are a 400 that says so, never "bad
 * signature"), parsed, and handed to Probot's webhooks, answered as @octokit/webhooks'
 * middleware answers (200 "ok", 202 after 9 s, the handler's error status).
 */
export interface WebhookIntakeOptions {
  /** Where GitHub delivers ("/api/github/webhooks"). */
  path: string;
  secret: string;
  /** GitHub's cap on a payload: 25 MB. */
  maxBytes?: number;
  /** Bytes held by all unfinished requests together; past it a request is answered 503. */
  maxBytesInFlight?: number;
  /** Answer 202 "still processing" after this long (GitHub gives up after 10 s). */
  answerWithinMs?: number;
}

export interface WebhookReceiver {
  receive(event: { id: string; name: string; payload: unknown }): Promise<void>;
}

interface Log {
  warn(object: unknown, message?: string): void;
  error(object: unknown, message?: string): void;
}

export const WEBHOOK_MAX_BYTES = 25 * 1024 * 1024;
const JSON_TYPE = /^\s*application\/json\s*(?:;|$)/u;
const REQUIRED_HEADERS = ["x-github-event", "x-hub-signature-256", "x-github-delivery"] as const;

export interface WebhookIntake {
  (request: IncomingMessage, response: ServerResponse): Promise<boolean>;
  /** Resolves when every delivery handed to Probot so far has been handled (a drain). */
  settled(): Promise<void>;
}

export function webhookIntake(webhooks: () => WebhookReceiver, options: WebhookIntakeOptions, log: Log): WebhookIntake {
  const maxBytes = options.maxBytes ?? WEBHOOK_MAX_BYTES;
  const maxInFlight = options.maxBytesInFlight ?? 4 * maxBytes;
  let inFlight = 0;
  const handling = new Set<Promise<unknown>>();

  const intake = async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    let pathname: string;
    try {
      pathname = new URL(request.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") || "/";
    } catch {
      return false;
    }
    if (pathname !== (options.path.replace(/\/+$/, "") || "/")) return false;
    if (request.method !== "POST") return answer(response, 404, { error: `Unknown route: ${request.method ?? ""} ${pathname}` });
    if (!JSON_TYPE.test(request.headers["content-type"] ?? "")) return answer(response, 415, { error: 'Unsupported "Content-Type" header value. Must be "application/json"' });
    const missing = REQUIRED_HEADERS.filter((name) => typeof request.headers[name] !== "string");
    if (missing.length > 0) return answer(response, 400, { error: `Required headers missing: ${missing.join(", ")}` });
    const declared = Number(request.headers["content-length"] ?? Number.NaN);
    if (declared > maxBytes) return refuse(request, response, 413, `body of ${declared} bytes is over GitHub's ${maxBytes}-byte cap`);

    const hmac = createHmac("sha256", options.secret);
    const chunks: Buffer[] = [];
    let size = 0;
    const outcome = await new Promise<{ status: number; message: string } | "read" | "broken">((resolve) => {
      const stop = (result: { status: number; message: string } | "read" | "broken") => {
        request.off("data", onData);
        request.off("end", onEnd);
        request.off("error", onError);
        // Paused, not destroyed: the answer must still get out on this connection.
        if (result !== "read") request.pause();
        resolve(result);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        inFlight += chunk.length;
        if (size > maxBytes) return stop({ status: 413, message: `body over GitHub's ${maxBytes}-byte cap` });
        if (inFlight > maxInFlight) return stop({ status: 503, message: "too many webhook bytes in flight; deliver again later" });
        hmac.update(chunk);
        chunks.push(chunk);
      };
      const onEnd = () => stop("read");
      const onError = (error: Error) => {
        log.warn({ err: error }, "changegate: a webhook delivery broke off");
        stop("broken");
      };
      request.on("data", onData);
      request.on("end", onEnd);
      request.on("error", onError);
    });
    if (outcome !== "read") {
      inFlight -= size;
      chunks.length = 0;
      if (outcome === "broken") {
        response.destroy();
        return true;
      }
      return refuse(request, response, outcome.status, outcome.message);
    }
    try {
      const signature = request.headers["x-hub-signature-256"] as string;
      const expected = Buffer.from(`sha256=${hmac.digest("hex")}`);
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return answer(response, 400, { error: "signature does not match event payload and secret" });
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks, size));
      } catch {
        return answer(response, 400, { error: "body is not valid UTF-8 (the signature holds)" });
      }
      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch {
        return answer(response, 400, { error: "body is not JSON (the signature holds)" });
      }
      chunks.length = 0;
      const delivered = deliver(webhooks(), { id: request.headers["x-github-delivery"] as string, name: request.headers["x-github-event"] as string, payload }, response, options.answerWithinMs ?? 9_000, log);
      handling.add(delivered);
      void delivered.finally(() => handling.delete(delivered));
      return await delivered;
    } finally {
      inFlight -= size;
    }
  };
  return Object.assign(intake, { settled: () => Promise.allSettled([...handling]).then(() => undefined) });
}

async function deliver(webhooks: WebhookReceiver, event: { id: string; name: string; payload: unknown }, response: ServerResponse, answerWithinMs: number, log: Log): Promise<boolean> {
  let answered = false;
  const timer = setTimeout(() => {
    answered = true;
    response.writeHead(202, { "content-type": "text/plain" }).end("still processing\n");
  }, answerWithinMs);
  try {
    await webhooks.receive(event);
    if (!answered) response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
  } catch (error) {
    // @octokit/webhooks gathers handler errors in an AggregateError; the first one's status is the answer.
    const first = (error as { errors?: unknown[] }).errors?.[0] ?? error;
    const status = (first as { status?: unknown }).status;
    const name = (first as { name?: unknown }).name;
    const message = (first as { message?: unknown }).message;
    log.error({ err: error }, `changegate: webhook ${event.name} ${event.id} failed`);
    if (!answered) answer(response, typeof status === "number" ? status : 500, { error: typeof message === "string" && message !== "" ? `${String(name ?? "Error")}: ${message}` : "Error: An Unspecified error occurred" });
  } finally {
    clearTimeout(timer);
  }
  return true;
}

function answer(response: ServerResponse, status: number, body: Record<string, string>): true {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  return true;
}

/**
 * Answers and stops reading: the rest of the body is not taken in. The connection closes a
 * moment after the answer, so that a sender still sending reads it rather than a reset.
 */
function refuse(request: IncomingMessage, response: ServerResponse, status: number, message: string): true {
  response.writeHead(status, { "content-type": "application/json", connection: "close", ...(status === 503 ? { "retry-after": "10" } : {}) }).end(JSON.stringify({ error: message }), () => {
    setTimeout(() => request.destroy(), 250).unref();
  });
  return true;
}
