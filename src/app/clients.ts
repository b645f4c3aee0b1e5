import { LruCache } from "./cache.js";
import { ConditionalCache, useConditionalRequests } from "./conditional-requests.js";
import type { Client } from "./service.js";

/**
 * The App's GitHub clients: one per installation, kept for most of a token's hour, each with
 * conditional requests installed once (a repeated read that GitHub answers 304 costs no rate
 * limit); and the client that authenticates as the app itself.
 */
export class InstallationClients {
  readonly #conditional = new ConditionalCache();
  readonly #clients = new LruCache<number, Client>(5_000, 50 * 60_000);
  readonly #prepared = new WeakSet<object>();

  constructor(
    private readonly create: (installationId: number) => Promise<Client>,
    readonly app: () => Promise<Client>,
  ) {}

  /** Installs conditional requests on a client (a webhook's own) once. */
  prepare(client: Client, installationId: number): Client {
    if (!this.#prepared.has(client)) {
      this.#prepared.add(client);
      useConditionalRequests(client, this.#conditional, String(installationId));
    }
    return client;
  }

  async forInstallation(installationId: number): Promise<Client> {
    const cached = this.#clients.get(installationId);
    if (cached !== undefined) return cached;
    const client = this.prepare(await this.create(installationId), installationId);
    this.#clients.set(installationId, client);
    return client;
  }
}
