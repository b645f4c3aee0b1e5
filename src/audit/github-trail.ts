import { randomUUID } from "node:crypto";
import type { GitHubClient } from "../github/access.js";
import { statusOf } from "../github/access.js";
import { canonicalJson } from "./canonical.js";
import type { TrailFile } from "./chain.js";
import { HEAD_PATH, headFromMessage, headTrailer, indexPath, recordPath, seqOfPath, type ChainHead } from "./layout.js";
import type { UnsealedDeploymentRecord } from "./deployment-record.js";
import { sealRecord, type UnsealedRecord } from "./record.js";

/** Where a trail lives: a branch of a repository (this one, or a central audit repository). */
export interface TrailLocation {
  owner: string;
  repo: string;
  branch: string;
}

/** The pull request a record is about: the key that makes a merge recorded once. */
export interface RecordKey {
  repository: string;
  number: number;
  /** The index entry that makes it recorded once, when not the pull request's (a deployment's event). */
  entry?: string;
  /** What the commit message names, when not "owner/repo#number". */
  label?: string;
}

export interface Appended {
  status: "appended" | "already-recorded";
  seq: number;
  hash: string;
  path: string;
  /** The trail's commit holding the record. */
  commit: string;
}

export interface AppendOptions {
  /** Attempts before giving up when other appends keep landing first. */
  maxAttempts?: number;
  /** Wait before attempt n (1-based) after a conflict. */
  backoffMs?: (attempt: number) => number;
  /**
   * The exclusive section one batch is committed in, across replicas (the App passes its
   * Redis lock); by default none: the fast-forward-only ref update keeps writers apart.
   */
  lock?: <T>(key: string, section: () => Promise<T>) => Promise<T>;
  /** The writers of this process (default: one registry shared by the process). */
  groups?: TrailGroups;
  /**
   * How long the first record of a batch waits for others to join it, ms (default 0: only
   * those asked for in the same turn). The App waits a little: merges delivered together
   * reach this point a few hundred milliseconds apart, and one batch costs three paced writes.
   */
  gatherMs?: number;
}

interface Tip {
  sha: string;
  tree: string;
  message: string;
}

interface Pending {
  client: GitHubClient;
  key: RecordKey;
  build: () => Promise<UnsealedRecord | UnsealedDeploymentRecord>;
  options: AppendOptions;
  settled: boolean;
  resolve(appended: Appended): void;
  reject(error: unknown): void;
}

/**
 * Appends one record with the git data API, in the same five requests however long the
 * trail: read the branch tip (its commit message names the newest record), look the pull
 * request up in the index, write one tree (record, index entry, head), one commit, and
 * move the branch. A merge found in the index is not recorded again: `build` runs at most
 * once, and only for a new record.
 *
 * Group commit: one writer per trail in a process (and, with `lock`, across replicas) takes
 * every record pending for it and appends them all in that one tree, commit and ref update,
 * in arrival order, each chained to the one before. So K simultaneous merges cost one batch
 * or two (three git writes each), not K rebuilds against a ref the others keep moving. The
 * ref moves only as a fast-forward: when another writer landed first GitHub refuses (422)
 * and the batch is built again on top of it, never overwritten and never forced.
 */
export function appendRecord(
  client: GitHubClient,
  trail: TrailLocation,
  key: RecordKey,
  build: () => Promise<UnsealedRecord | UnsealedDeploymentRecord>,
  options: AppendOptions = {},
): Promise<Appended> {
  return (options.groups ?? SHARED_GROUPS).append(trail, { client, key, build, options });
}

/** The trails' writers of one process: one committer per trail, gone when it has nothing pending. */
export class TrailGroups {
  readonly #committers = new Map<string, TrailCommitter>();

  append(trail: TrailLocation, entry: Omit<Pending, "settled" | "resolve" | "reject">): Promise<Appended> {
    const id = `${trail.owner}/${trail.repo}@${trail.branch}`.toLowerCase();
    let committer = this.#committers.get(id);
    if (committer === undefined) {
      committer = new TrailCommitter(trail, id, () => this.#committers.delete(id));
      this.#committers.set(id, committer);
    }
    return committer.append(entry);
  }
}

const SHARED_GROUPS = new TrailGroups();

/** Batches written before the appends of the first are answered, at most (see #drain). */
const MAX_DEFERRED_BATCHES = 5;

class TrailCommitter {
  #pending: Pending[] = [];
  #draining = false;
  /** Appends written and not yet answered. */
  #written: (() => void)[] = [];

  constructor(
    private readonly trail: TrailLocation,
    private readonly id: string,
    private readonly onIdle: () => void,
  ) {}

