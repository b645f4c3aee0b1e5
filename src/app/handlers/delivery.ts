import type { Context, Probot } from "probot";
import { DeliveryFailed, describeFailure } from "../errors.js";
import type { EvaluateOutcome } from "../service.js";

/**
 * What every handler shares: where an event happened, and how an evaluation's outcome
 * settles its delivery. Each handler evaluates at once (a person is waiting) and answers
 * GitHub only when done; a failed evaluation has already published failing checks that say
 * why, and the handler then fails the delivery so that it shows as failed in the App's
 * settings, where the redelivery loop finds it again.
 */

/** What a handler reads of its context: what a durable job keeps of a delivery. */
export type HandlerContext<E extends Context["name"]> = Pick<Context<E>, "id" | "name" | "payload" | "octokit">;

export interface Where {
  installationId: number;
  owner: string;
  repo: string;
}

interface Located {
  installation?: { id: number } | undefined;
  repository?: { name: string; owner: { login: string } | null } | undefined;
}

/** The installation and repository of an event, null when it has none (then there is nothing to do). */
export function whereOf(payload: Located): Where | null {
  if (payload.installation?.id === undefined || payload.repository === undefined || payload.repository.owner === null) return null;
  return { installationId: payload.installation.id, owner: payload.repository.owner.login, repo: payload.repository.name };
}

export function settle(context: Pick<Context, "name" | "id">, ...outcomes: EvaluateOutcome[]): void {
  for (const outcome of outcomes) {
    if (outcome.status === "failed") throw new DeliveryFailed(`changegate could not evaluate (${context.name} ${context.id}): ${outcome.error ?? "unknown error"}`);
  }
}

/**
 * Every handler's failure answered as GitHub should see it: 500 (the redelivery loop finds
 * the delivery again), never the status of a request the handler made (a 404 or 422 inside
 * would read as a bad delivery), with one line that says why instead of a stack. Work that
 * is already done (a merge already recorded, checks already saying the same) returns
 * normally and is answered 200.
 */
export function answerFailures<C extends Pick<Context, "name" | "id" | "payload">>(handler: (context: C) => Promise<void>): (context: C) => Promise<void> {
  return async (context) => {
    try {
      await handler(context);
    } catch (error) {
      if (error instanceof DeliveryFailed) throw error;
      const action = (context.payload as { action?: string }).action;
      throw new DeliveryFailed(`changegate could not handle ${context.name}${action === undefined ? "" : `.${action}`} ${context.id}: ${describeFailure(error)}`);
    }
  };
}

/**
 * Probot logs a handler's failure twice: its error handler logs each error (here the one
 * line of a DeliveryFailed), then the webhooks middleware, through the same logger, the
 * aggregate of them. The aggregate of DeliveryFailed errors says nothing new, so it is not
 * logged again; any other error is logged as Probot logs it.
 */
export function logDeliveryFailuresOnce(probot: Probot): void {
  type ErrorMethod = (this: unknown, ...args: unknown[]) => void;
  const log = probot.log as unknown as { error: ErrorMethod };
  const error = log.error;
  // A plain function, not bound: pino's child loggers inherit it and keep their own bindings.
  log.error = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const reasons = first instanceof AggregateError ? (first.errors as unknown[]) : [];
    if (reasons.length > 0 && reasons.every((reason) => reason instanceof DeliveryFailed)) return;
    error.apply(this, args);
  };
}
