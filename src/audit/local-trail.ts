import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import type { TrailSource } from "./chain.js";
import { HEAD_PATH, RECORDS_FOLDER, seqOfPath, type ChainHead } from "./layout.js";

/**
 * A trail in a local checkout of the audit branch
 * (`git clone --branch changegate/audit --single-branch <repo> trail`). Files are read one
 * at a time into one reused buffer: verifying a million records holds one in memory.
 */
export function localTrail(dir: string): TrailSource {
  const root = join(dir, RECORDS_FOLDER);
  if (!existsSync(dir)) throw new Error(`${dir}: no such directory`);
  if (!existsSync(root) && !existsSync(join(dir, HEAD_PATH))) throw new Error(`${dir} holds no audit trail (no ${RECORDS_FOLDER}/ folder): give a checkout of the audit branch`);
  const paths: string[] = [];
  const walk = (folder: string, relative: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(join(folder, entry.name), path);
      else paths.push(path);
    }
  };
  if (existsSync(root)) walk(root, RECORDS_FOLDER);
  const headFile = join(dir, HEAD_PATH);
  const head = existsSync(headFile) ? (JSON.parse(readFileSync(headFile, "utf8")) as ChainHead) : null;
  let buffer = Buffer.allocUnsafe(64 * 1024);
  return {
    paths,
    head,
    read(path) {
      const fd = openSync(join(dir, path), "r");
      try {
        let read = readSync(fd, buffer, 0, buffer.length, 0);
        while (read === buffer.length) {
          const grown = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(grown);
          buffer = grown;
          read += readSync(fd, buffer, read, buffer.length - read, read);
        }
        return buffer.subarray(0, read);
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** Record paths in sequence order (others left out). */
export function recordPathsInOrder(source: TrailSource): string[] {
  return source.paths
    .map((path) => [seqOfPath(path), path] as const)
    .filter((entry): entry is readonly [number, string] => entry[0] !== null)
    .sort((a, b) => a[0] - b[0])
    .map(([, path]) => path);
}
