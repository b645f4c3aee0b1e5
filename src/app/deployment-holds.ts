import type { UnsealedDeploymentRecord } from "../audit/deployment-record.js";
import type { LoadedPolicy } from "../github/policy-source.js";
import type { RedisLike } from "./lock.js";
import type { Client, Logger } from "./service.js";

/**
 * What the deployment protection rule keeps between events: the deployments it holds (a
 * time-only block: released when the block ends, by a timer, with no webhook) and the ones
 * it has answered (so that a redelivered webhook is answered once). In memory for a single
 * replica; with REDIS_URL in Redis, so that a hold survives a restart and any replica
 * releases it. GitHub gives a custom rule 30 days to answer, so that is how long an entry
 * lives.
 */
/**
 * What the deployment rule needs of the rest of the App, and nothing more: the clock, the
 * log, exclusive sections across replicas, the policy of a branch, installation clients.
 * index.ts builds it from the service.
 */
export interface DeploymentDeps {
  now(): number;
  log: Logger;
  exclusive<T>(key: string, section: () => Promise<T>): Promise<T>;
  loadPolicy(client: Client, target: { owner: string; repo: string; ref: string }, installationId: number): Promise<LoadedPolicy>;
  installationClient(installationId: number): Promise<Client>;
  /** A webhook's client, made ready as the service's own (conditional requests). */
  prepare(client: Client, installationId: number): Client;
}

export interface ProtectionRequest {
  installationId: number;
  owner: string;
  repo: string;
  /** The repository's default branch: the policy is read there. */
  defaultBranch: string;
  environment: string;
  sha: string;
  ref: string;
  runId: number;
  deploymentId: number | null;
  /** The event that started the workflow run ("push", "workflow_dispatch"...). */
  event: string;
}

export interface Hold extends ProtectionRequest {
  /** When the block ends, epoch ms: the timer fires then. */
  opensAt: number;
  heldAt: number;
}

export interface Answered {
  state: "approved" | "rejected";
  at: number;
  /** The decision's record, until it is in the trail (an answer that landed but whose record failed is recorded on redelivery). */
  record: UnsealedDeploymentRecord | null;
}

export interface HoldStore {
  holds(): Promise<Hold[]>;
  hold(key: string): Promise<Hold | null>;
  put(hold: Hold): Promise<void>;
  remove(key: string): Promise<void>;
  answered(key: string): Promise<Answered | null>;
  markAnswered(key: string, answered: Answered): Promise<void>;
  /** The pull requests a deployment shipped, as its decision named them (for its outcomes). */
  shipped(repository: string, deploymentId: number): Promise<UnsealedDeploymentRecord | null>;
  rememberShipped(repository: string, deploymentId: number, record: UnsealedDeploymentRecord): Promise<void>;
}

export const HOLD_TTL_MS = 31 * 24 * 3_600_000;

export function holdKey(request: Pick<ProtectionRequest, "owner" | "repo" | "runId" | "environment">): string {
  return `${request.owner}/${request.repo}:${request.runId}:${request.environment}`.toLowerCase();
}

export class MemoryHoldStore implements HoldStore {
  readonly #holds = new Map<string, Hold>();
  readonly #answered = new Map<string, Answered>();
  readonly #shipped = new Map<string, UnsealedDeploymentRecord>();

  async holds(): Promise<Hold[]> {
    return [...this.#holds.values()];
  }
  async hold(key: string): Promise<Hold | null> {
    return this.#holds.get(key) ?? null;
  }
  async put(hold: Hold): Promise<void> {
    this.#holds.set(holdKey(hold), hold);
  }
  async remove(key: string): Promise<void> {
    this.#holds.delete(key);
  }
  async answered(key: string): Promise<Answered | null> {
    return this.#answered.get(key) ?? null;
  }
  async markAnswered(key: string, answered: Answered): Promise<void> {
    this.#answered.set(key, answered);
  }
  async shipped(repository: string, deploymentId: number): Promise<UnsealedDeploymentRecord | null> {
    return this.#shipped.get(`${repository.toLowerCase()}:${deploymentId}`) ?? null;
  }
  async rememberShipped(repository: string, deploymentId: number, record: UnsealedDeploymentRecord): Promise<void> {
    this.#shipped.set(`${repository.toLowerCase()}:${deploymentId}`, record);
  }
}

/**
 * The same in Redis. The holds are one JSON document (`changegate:deploy:holds`), read and
 * rewritten under the shared lock: a handful of holds at a time, read in full at start.
 */
export class RedisHoldStore implements HoldStore {
  static readonly HOLDS = "changegate:deploy:holds";

  constructor(
    private readonly redis: RedisLike,
    private readonly exclusive: DeploymentDeps["exclusive"],
  ) {}

  async holds(): Promise<Hold[]> {
    return Object.values(await this.#read());
  }
  async hold(key: string): Promise<Hold | null> {
    return (await this.#read())[key] ?? null;
  }
  async put(hold: Hold): Promise<void> {
    await this.#update((holds) => void (holds[holdKey(hold)] = hold));
  }
  async remove(key: string): Promise<void> {
    await this.#update((holds) => void delete holds[key]);
  }
  async answered(key: string): Promise<Answered | null> {
    const text = await this.redis.get(`changegate:deploy:answered:${key}`);
    return text === null ? null : (JSON.parse(text) as Answered);
  }
  async markAnswered(key: string, answered: Answered): Promise<void> {
    await this.redis.set(`changegate:deploy:answered:${key}`, JSON.stringify(answered), "PX", HOLD_TTL_MS);
  }
  async shipped(repository: string, deploymentId: number): Promise<UnsealedDeploymentRecord | null> {
    const text = await this.redis.get(`changegate:deploy:shipped:${repository.toLowerCase()}:${deploymentId}`);
    return text === null ? null : (JSON.parse(text) as UnsealedDeploymentRecord);
  }
  async rememberShipped(repository: string, deploymentId: number, record: UnsealedDeploymentRecord): Promise<void> {
    await this.redis.set(`changegate:deploy:shipped:${repository.toLowerCase()}:${deploymentId}`, JSON.stringify(record), "PX", HOLD_TTL_MS);
  }

  async #read(): Promise<Record<string, Hold>> {
    const text = await this.redis.get(RedisHoldStore.HOLDS);
    return text === null ? {} : (JSON.parse(text) as Record<string, Hold>);
  }
  async #update(change: (holds: Record<string, Hold>) => void): Promise<void> {
    await this.exclusive("deploy-holds", async () => {
      const holds = await this.#read();
      change(holds);
      await this.redis.set(RedisHoldStore.HOLDS, JSON.stringify(holds), "PX", HOLD_TTL_MS);
    });
  }
}
