import { statusOf, withAccess, type GitHubClient } from "./access.js";

export interface PolicyFile {
  owner: string;
  repo: string;
  path: string;
  /** The blob SHA, for the audit trail. */
  sha: string;
  text: string;
  /** The name problems and annotations use: the path in this repository, else owner/repo:path. */
  name: string;
}

/**
 * A policy file at a ref (null: no such file), for the repository itself or, `other`, one
 * its `_extends` names (which changes what a missing permission is explained as). It reads
 * only: no schema, no YAML, so a caller can send the request before those modules load.
 */
export async function readPolicyFile(
  client: GitHubClient,
  location: { owner: string; repo: string; path: string; ref: string | null },
  other: boolean,
): Promise<PolicyFile | null> {
  const { owner, repo, path, ref } = location;
  const what = `read ${owner}/${repo}:${path}`;
  try {
    const { data } = await withAccess(
      what,
      other ? `contents: read on ${owner}/${repo} (GITHUB_TOKEN reads only the repository its workflow runs in)` : "contents: read",
      () => client.request("GET /repos/{owner}/{repo}/contents/{path}", { owner, repo, path, ...(ref === null ? {} : { ref }) }),
    );
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return null;
    // Over 1 MiB the contents API leaves the content out ("encoding": "none"); the blob API has it (up to 100 MB).
    const content = data.encoding === "none" ? await blobContent(client, owner, repo, data.sha, what) : data.content;
    return {
      owner,
      repo,
      path,
      sha: data.sha,
      text: Buffer.from(content, "base64").toString("utf8"),
      name: other ? `${owner}/${repo}:${path}` : path,
    };
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

async function blobContent(client: GitHubClient, owner: string, repo: string, sha: string, what: string): Promise<string> {
  const { data } = await withAccess(what, "contents: read", () => client.request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", { owner, repo, file_sha: sha }));
  return data.encoding === "base64" ? data.content : Buffer.from(data.content, "utf8").toString("base64");
}