  append(entry: Omit<Pending, "settled" | "resolve" | "reject">): Promise<Appended> {
    return new Promise<Appended>((resolve, reject) => {
      const pending: Pending = {
        ...entry,
        settled: false,
        resolve: (appended) => {
          pending.settled = true;
          this.#written.push(() => resolve(appended));
        },
        reject: (error) => {
          pending.settled = true;
          reject(error);
        },
      };
      this.#pending.push(pending);
      if (!this.#draining) {
        this.#draining = true;
        void this.#drain();
      }
    });
  }

  async #drain(): Promise<void> {
    // Appends asked for in the same turn (or within `gatherMs`) join the first batch.
    const gather = this.#pending[0]?.options.gatherMs ?? 0;
    await new Promise((resolve) => (gather > 0 ? setTimeout(resolve, gather) : setImmediate(resolve)));
    // A written record is answered once nothing is pending (or after a few batches): what
    // its caller does next, the PR's comment, would otherwise queue ahead of the next batch's
    // writes in the installation's write pacing.
    let batches = 0;
    const answer = () => {
      for (const resolve of this.#written.splice(0)) resolve();
      batches = 0;
    };
    while (this.#pending.length > 0) {
      if (++batches > MAX_DEFERRED_BATCHES) answer();
      const batch = this.#pending.splice(0);
      const { client, options } = batch[0]!;
      const lock = options.lock ?? (<T>(_key: string, section: () => Promise<T>) => section());
      try {
        await lock(`trail:${this.id}`, () => commitBatch(client, this.trail, batch, options));
      } catch (error) {
        for (const entry of batch) if (!entry.settled) entry.reject(error);
      }
    }
    answer();
    this.#draining = false;
    this.onIdle();
  }
}

async function commitBatch(client: GitHubClient, trail: TrailLocation, batch: Pending[], options: AppendOptions): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 40;
  const backoff = options.backoffMs ?? ((attempt) => Math.min(2_000, 25 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random()));
  const where = { owner: trail.owner, repo: trail.repo };
  const unsealed = new Map<Pending, UnsealedRecord | UnsealedDeploymentRecord>();

  for (let attempt = 1; ; attempt++) {
    const tip = await readTip(client, trail);
    let open = batch.filter((entry) => !entry.settled);
    if (tip !== null) {
      const indexed = await Promise.all(open.map((entry) => readJson<ChainHead>(client, trail, entryPath(entry.key), tip.sha)));
      open.forEach((entry, index) => {
        const found = indexed[index];
        if (found) entry.resolve({ status: "already-recorded", seq: found.seq, hash: found.hash, path: recordPath(found.seq), commit: tip.sha });
      });
      open = open.filter((entry) => !entry.settled);
    }
    // Two deliveries of one merge in a batch: the first writes, the second follows it.
    const writers = new Map<string, Pending>();
    const followers: [Pending, Pending][] = [];
    for (const entry of open) {
      const path = entryPath(entry.key);
      const writer = writers.get(path);
      if (writer === undefined) writers.set(path, entry);
      else followers.push([entry, writer]);
    }
    await Promise.all(
      [...writers.values()].filter((entry) => !unsealed.has(entry)).map(async (entry) => {
        try {
          unsealed.set(entry, await entry.build());
        } catch (error) {
          entry.reject(error);
        }
      }),
    );
    const ready = [...writers.values()].filter((entry) => !entry.settled);
    if (ready.length === 0) {
      for (const [follower] of followers) if (!follower.settled) follower.reject(new Error(`the record of ${follower.key.repository}#${follower.key.number} could not be built`));
      return;
    }

    let head = tip === null ? null : (headFromMessage(tip.message) ?? (await readJson<ChainHead>(client, trail, HEAD_PATH, tip.sha)));
    const sealed = ready.map((entry) => {
      const record = sealRecord(unsealed.get(entry)!, head);
      head = { seq: record.seq, hash: record.hash };
      return { entry, record };
    });
    const last = sealed[sealed.length - 1]!.record;
    const { data: tree } = await client.request("POST /repos/{owner}/{repo}/git/trees", {
      ...where,
      ...(tip === null ? {} : { base_tree: tip.tree }),
      tree: [
        ...sealed.flatMap(({ entry, record }) => [
          { path: recordPath(record.seq), mode: "100644" as const, type: "blob" as const, content: canonicalJson(record) },
          { path: entryPath(entry.key), mode: "100644" as const, type: "blob" as const, content: canonicalJson({ seq: record.seq, hash: record.hash }) },
        ]),
        { path: HEAD_PATH, mode: "100644", type: "blob", content: canonicalJson({ seq: last.seq, hash: last.hash }) },
      ],
    });
    const first = sealed[0]!;
    const subject =
      sealed.length === 1
        ? `Audit record ${first.record.seq}: ${labelOf(first.entry.key)}`
        : `Audit records ${first.record.seq}-${last.seq}: ${sealed.length} records\n\n${sealed.map(({ entry, record }) => `- record ${record.seq}: ${labelOf(entry.key)}`).join("\n")}`;
    const { data: commit } = await client.request("POST /repos/{owner}/{repo}/git/commits", {
      ...where,
      // A nonce: two deliveries of one merge build identical commits, and a ref moved to the
      // commit it already points at would report both as appended.
      message: `${subject}\n\n${headTrailer(last)}\nChangegate-Attempt: ${randomUUID()}\n`,
      tree: tree.sha,
      parents: tip === null ? [] : [tip.sha],
    });
    try {
      if (tip === null) await client.request("POST /repos/{owner}/{repo}/git/refs", { ...where, ref: `refs/heads/${trail.branch}`, sha: commit.sha });
      else await client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...where, ref: `heads/${trail.branch}`, sha: commit.sha, force: false });
    } catch (error) {
      const status = statusOf(error);
      // A 5xx or no answer: the branch may have moved all the same. Where it points says.
      const moved = status === null || status >= 500 ? (await readTip(client, trail))?.sha === commit.sha : false;
      if (!moved) {
        // 422: not a fast-forward (or the branch was just created): another writer landed first.
        if (status !== 422 || attempt >= maxAttempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoff(attempt)));
        continue;
      }
    }
    const appended = new Map<Pending, Appended>();
    for (const { entry, record } of sealed) {
      const result: Appended = { status: "appended", seq: record.seq, hash: record.hash, path: recordPath(record.seq), commit: commit.sha };
      appended.set(entry, result);
      entry.resolve(result);
    }
    for (const [follower, writer] of followers) {
      const result = appended.get(writer);
      if (result !== undefined) follower.resolve({ ...result, status: "already-recorded" });
      else follower.reject(new Error(`the record of ${follower.key.repository}#${follower.key.number} could not be built`));
    }
    return;
  }
}

