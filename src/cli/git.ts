import type { ChangedFile } from "../engine/paths.js";

/** Small read-only git queries for the CLI's defaults inside a checkout. */
function git(cwd: string, args: string[]): string | null {
  try {
    // Loaded at the first query: a check given every input runs no git and so does not load child_process (~3 ms).
    return process.getBuiltinModule("node:child_process").execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return null;
  }
}

export function isGitCheckout(cwd: string): boolean {
  return git(cwd, ["rev-parse", "--is-inside-work-tree"])?.trim() === "true";
}

/** The base branch: `GITHUB_BASE_REF`, else origin's default branch, else main or master. */
export function defaultBaseRef(cwd: string, env: Readonly<Record<string, string | undefined>>): string | null {
  const candidates: string[] = [];
  if (env["GITHUB_BASE_REF"]) candidates.push(`origin/${env["GITHUB_BASE_REF"]}`, env["GITHUB_BASE_REF"]);
  const originHead = git(cwd, ["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"])?.trim();
  if (originHead) candidates.push(originHead.replace(/^refs\/remotes\//, ""));
  candidates.push("origin/main", "main", "origin/master", "master");
  return candidates.find((ref) => branchExists(cwd, ref)) ?? null;
}

/** A file's content at a ref, or null when it is not there. */
export function fileAtRef(cwd: string, ref: string, path: string): string | null {
  return git(cwd, ["show", `${ref}:${path}`]);
}

/** Changed files between the merge base of `base` and HEAD, renames with both names. */
export function changedFilesSince(cwd: string, base: string): ChangedFile[] | null {
  const output = git(cwd, ["diff", "--name-status", "-M", "-z", `${base}...HEAD`]);
  if (output === null) return null;
  const fields = output.split("\0").filter((field) => field !== "");
  const files: ChangedFile[] = [];
  for (let index = 0; index < fields.length; ) {
    const status = fields[index++]!;
    if (status.startsWith("R") || status.startsWith("C")) {
      const previousPath = fields[index++]!;
      const path = fields[index++]!;
      files.push(status.startsWith("R") ? { path, previousPath } : { path });
    } else {
      files.push({ path: fields[index++]! });
    }
  }
  return files;
}

export function headSha(cwd: string): string | null {
  return git(cwd, ["rev-parse", "HEAD"])?.trim() ?? null;
}

/** Whether `ref` names a commit here (a branch, a remote branch, a tag or a SHA). */
export function branchExists(cwd: string, ref: string): boolean {
  return git(cwd, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]) !== null;
}

/** Whether `ancestor` is already contained in `ref` (then `git diff ref...HEAD` is empty). */
export function isAncestor(cwd: string, ancestor: string, ref: string): boolean {
  return git(cwd, ["merge-base", "--is-ancestor", ancestor, ref]) !== null;
}
