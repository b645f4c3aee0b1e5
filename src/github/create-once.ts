import { statusOf } from "./access.js";

/**
 * A create (an issue, a comment, a check run) sent at most once per intent. GitHub may
 * perform a POST and lose its answer (a 502 after the write, a reset connection), so a
 * failed create is never re-sent blindly: first `find` looks for what it may have created
 * (a marker in the body, the list of check runs), and only when nothing is there is it sent
 * again. A refusal (4xx) means GitHub created nothing and is thrown at once. The POST itself
 * must go out with the client's own retries off (`request: { retries: 0 }`).
 */
export interface CreateOnceOptions {
  /** Sends in all, at most (default 3). */
  attempts?: number;
  /** Wait before look-up n (1-based), milliseconds (default n seconds). */
  delayMs?: (attempt: number) => number;
}

/** Request options that turn Probot's retry plugin off for one request (the Action's client retries no POST). */
export const NO_RETRY = { request: { retries: 0 } } as const;

export async function createOnce<T>(create: () => Promise<T>, find: () => Promise<T | null>, options: CreateOnceOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 3);
  const delay = options.delayMs ?? ((attempt) => attempt * 1_000);
  let lastError: unknown = null;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      await new Promise((resolve) => setTimeout(resolve, delay(attempt - 1)));
      const found = await find();
      if (found !== null) return found;
    }
    try {
      return await create();
    } catch (error) {
      const status = statusOf(error);
      if (status !== null && status < 500) throw error;
      lastError = error;
    }
  }
  throw lastError;
}
