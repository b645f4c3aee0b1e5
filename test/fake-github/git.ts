import { createHash } from "node:crypto";

/**
 * An in-memory git object store for one repository: blobs, trees and commits with the
 * SHAs git itself would compute (so a blob's SHA matches `git hash-object`). Seeded
 * commits may also be registered under an arbitrary SHA (tests often invent head SHAs).
 */

export type TreeMode = "100644" | "100755" | "040000" | "160000" | "120000";
export type ObjectType = "blob" | "tree" | "commit";

export interface TreeEntry {
  /** The entry's name inside its tree (no slashes). */
  name: string;
  mode: TreeMode;
  type: ObjectType;
  sha: string;
}

export interface Signature {
  name: string;
  email: string;
  /** ISO 8601, seconds precision ("2026-01-01T00:00:00Z"). */
  date: string;
}

export interface CommitObject {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: Signature;
  committer: Signature;
}

/** A file in a flattened tree: the full path and its blob. */
export interface FlatEntry {
  path: string;
  mode: TreeMode;
  type: ObjectType;
  sha: string;
  size?: number;
}

/** One change applied to a tree: `sha: null` (and no content) deletes the path. */
export interface TreeChange {
  path: string;
  mode?: TreeMode;
  type?: ObjectType;
  sha: string | null;
}

export type FileStatus = "added" | "removed" | "modified" | "renamed";

export interface FileDiff {
  filename: string;
  status: FileStatus;
  previousFilename?: string;
  /** Blob SHA after the change (before it, for a removal). */
  sha: string;
  oldSha: string | null;
  newSha: string | null;
}

export const EMPTY_TREE_SHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

function hashObject(type: ObjectType, payload: Buffer): string {
  return createHash("sha1")
    .update(Buffer.from(`${type} ${payload.length}\0`))
    .update(payload)
    .digest("hex");
}

/** The SHA git computes for a blob with this content. */
export function blobSha(content: string | Buffer): string {
  return hashObject("blob", typeof content === "string" ? Buffer.from(content, "utf8") : content);
}

function unixSeconds(iso: string): number {
  return Math.floor(new Date(iso).getTime() / 1000);
}

/** git sorts tree entries by name, comparing a subtree's name as if it ended in "/". */
function treeOrder(a: TreeEntry, b: TreeEntry): number {
  const key = (entry: TreeEntry) => Buffer.from(entry.type === "tree" ? `${entry.name}/` : entry.name);
  return Buffer.compare(key(a), key(b));
}

export class GitStore {
  readonly blobs = new Map<string, Buffer>();
  readonly trees = new Map<string, TreeEntry[]>();
  readonly commits = new Map<string, CommitObject>();

  constructor() {
    this.trees.set(EMPTY_TREE_SHA, []);
  }

  putBlob(content: string | Buffer): string {
    const buffer = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    const sha = hashObject("blob", buffer);
    this.blobs.set(sha, buffer);
    return sha;
  }

  putTree(entries: TreeEntry[]): string {
    const sorted = [...entries].sort(treeOrder);
    const payload = Buffer.concat(
      sorted.flatMap((entry) => [Buffer.from(`${entry.mode === "040000" ? "40000" : entry.mode} ${entry.name}\0`), Buffer.from(entry.sha, "hex")]),
    );
    const sha = hashObject("tree", payload);
    this.trees.set(sha, sorted);
    return sha;
  }

  /** Stores a commit; its SHA is git's unless the caller insists on one. */
  putCommit(commit: Omit<CommitObject, "sha">, sha?: string): CommitObject {
    const line = (role: string, signature: Signature) => `${role} ${signature.name} <${signature.email}> ${unixSeconds(signature.date)} +0000\n`;
    const text =
      `tree ${commit.tree}\n` +
      commit.parents.map((parent) => `parent ${parent}\n`).join("") +
      line("author", commit.author) +
      line("committer", commit.committer) +
      `\n${commit.message}`;
    const stored: CommitObject = { ...commit, sha: sha ?? hashObject("commit", Buffer.from(text, "utf8")) };
    this.commits.set(stored.sha, stored);
    return stored;
  }

  typeOf(sha: string): ObjectType | undefined {
    if (this.commits.has(sha)) return "commit";
    if (this.trees.has(sha)) return "tree";
    if (this.blobs.has(sha)) return "blob";
    return undefined;
  }

