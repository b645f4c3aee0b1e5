import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { answerFor, InProcessDeliveries, retryDelay, type DeliveryWork } from "../../src/app/deliveries.js";
import { DeliveryFailed } from "../../src/app/errors.js";
import type { Client } from "../../src/app/service.js";

/** The in-process delivery queue on its own: one job per delivery id, retried until it finishes, given up after its attempts. */
const log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const client = {} as Client;
const job = (id: string) => ({ id, name: "pull_request", installationId: 1, payload: { action: "closed" } });

function queue(run: (work: DeliveryWork) => Promise<void>, retry = { delaysMs: [5], maxAttempts: 3 }) {
  return new InProcessDeliveries({ run, client: async () => client, log, retry });
}

describe("the in-process delivery queue", () => {
  it("runs a delivery once however often, and however concurrently, its id is delivered", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 12 }), async (ids) => {
        const runs = new Map<string, number>();
        const deliveries = queue(async (work) => {
          runs.set(work.id, (runs.get(work.id) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, 1));
        });
        const states = await Promise.all(ids.map((id) => deliveries.accept(job(id), client, 1_000)));
        expect(states.every((state) => state.status === "finished")).toBe(true);
        expect([...runs.keys()].sort()).toEqual([...new Set(ids)].sort());
        expect([...runs.values()].every((count) => count === 1)).toBe(true);
        expect(deliveries.stats).toMatchObject({ accepted: new Set(ids).size, duplicates: ids.length - new Set(ids).size, finished: new Set(ids).size });
      }),
      { numRuns: 30 },
    );
  });

  it("retries a failing job until it finishes; a DeliveryFailed is finished work whose answer is a failure", async () => {
    let attempts = 0;
    const deliveries = queue(async () => {
      if (++attempts < 3) throw new Error("502");
    }, { delaysMs: [5], maxAttempts: 5 });
    expect(await deliveries.accept(job("x"), client, 1_000)).toMatchObject({ status: "retrying", attempts: 1 });
    await deliveries.idle();
    expect(attempts).toBe(3);
    expect(await deliveries.accept(job("x"), client, 1_000)).toEqual({ status: "finished", failure: null });

    const evaluated = queue(async () => {
      throw new DeliveryFailed("could not evaluate");
    });
    const state = await evaluated.accept(job("y"), client, 1_000);
    expect(state).toEqual({ status: "finished", failure: "could not evaluate" });
    expect(() => answerFor(job("y"), state)).toThrow("could not evaluate");
    expect(evaluated.stats.retried).toBe(0);
  });

  it("gives up after its attempts, and starts over when the delivery comes again", async () => {
    let fail = true;
    let attempts = 0;
    const deliveries = queue(async () => {
      attempts++;
      if (fail) throw new Error("still down");
    });
    await deliveries.accept(job("z"), client, 1_000);
    await deliveries.idle();
    expect(attempts).toBe(3);
    expect(deliveries.stats.gaveUp).toBe(1);
    fail = false;
    expect(await deliveries.accept(job("z"), client, 1_000)).toEqual({ status: "finished", failure: null });
    expect(attempts).toBe(4);
  });

  it("answers 200 only for finished work", () => {
    expect(() => answerFor(job("w"), { status: "finished", failure: null })).not.toThrow();
    expect(() => answerFor(job("w"), { status: "running" })).toThrow(/still working on pull_request\.closed w/);
    expect(() => answerFor(job("w"), { status: "retrying", attempts: 2, reason: "GitHub answered 502" })).toThrow(/could not handle pull_request\.closed w \(attempt 2\): GitHub answered 502; it retries on its own/);
    expect(() => answerFor(job("w"), { status: "gave-up", attempts: 25, reason: "x" })).toThrow(DeliveryFailed);
  });

  it("waits between attempts as its policy says, the last wait repeated", () => {
    const policy = { delaysMs: [10, 20, 30], maxAttempts: 9 };
    expect([1, 2, 3, 4, 8].map((made) => retryDelay(policy, made))).toEqual([10, 20, 30, 30, 30]);
  });
});
