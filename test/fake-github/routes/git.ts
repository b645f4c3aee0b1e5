import type { ObjectType, Signature, TreeChange, TreeMode } from "../git.js";
import { actorLogin, json, notFound, paginate, repoOf, stringField, unprocessable, type RouteContext, type Routes } from "../http.js";
import { Renderer } from "../render.js";

/**
 * Git data: refs, blobs, trees and commits, backed by real git objects. A writer appends
 * files to a branch with blob -> tree (base_tree) -> commit -> PATCH ref; a PATCH that is not
 * a fast-forward (without `force`) fails with 422, which is how concurrent writers conflict.
 */

/** "heads/main" (also accepts "refs/heads/main") as the full ref name. */
const fullRef = (ref: string) => (ref.startsWith("refs/") ? ref : `refs/${ref}`);

interface TreeItemBody {
  path: string;
  mode?: TreeMode;
  type?: ObjectType;
  sha?: string | null;
  content?: string;
}

interface SignatureBody {
  name?: string;
  email?: string;
  date?: string;
}

function signatureFrom(context: RouteContext, body: SignatureBody | undefined, fallback: Signature): Signature {
  if (body?.name === undefined || body.email === undefined) return fallback;
  return { name: body.name, email: body.email, date: body.date ?? context.state.now() };
}

