import { AsyncLocalStorage } from "node:async_hooks";

/**
 * How urgent a write is, for the installation's write queue (write-pace.ts): a revocation
 * (a passing check turning blocking: until it is written the merge button stays green)
 * before a write a person waits for (a webhook's evaluation, a deployment's answer), before
 * background work (scheduled flips that do not revoke, reconciliation, policy fan-outs, the
 * audit trail). Within a level, the work that began first goes first, so that one pull
 * request's three runs are not spread among everybody else's.
 *
 * The urgency rides with the work in an AsyncLocalStorage scope set where the work is known
 * (the evaluator per trigger, the check publisher per revoking run, the merge hooks, the
 * deployment rule) and is read once per request, when Octokit is handed it (the pacing
 * plugin in octokit.ts), before any of Octokit's own queues run it.
 */
export const URGENCY = { revocation: 0, person: 1, background: 2 } as const;

export type UrgencyLevel = (typeof URGENCY)[keyof typeof URGENCY];

export interface WriteUrgency {
  level: UrgencyLevel;
  /** When the work the write belongs to began (ms): older first within a level. */
  since: number;
}

const scope = new AsyncLocalStorage<WriteUrgency>();

/** Runs `work` with its writes at `urgency`. */
export function withUrgency<T>(urgency: WriteUrgency, work: () => T): T {
  return scope.run(urgency, work);
}

/** Runs `work` at `level`, keeping when the surrounding work began (now, when there is none). */
export function atLevel<T>(level: UrgencyLevel, work: () => T, now: () => number = Date.now): T {
  return scope.run({ level, since: scope.getStore()?.since ?? now() }, work);
}

/** The urgency of a write sent now: the scope's, else background work begun now. */
export function currentUrgency(now: () => number = Date.now): WriteUrgency {
  return scope.getStore() ?? { level: URGENCY.background, since: now() };
}