/** The index entry that makes a record's key recorded once: the pull request's, or the key's own (a deployment's event). */
function entryPath(key: RecordKey): string {
  return key.entry ?? indexPath(key.repository, key.number);
}

function labelOf(key: RecordKey): string {
  return key.label ?? `${key.repository}#${key.number}`;
}

async function readTip(client: GitHubClient, trail: TrailLocation): Promise<Tip | null> {
  try {
    const { data } = await client.request("GET /repos/{owner}/{repo}/branches/{branch}", { owner: trail.owner, repo: trail.repo, branch: trail.branch });
    return { sha: data.commit.sha, tree: data.commit.commit.tree.sha, message: data.commit.commit.message };
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

async function readJson<T>(client: GitHubClient, trail: TrailLocation, path: string, ref: string): Promise<T | null> {
  try {
    const { data } = await client.request("GET /repos/{owner}/{repo}/contents/{path}", { owner: trail.owner, repo: trail.repo, path, ref });
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return null;
    return JSON.parse(Buffer.from(data.content, "base64").toString("utf8")) as T;
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

/** The record a pull request's merge wrote (or, with `entry`, a deployment's event), when it was recorded. */
export async function findRecorded(client: GitHubClient, trail: TrailLocation, key: RecordKey): Promise<ChainHead | null> {
  const tip = await readTip(client, trail);
  return tip === null ? null : readJson<ChainHead>(client, trail, entryPath(key), tip.sha);
}

/** The record an index entry names, read from the branch (three requests); null when there is none. */
export async function readIndexedRecord<T>(client: GitHubClient, trail: TrailLocation, entry: string): Promise<T | null> {
  const tip = await readTip(client, trail);
  if (tip === null) return null;
  const pointer = await readJson<ChainHead>(client, trail, entry, tip.sha);
  return pointer === null ? null : readJson<T>(client, trail, recordPath(pointer.seq), tip.sha);
}

/**
 * Reads a whole trail through the API: one tree listing and one request per record. For a
 * long trail a local clone of the branch is far cheaper (`git clone --branch … --single-branch`).
 */
export async function readTrailFromGitHub(client: GitHubClient, trail: TrailLocation): Promise<{ files: TrailFile[]; head: ChainHead | null }> {
  const tip = await readTip(client, trail);
  if (tip === null) return { files: [], head: null };
  const { data } = await client.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", { owner: trail.owner, repo: trail.repo, tree_sha: tip.tree, recursive: "1" });
  if (data.truncated) throw new Error(`the trail on ${trail.owner}/${trail.repo}@${trail.branch} is too large to list through the API: verify a local clone of the branch instead`);
  const files: TrailFile[] = [];
  for (const item of data.tree) {
    if (item.type !== "blob" || item.path === undefined || item.sha === undefined || seqOfPath(item.path) === null) continue;
    const { data: blob } = await client.request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", { owner: trail.owner, repo: trail.repo, file_sha: item.sha });
    files.push({ path: item.path, bytes: Buffer.from(blob.content, "base64") });
  }
  const head = headFromMessage(tip.message) ?? (await readJson<ChainHead>(client, trail, HEAD_PATH, tip.sha));
  return { files, head };
}