  /** A full SHA for a full or abbreviated (7+ hex digits) commit SHA. */
  expandCommitSha(candidate: string): string | undefined {
    const lower = candidate.toLowerCase();
    if (this.commits.has(lower)) return lower;
    if (!/^[0-9a-f]{7,39}$/.test(lower)) return undefined;
    const matches = [...this.commits.keys()].filter((sha) => sha.startsWith(lower));
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** Every entry of a tree, depth first; subtrees are listed too when `recursive`. */
  flatten(treeSha: string, recursive = true, prefix = ""): FlatEntry[] {
    const entries = this.trees.get(treeSha);
    if (entries === undefined) return [];
    const out: FlatEntry[] = [];
    for (const entry of entries) {
      const path = prefix + entry.name;
      if (entry.type === "blob") out.push({ path, mode: entry.mode, type: "blob", sha: entry.sha, size: this.blobs.get(entry.sha)?.length ?? 0 });
      else out.push({ path, mode: entry.mode, type: entry.type, sha: entry.sha });
      if (recursive && entry.type === "tree") out.push(...this.flatten(entry.sha, true, `${path}/`));
    }
    return out;
  }

  /** path -> blob SHA for every file under a tree. */
  files(treeSha: string): Map<string, string> {
    return new Map(
      this.flatten(treeSha)
        .filter((entry) => entry.type === "blob")
        .map((entry) => [entry.path, entry.sha]),
    );
  }

  /** The entry at a path inside a tree (a file, a subtree), or undefined. */
  entryAt(treeSha: string, path: string): FlatEntry | undefined {
    if (path === "" || path === "/") return { path: "", mode: "040000", type: "tree", sha: treeSha };
    const parts = path.replace(/^\/+|\/+$/g, "").split("/");
    let current: FlatEntry = { path: "", mode: "040000", type: "tree", sha: treeSha };
    for (const part of parts) {
      if (current.type !== "tree") return undefined;
      const entry = this.trees.get(current.sha)?.find((candidate) => candidate.name === part);
      if (entry === undefined) return undefined;
      current = { path: current.path === "" ? part : `${current.path}/${part}`, mode: entry.mode, type: entry.type, sha: entry.sha };
      if (entry.type === "blob") current.size = this.blobs.get(entry.sha)?.length ?? 0;
    }
    return current;
  }

  /**
   * A new tree: `base` (a tree SHA, or null for an empty one) with the changes applied.
   * Paths may be nested ("a/b/c.txt"); emptied directories disappear, as in git.
   */
  applyChanges(base: string | null, changes: TreeChange[]): string {
    interface Dir {
      entries: Map<string, TreeEntry>;
      dirs: Map<string, Dir>;
    }
    const load = (sha: string | null): Dir => {
      const dir: Dir = { entries: new Map(), dirs: new Map() };
      for (const entry of sha === null ? [] : (this.trees.get(sha) ?? [])) dir.entries.set(entry.name, entry);
      return dir;
    };
    const root = load(base);
    const descend = (dir: Dir, name: string): Dir => {
      let child = dir.dirs.get(name);
      if (child === undefined) {
        const existing = dir.entries.get(name);
        child = load(existing?.type === "tree" ? existing.sha : null);
        dir.dirs.set(name, child);
        dir.entries.delete(name);
      }
      return child;
    };
    for (const change of changes) {
      const parts = change.path.replace(/^\/+|\/+$/g, "").split("/");
      const name = parts.pop()!;
      let dir = root;
      for (const part of parts) dir = descend(dir, part);
      dir.dirs.delete(name);
      if (change.sha === null) dir.entries.delete(name);
      else {
        const type = change.type ?? "blob";
        dir.entries.set(name, { name, type, mode: change.mode ?? (type === "tree" ? "040000" : type === "commit" ? "160000" : "100644"), sha: change.sha });
      }
    }
    const write = (dir: Dir): string | null => {
      const entries = [...dir.entries.values()];
      for (const [name, child] of dir.dirs) {
        const sha = write(child);
        if (sha !== null) entries.push({ name, mode: "040000", type: "tree", sha });
      }
      return entries.length === 0 && dir !== root ? null : this.putTree(entries);
    };
    return write(root)!;
  }

  /** A tree holding exactly these files (path -> content). */
  treeFromFiles(files: Record<string, string>): string {
    return this.applyChanges(
      null,
      Object.entries(files).map(([path, content]) => ({ path, sha: this.putBlob(content) })),
    );
  }

  /** Every commit reachable from `sha` (itself included). */
  ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const stack = [sha];
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (seen.has(current)) continue;
      const commit = this.commits.get(current);
      if (commit === undefined) continue;
      seen.add(current);
      stack.push(...commit.parents);
    }
    return seen;
  }

  isAncestor(ancestor: string, descendant: string): boolean {
    return this.ancestors(descendant).has(ancestor);
  }

  /** The newest common ancestor of two commits (by breadth-first distance from `b`). */
  mergeBase(a: string, b: string): string | undefined {
    const fromA = this.ancestors(a);
    const queue = [b];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const current = queue.shift()!;
      if (seen.has(current)) continue;
      seen.add(current);
      if (fromA.has(current)) return current;
      queue.push(...(this.commits.get(current)?.parents ?? []));
    }
    return undefined;
  }

  /** Commits reachable from `head` but not from `base`, oldest first (parents before children). */
  commitsBetween(base: string | undefined, head: string): CommitObject[] {
    const exclude = base === undefined ? new Set<string>() : this.ancestors(base);
    const ordered: CommitObject[] = [];
    const visited = new Set<string>();
    const visit = (sha: string) => {
      const stack: [string, boolean][] = [[sha, false]];
      while (stack.length > 0) {
        const [current, expanded] = stack.pop()!;
        const commit = this.commits.get(current);
        if (commit === undefined || exclude.has(current)) continue;
        if (expanded) {
          if (!visited.has(current)) {
            visited.add(current);
            ordered.push(commit);
          }
          continue;
        }
        if (visited.has(current)) continue;
        stack.push([current, true]);
        for (const parent of [...commit.parents].reverse()) stack.push([parent, false]);
      }
    };
    visit(head);
    return ordered;
  }

  /** Files that differ between two trees; a removed and an added file with the same blob count as a rename. */
  diffTrees(before: string | null, after: string): FileDiff[] {
    const old = before === null ? new Map<string, string>() : this.files(before);
    const now = this.files(after);
    const diffs: FileDiff[] = [];
    const removed = new Map<string, string>();
    for (const [path, sha] of old) if (!now.has(path)) removed.set(path, sha);
    for (const [path, sha] of now) {
      const previous = old.get(path);
      if (previous === sha) continue;
      if (previous !== undefined) {
        diffs.push({ filename: path, status: "modified", sha, oldSha: previous, newSha: sha });
        continue;
      }
      const renamedFrom = [...removed].find(([, oldSha]) => oldSha === sha)?.[0];
      if (renamedFrom !== undefined) {
        removed.delete(renamedFrom);
        diffs.push({ filename: path, status: "renamed", previousFilename: renamedFrom, sha, oldSha: sha, newSha: sha });
      } else diffs.push({ filename: path, status: "added", sha, oldSha: null, newSha: sha });
    }
    for (const [path, sha] of removed) diffs.push({ filename: path, status: "removed", sha, oldSha: sha, newSha: null });
    return diffs.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  }

  text(sha: string | null): string {
    if (sha === null) return "";
    return this.blobs.get(sha)?.toString("utf8") ?? "";
  }
}

export interface LineDiff {
  additions: number;
  deletions: number;
  patch: string;
}

/** A one-hunk unified diff (no context lines) between two texts: enough for counts and a readable `patch`. */
export function lineDiff(before: string, after: string): LineDiff {
  const split = (text: string) => (text === "" ? [] : text.replace(/\n$/, "").split("\n"));
  const a = split(before);
  const b = split(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const removed = a.slice(start, endA);
  const added = b.slice(start, endB);
  if (removed.length === 0 && added.length === 0) return { additions: 0, deletions: 0, patch: "" };
  const range = (from: number, count: number) => (count === 0 ? `${from},0` : `${from + 1},${count}`);
  const patch = [`@@ -${range(start, removed.length)} +${range(start, added.length)} @@`, ...removed.map((line) => `-${line}`), ...added.map((line) => `+${line}`)].join("\n");
  return { additions: added.length, deletions: removed.length, patch };
}
