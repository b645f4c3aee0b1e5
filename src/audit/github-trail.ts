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
}

interface Tip {
  sha: string;
  tree: string;
  message: string;
}

/**
 * Appends one record with the git data API, in the same five requests however long the
 * trail: read the branch tip (its commit message names the newest record), look the pull
 * request up in the index, write one tree (record, index entry, head), one commit, and
 * move the branch. The ref moves only as a fast-forward: when another append landed first
 * GitHub refuses (422) and this one starts again on top of it, so simultaneous merges are
 * all recorded, in some order, never overwritten and never forced. A merge found in the
 * index is not recorded again: `build` runs at most once, and only for a new record.
 */
export async function appendRecord(
  client: GitHubClient,
  trail: TrailLocation,
  key: RecordKey,
  build: () => Promise<UnsealedRecord | UnsealedDeploymentRecord>,
  options: AppendOptions = {},
): Promise<Appended> {
  const maxAttempts = options.maxAttempts ?? 40;
  const backoff = options.backoffMs ?? ((attempt) => Math.min(2_000, 25 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random()));
  const where = { owner: trail.owner, repo: trail.repo };
  const entry = key.entry ?? indexPath(key.repository, key.number);
  let unsealed: UnsealedRecord | UnsealedDeploymentRecord | null = null;

  for (let attempt = 1; ; attempt++) {
    const tip = await readTip(client, trail);
    if (tip !== null) {
      const indexed = await readJson<ChainHead>(client, trail, entry, tip.sha);
      if (indexed !== null) return { status: "already-recorded", seq: indexed.seq, hash: indexed.hash, path: recordPath(indexed.seq), commit: tip.sha };
    }
    const head = tip === null ? null : (headFromMessage(tip.message) ?? (await readJson<ChainHead>(client, trail, HEAD_PATH, tip.sha)));
    unsealed ??= await build();
    const record = sealRecord(unsealed, head);
    const pointer = canonicalJson({ seq: record.seq, hash: record.hash });
    const path = recordPath(record.seq);
    const { data: tree } = await client.request("POST /repos/{owner}/{repo}/git/trees", {
      ...where,
      ...(tip === null ? {} : { base_tree: tip.tree }),
      tree: [
        { path, mode: "100644", type: "blob", content: canonicalJson(record) },
        { path: entry, mode: "100644", type: "blob", content: pointer },
        { path: HEAD_PATH, mode: "100644", type: "blob", content: pointer },
      ],
    });
    const { data: commit } = await client.request("POST /repos/{owner}/{repo}/git/commits", {
      ...where,
      // A nonce: two deliveries of one merge build identical commits, and a ref moved to the
      // commit it already points at would report both as appended.
      message: `Audit record ${record.seq}: ${key.label ?? `${key.repository}#${key.number}`}\n\n${headTrailer(record)}\nChangegate-Attempt: ${randomUUID()}\n`,
      tree: tree.sha,
      parents: tip === null ? [] : [tip.sha],
    });
    try {
      if (tip === null) await client.request("POST /repos/{owner}/{repo}/git/refs", { ...where, ref: `refs/heads/${trail.branch}`, sha: commit.sha });
      else await client.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...where, ref: `heads/${trail.branch}`, sha: commit.sha, force: false });
      return { status: "appended", seq: record.seq, hash: record.hash, path, commit: commit.sha };
    } catch (error) {
      // 422: not a fast-forward (or the branch was just created): another append landed first.
      if (statusOf(error) !== 422 || attempt >= maxAttempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoff(attempt)));
    }
  }
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
  return tip === null ? null : readJson<ChainHead>(client, trail, key.entry ?? indexPath(key.repository, key.number), tip.sha);
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
