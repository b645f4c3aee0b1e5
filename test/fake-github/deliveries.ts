import { request as httpRequest } from "node:http";
import type { FakeGitHub } from "./server.js";
import { deliverWebhook, type DeliveryOptions, type DeliveryResult, type WebhookEvent } from "./webhooks.js";

/**
 * Deliveries as GitHub really makes them: late and out of order. An event is built when it
 * happens (its payload says what GitHub held then) and held; `deliver` sends the held ones
 * in any order, later. `postWebhookBody` sends raw bytes as a delivery would (any size, any
 * signature, streamed in chunks), for what GitHub itself would never send.
 */
export class HeldDeliveries {
  readonly #events: WebhookEvent[] = [];

  constructor(
    private readonly fake: FakeGitHub,
    private readonly options: DeliveryOptions,
  ) {}

  /** Keeps an event built now for a later delivery; returns its index. */
  hold(event: WebhookEvent): number {
    return this.#events.push(event) - 1;
  }

  get size(): number {
    return this.#events.length;
  }

  /** Delivers the held events in the order given by their indexes (default: newest first), one after another. */
  async deliver(order: readonly number[] = this.#events.map((_, index) => index).reverse()): Promise<DeliveryResult[]> {
    const results: DeliveryResult[] = [];
    for (const index of order) {
      const event = this.#events[index];
      if (event === undefined) throw new Error(`no held delivery ${index}`);
      results.push(await deliverWebhook(this.fake, event, this.options));
    }
    return results;
  }
}

export interface RawWebhookPost {
  url: string;
  headers: Record<string, string>;
  /** The body, sent in chunks of `chunkBytes`, `repeat` times over (a large body without holding it in the test). */
  chunk: Buffer;
  repeat?: number;
}

/**
 * POSTs raw bytes to a webhook URL; resolves with the status (0: the connection closed
 * before an answer could be read) and how many bytes were written before it.
 */
export function postWebhookBody(post: RawWebhookPost): Promise<{ status: number; body: string; sentBytes: number }> {
  return new Promise((resolve, reject) => {
    const url = new URL(post.url);
    const total = post.chunk.length * (post.repeat ?? 1);
    let sentBytes = 0;
    let answered = false;
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        // A chunked body (a `transfer-encoding` header given) says nothing of its length up front.
        headers: { "content-type": "application/json", ...(post.headers["transfer-encoding"] === undefined ? { "content-length": String(total) } : {}), ...post.headers },
      },
      (response) => {
        answered = true;
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => {
          request.destroy();
          resolve({ status: response.statusCode ?? 0, body, sentBytes });
        });
      },
    );
    // A server that answers before the body is all sent and then closes may make a write fail
    // (EPIPE) before its answer is read: that is status 0, no answer read. No connection at all rejects.
    request.on("error", (error) => {
      setTimeout(() => {
        if (answered) return;
        if (sentBytes > 0) resolve({ status: 0, body: String(error), sentBytes });
        else reject(error);
      }, 200);
    });
    let remaining = post.repeat ?? 1;
    const pump = (): void => {
      while (remaining > 0 && !answered && !request.destroyed) {
        remaining--;
        sentBytes += post.chunk.length;
        if (!request.write(post.chunk)) {
          request.once("drain", pump);
          return;
        }
      }
      if (remaining === 0 && !answered && !request.destroyed) request.end();
    };
    pump();
  });
}
