import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { notFound, repoOf, type Reply, type Routes } from "./http.js";
import type { FakeState } from "./state.js";

/**
 * A repository's archive, as GitHub's "Download a repository archive (tar)" answers it
 * (OpenAPI: GET /repos/{owner}/{repo}/tarball/{ref}, 302 with a Location on codeload that
 * carries a short-lived token). The archive is a gzipped tar of every file under one folder
 * `owner-repo-<7 hex>/` (GitHub's also opens with a pax global header naming the commit,
 * which tar-stream cannot write; readers skip it either way). Here the Location is on the
 * fake itself, under /_codeload/.
 */
const links = new WeakMap<FakeState, Map<string, { repository: string; sha: string }>>();

function linksOf(state: FakeState): Map<string, { repository: string; sha: string }> {
  let found = links.get(state);
  if (found === undefined) links.set(state, (found = new Map()));
  return found;
}

export const archiveRoutes: Routes = {
  "GET /repos/{owner}/{repo}/tarball/{ref}": (context) => {
    const repo = repoOf(context);
    const sha = context.state.resolveRef(repo, context.params["ref"] ?? "");
    if (sha === undefined) throw notFound();
    const token = randomBytes(12).toString("hex");
    linksOf(context.state).set(token, { repository: repo.fullName, sha });
    const origin = context.api.replace(/\/api\/v3$/, "");
    return { status: 302, raw: "", contentType: "text/html", headers: { location: `${origin}/_codeload/${repo.fullName}/legacy.tar.gz/${sha}?token=${token}` } };
  },
};

/** The codeload download; null for any other path. */
export async function archiveWebReply(state: FakeState, method: string, path: string, query: URLSearchParams): Promise<Reply | null> {
  if (method !== "GET" || !path.startsWith("/_codeload/")) return null;
  const link = linksOf(state).get(query.get("token") ?? "");
  if (link === undefined) return { status: 404, raw: "Not Found", contentType: "text/plain" };
  linksOf(state).delete(query.get("token")!);
  const [owner, name] = link.repository.split("/") as [string, string];
  const repo = state.repository(owner, name);
  const commit = repo.git.commits.get(link.sha)!;
  const folder = `${owner}-${name}-${link.sha.slice(0, 7)}/`;
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    archive.on("end", resolve);
    archive.on("error", reject);
  });
  archive.entry({ name: folder, type: "directory" });
  for (const [path, blob] of repo.git.files(commit.tree)) archive.entry({ name: `${folder}${path}` }, repo.git.blobs.get(blob)!);
  archive.finalize();
  await done;
  return { status: 200, raw: gzipSync(Buffer.concat(chunks)), contentType: "application/x-gzip", headers: { "content-disposition": `attachment; filename=${folder.slice(0, -1)}.tar.gz` } };
}
