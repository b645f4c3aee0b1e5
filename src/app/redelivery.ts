import { listAll } from "../github/access.js";
import type { InstallationClients } from "./clients.js";
import { describeFailure } from "./errors.js";
import type { Locks } from "./lock.js";
import type { Logger } from "./service.js";

/**
 * GitHub does not redeliver a failed webhook delivery by itself: ask for each delivery of
 * the last hours that failed and never succeeded since (a few attempts at most), once across
 * replicas (a claim per delivery and attempt).
 */
export interface RedeliveryOptions {
  maxAgeMs?: number;
  /** A failure this recent may still be retried by its sender: leave it. */
  settleMs?: number;
  maxAttempts?: number;
  maxPages?: number;
}

interface Delivery {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
  redelivery: boolean;
}

export class Redelivery {
  #since = 0;
  #asked = 0;
  readonly #done = new Set<string>();

  constructor(private readonly parts: { log: Logger; now: () => number; clients: InstallationClients; locks: Locks }) {}

  get stats(): { redelivered: number } {
    return { redelivered: this.#asked };
  }

  async redeliverFailed(options: RedeliveryOptions = {}): Promise<number> {
    const settle = options.settleMs ?? 30_000;
    const maxAttempts = options.maxAttempts ?? 3;
    const now = this.parts.now();
    const oldest = Math.max(now - (options.maxAgeMs ?? 6 * 3_600_000), this.#since - 10 * 60_000);
    let asked = 0;
    try {
      const appClient = await this.parts.clients.app();
      const deliveries = (await listAll(
        (_page, cursor) => appClient.request("GET /app/hook/deliveries", { per_page: 100, ...(cursor === undefined ? {} : { cursor }) }),
        Infinity,
        { maxPages: options.maxPages ?? 10, stopAfter: (page) => page.length === 0 || Date.parse(page[page.length - 1]!.delivered_at) < oldest },
      )) as Delivery[];
      const byGuid = new Map<string, Delivery[]>();
      for (const delivery of deliveries) {
        if (Date.parse(delivery.delivered_at) < oldest) continue;
        byGuid.set(delivery.guid, [...(byGuid.get(delivery.guid) ?? []), delivery]);
      }
      for (const [guid, attempts] of byGuid) {
        if (attempts.some((attempt) => attempt.status_code >= 200 && attempt.status_code < 300)) continue;
        const latest = attempts.reduce((a, b) => (Date.parse(b.delivered_at) > Date.parse(a.delivered_at) ? b : a));
        if (now - Date.parse(latest.delivered_at) < settle || attempts.length >= maxAttempts) continue;
        const marker = `${guid}:${attempts.length}`;
        if (this.#done.has(marker) || !(await this.parts.locks.claim(`redeliver:${marker}`, 10 * 60_000))) continue;
        this.#done.add(marker);
        await appClient.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: latest.id });
        asked++;
      }
      this.#since = now;
      this.#asked += asked;
    } catch (error) {
      this.parts.log.warn({ err: error }, `changegate: could not ask for failed deliveries again: ${describeFailure(error)}`);
    }
    return asked;
  }
}
