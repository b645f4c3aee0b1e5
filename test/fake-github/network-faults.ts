/**
 * What a network between an app and GitHub does besides answering: an answer lost after
 * GitHub did the work (the connection drops once the route ran: a POST created its object
 * all the same), and a connection that never answers (the request is held, unanswered,
 * until the client gives up or the test releases it). The fake's server consults these
 * before and after it routes a request; `FakeGitHub.loseAnswers` and `FakeGitHub.hang`
 * arm them.
 */
export interface NetworkFaultOptions {
  /** How many matching requests (default 1). */
  count?: number;
  /** A full route key ("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}") or a pattern tested against it; none: any route. */
  route?: string | RegExp;
}

export interface HangOptions extends NetworkFaultOptions {
  /** Whether GitHub does the work of a hung request when it is released (default false: released requests are answered 502 unprocessed). */
  processOnRelease?: boolean;
}

interface Armed<T> {
  options: T;
  remaining: number;
}

function matches(pattern: string | RegExp | undefined, key: string | null): boolean {
  if (pattern === undefined) return true;
  if (key === null) return false;
  return typeof pattern === "string" ? pattern === key : pattern.test(key);
}

export class NetworkFaults {
  readonly #lost: Armed<NetworkFaultOptions>[] = [];
  readonly #hangs: Armed<HangOptions>[] = [];
  readonly #held = new Set<() => void>();
  /** Requests whose answer was dropped after the route ran. */
  lostAnswers = 0;
  /** Requests held without an answer so far. */
  hung = 0;

  loseAnswers(options: NetworkFaultOptions = {}): void {
    this.#lost.push({ options, remaining: options.count ?? 1 });
  }

  hang(options: HangOptions = {}): void {
    this.#hangs.push({ options, remaining: options.count ?? 1 });
  }

  /** Lets every held request go on (each then is answered 502, or processed with `processOnRelease`). */
  release(): void {
    for (const resume of [...this.#held]) resume();
  }

  clear(): void {
    this.#lost.length = 0;
    this.#hangs.length = 0;
  }

  /** Whether this request's answer is to be dropped once the route has run. */
  takeLostAnswer(routeKey: string | null): boolean {
    return take(this.#lost, routeKey) !== undefined;
  }

  /**
   * Holds a matching request until it is released or its connection closes; resolves to
   * "process" (do the work and answer), "unprocessed" (released: answer 502 without doing
   * it) or "closed" (the client gave up: nothing to answer). Resolves "process" at once for
   * a request that does not match.
   */
  async hold(routeKey: string | null, closed: Promise<void>): Promise<"process" | "unprocessed" | "closed"> {
    const armed = take(this.#hangs, routeKey);
    if (armed === undefined) return "process";
    this.hung++;
    let resume!: () => void;
    const released = new Promise<"released">((resolve) => (resume = () => resolve("released")));
    this.#held.add(resume);
    const outcome = await Promise.race([released, closed.then(() => "closed" as const)]);
    this.#held.delete(resume);
    if (outcome === "closed") return "closed";
    return armed.options.processOnRelease === true ? "process" : "unprocessed";
  }
}

function take<T extends NetworkFaultOptions>(list: Armed<T>[], routeKey: string | null): Armed<T> | undefined {
  const armed = list.find((candidate) => candidate.remaining > 0 && matches(candidate.options.route, routeKey));
  if (armed === undefined) return undefined;
  armed.remaining--;
  if (armed.remaining === 0) list.splice(list.indexOf(armed), 1);
  return armed;
}
