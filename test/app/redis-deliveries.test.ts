import { afterAll, beforeAll, expect, it } from "vitest";
import { RedisDeliveries } from "../../src/app/redis-deliveries.js";
import type { Client } from "../../src/app/service.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";

/**
 * The durable queue in Redis (BullMQ) on a real redis-server. A delivery's job waits inside its
 * run for its installation's write window (up to a minute in a burst): a worker slot it holds
 * meanwhile is one another installation's delivery cannot have.
 */
let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

it("one installation's burst, waiting for its writes, does not hold another installation's delivery back", async () => {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const deliveries = await RedisDeliveries.start({
    url: server.url,
    log: quiet,
    client: async () => ({}) as Client,
    // Installation 1's deliveries wait (as for a full write window); installation 2's need nothing.
    run: async ({ payload }) => {
      if ((payload as { installation: { id: number } }).installation.id === 1) await held;
    },
  });
  try {
    const burst = Array.from({ length: 40 }, (_, index) => deliveries.accept({ id: `burst-${index}`, name: "pull_request", installationId: 1, payload: { action: "opened", installation: { id: 1 } } }, null, 0));
    expect((await Promise.all(burst)).every((state) => state.status === "running")).toBe(true);
    const other = await deliveries.accept({ id: "other-1", name: "pull_request", installationId: 2, payload: { action: "opened", installation: { id: 2 } } }, null, 5_000);
    expect(other).toEqual({ status: "finished", failure: null });
  } finally {
    release();
    await deliveries.idle();
    await deliveries.stop();
  }
}, 30_000);
