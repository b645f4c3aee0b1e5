import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import type { GitHubClient } from "../github/access.js";
import type { TrailFile } from "./chain.js";
import type { TrailLocation } from "./github-trail.js";
import { HEAD_PATH, seqOfPath, type ChainHead } from "./layout.js";

/**
 * Reads a whole trail through the API in one request: the branch's tar archive
 * (GET /repos/{owner}/{repo}/tarball/{ref}, which redirects to a download), where reading
 * record by record costs a request each (100,000 records would be days of rate limit).
 * Every file sits under one top folder (`owner-repo-<sha>/`), which is dropped; entries
 * other than files (the pax global header, folders) are skipped. No branch: an empty trail.
 */
export async function readTrailArchive(client: GitHubClient, trail: TrailLocation): Promise<{ files: TrailFile[]; head: ChainHead | null }> {
  let archive: ArrayBuffer;
  try {
    const response = await client.request("GET /repos/{owner}/{repo}/tarball/{ref}", { owner: trail.owner, repo: trail.repo, ref: trail.branch });
    archive = response.data as ArrayBuffer;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return { files: [], head: null };
    throw error;
  }
  const files: TrailFile[] = [];
  let head: ChainHead | null = null;
  const entries = extract();
  const reading = new Promise<void>((resolve, reject) => {
    entries.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on("end", () => {
        const path = header.name.slice(header.name.indexOf("/") + 1);
        if (header.type === "file") {
          if (seqOfPath(path) !== null) files.push({ path, bytes: Buffer.concat(chunks) });
          else if (path === HEAD_PATH) head = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChainHead;
        }
        next();
      });
      stream.on("error", reject);
    });
    entries.on("finish", resolve);
    entries.on("error", reject);
  });
  const gunzip = createGunzip();
  gunzip.on("error", (error) => entries.destroy(error));
  Readable.from([Buffer.from(archive)]).pipe(gunzip).pipe(entries);
  await reading;
  return { files, head };
}
