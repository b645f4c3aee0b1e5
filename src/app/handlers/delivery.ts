import type { Context } from "probot";
import { DeliveryFailed } from "../errors.js";
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
