import { describe, expect, it } from "vitest";
import type { Probot } from "probot";
import { DeliveryFailed, logDeliveryFailuresOnce } from "../../src/app/handlers/index.js";

describe("a handler's failure in the log", () => {
  it("is logged once: Probot's second log line, the aggregate of DeliveryFailed errors, is dropped; everything else is logged, by child loggers with their bindings", () => {
    const lines: { self: unknown; args: unknown[] }[] = [];
    const log = {
      name: "probot",
      error(this: unknown, ...args: unknown[]) {
        lines.push({ self: this, args });
      },
    };
    logDeliveryFailuresOnce({ log } as unknown as Probot);
    const failure = new DeliveryFailed("changegate could not handle pull_request.closed 1: GitHub answered 404 to POST /x");
    const child = Object.create(log) as typeof log & { name: string };
    child.name = "event";
    child.error(failure);
    log.error(new AggregateError([failure], failure.message));
    const other = new AggregateError([new Error("boom")], "boom");
    log.error(other);
    log.error({ err: new Error("x") }, "message");
    expect(lines.map((line) => line.args[0])).toEqual([failure, other, { err: expect.any(Error) }]);
    expect((lines[0]!.self as { name: string }).name).toBe("event");
    expect(failure.stack).toBe(`DeliveryFailed: ${failure.message}`);
    expect(failure.status).toBe(500);
  });
});