export const gitRoutes: Routes = {
  "GET /repos/{owner}/{repo}/git/ref/{ref}": (context) => {
    const repo = repoOf(context);
    const ref = fullRef(context.params["ref"] ?? "");
    const sha = repo.refs.get(ref);
    if (sha === undefined) throw notFound();
    return json(200, new Renderer(context.state, context.api).gitRef(repo, ref, sha));
  },

  "GET /repos/{owner}/{repo}/git/matching-refs/{ref}": (context) => {
    const repo = repoOf(context);
    const prefix = fullRef(context.params["ref"] ?? "");
    const render = new Renderer(context.state, context.api);
    const refs = [...repo.refs].filter(([name]) => name.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1));
    const page = paginate(context, refs);
    return json(
      200,
      page.items.map(([name, sha]) => render.gitRef(repo, name, sha)),
      page.headers,
    );
  },

  "POST /repos/{owner}/{repo}/git/refs": (context) => {
    const repo = repoOf(context);
    const ref = stringField(context.body, "ref") ?? "";
    const sha = stringField(context.body, "sha") ?? "";
    if (!ref.startsWith("refs/") || ref.split("/").length < 3) throw unprocessable("Reference name must start with 'refs' and have at least two slashes.");
    if (repo.refs.has(ref)) throw unprocessable("Reference already exists");
    if (!repo.git.commits.has(sha)) throw unprocessable("Object does not exist");
    context.state.moveRef(repo, ref, sha, actorLogin(context, repo), "branch_creation");
    return json(201, new Renderer(context.state, context.api).gitRef(repo, ref, sha));
  },

  "PATCH /repos/{owner}/{repo}/git/refs/{ref}": (context) => {
    const repo = repoOf(context);
    const ref = fullRef(context.params["ref"] ?? "");
    const current = repo.refs.get(ref);
    const sha = stringField(context.body, "sha") ?? "";
    if (current === undefined) throw unprocessable("Reference does not exist");
    if (!repo.git.commits.has(sha)) throw unprocessable("Object does not exist");
    if (context.body["force"] !== true && !repo.git.isAncestor(current, sha)) throw unprocessable("Update is not a fast forward");
    context.state.moveRef(repo, ref, sha, actorLogin(context, repo));
    return json(200, new Renderer(context.state, context.api).gitRef(repo, ref, sha));
  },

  "DELETE /repos/{owner}/{repo}/git/refs/{ref}": (context) => {
    const repo = repoOf(context);
    const ref = fullRef(context.params["ref"] ?? "");
    if (!repo.refs.has(ref)) throw unprocessable("Reference does not exist");
    context.state.moveRef(repo, ref, null, actorLogin(context, repo));
    return { status: 204 };
  },

  "POST /repos/{owner}/{repo}/git/blobs": (context) => {
    const repo = repoOf(context);
    const encoding = stringField(context.body, "encoding") ?? "utf-8";
    if (encoding !== "utf-8" && encoding !== "utf8" && encoding !== "base64") throw unprocessable(`encoding must be "utf-8" or "base64"`);
    const content = stringField(context.body, "content") ?? "";
    const sha = repo.git.putBlob(encoding === "base64" ? Buffer.from(content, "base64") : Buffer.from(content, "utf8"));
    return json(201, { sha, url: `${context.api}/repos/${repo.fullName}/git/blobs/${sha}` });
  },

  "GET /repos/{owner}/{repo}/git/blobs/{file_sha}": (context) => {
    const repo = repoOf(context);
    const sha = context.params["file_sha"] ?? "";
    const blob = repo.git.blobs.get(sha);
    if (blob === undefined) throw notFound();
    const base64 = blob.toString("base64");
    return json(200, {
      sha,
      node_id: Buffer.from(`04:Blob${repo.id}:${sha}`).toString("base64"),
      size: blob.length,
      url: `${context.api}/repos/${repo.fullName}/git/blobs/${sha}`,
      content: base64 === "" ? "" : `${base64.replace(/.{60}/g, "$&\n")}${base64.length % 60 === 0 ? "" : "\n"}`,
      encoding: "base64",
    });
  },

  "POST /repos/{owner}/{repo}/git/trees": (context) => {
    const repo = repoOf(context);
    const baseTree = stringField(context.body, "base_tree");
    if (baseTree !== undefined && !repo.git.trees.has(baseTree)) throw unprocessable("base_tree is not a valid tree oid");
    const items = (context.body["tree"] as TreeItemBody[] | undefined) ?? [];
    const changes: TreeChange[] = items.map((item, index) => {
      if (item.content !== undefined && item.sha !== undefined) throw unprocessable(`tree.${index}: only one of "content" and "sha" may be given`);
      if (item.content !== undefined) return { path: item.path, mode: item.mode ?? "100644", type: "blob", sha: repo.git.putBlob(item.content) };
      if (item.sha === null || item.sha === undefined) {
        if (baseTree === undefined) throw unprocessable(`tree.${index}: a deletion (sha: null) needs a base_tree`);
        return { path: item.path, sha: null };
      }
      const type = item.type ?? "blob";
      if (type !== "commit" && repo.git.typeOf(item.sha) !== type) throw unprocessable(`tree.sha ${item.sha} is not a valid ${type}`);
      return { path: item.path, mode: item.mode, type, sha: item.sha };
    });
    const sha = repo.git.applyChanges(baseTree ?? null, changes);
    return json(201, new Renderer(context.state, context.api).tree(repo, sha, false));
  },

  "GET /repos/{owner}/{repo}/git/trees/{tree_sha}": (context) => {
    const repo = repoOf(context);
    const given = context.params["tree_sha"] ?? "";
    let sha: string | undefined = repo.git.trees.has(given) ? given : undefined;
    if (sha === undefined) {
      const commit = context.state.resolveRef(repo, given);
      sha = commit === undefined ? undefined : repo.git.commits.get(commit)?.tree;
    }
    if (sha === undefined) throw notFound();
    const recursive = context.query.get("recursive");
    return json(200, new Renderer(context.state, context.api).tree(repo, sha, recursive !== null && recursive !== "" && recursive !== "0" && recursive !== "false"));
  },

  "POST /repos/{owner}/{repo}/git/commits": (context) => {
    const repo = repoOf(context);
    const tree = stringField(context.body, "tree") ?? "";
    if (!repo.git.trees.has(tree)) throw unprocessable("Tree SHA does not exist");
    const parents = (context.body["parents"] as string[] | undefined) ?? [];
    for (const parent of parents) if (!repo.git.commits.has(parent)) throw unprocessable("Parent SHA does not exist or is not a commit object");
    const fallback = context.state.signature(actorLogin(context, repo));
    const author = signatureFrom(context, context.body["author"] as SignatureBody | undefined, fallback);
    const committer = signatureFrom(context, context.body["committer"] as SignatureBody | undefined, author);
    const commit = repo.git.putCommit({ tree, parents, message: stringField(context.body, "message") ?? "", author, committer });
    return json(201, new Renderer(context.state, context.api).gitCommit(repo, commit));
  },

  "GET /repos/{owner}/{repo}/git/commits/{commit_sha}": (context) => {
    const repo = repoOf(context);
    const commit = repo.git.commits.get(context.params["commit_sha"] ?? "");
    if (commit === undefined) throw notFound();
    return json(200, new Renderer(context.state, context.api).gitCommit(repo, commit));
  },
};
