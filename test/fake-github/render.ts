import { lineDiff, type CommitObject, type FileDiff, type Signature } from "./git.js";
import type { JsonObject } from "./http.js";
import {
  fakeSha,
  type Account,
  type AppInfo,
  type CheckRun,
  type CheckSuite,
  type Deployment,
  type DeploymentStatus,
  type FakeState,
  type HookDelivery,
  type Installation,
  type Issue,
  type IssueComment,
  type Label,
  type Permission,
  type PullRequest,
  type Repository,
  type Review,
  type Team,
  type TeamMember,
} from "./state.js";

/**
 * Renders the fake's state as GitHub's REST API does: every field the OpenAPI response
 * schemas require, URLs under the API root the client used, html URLs under github.com.
 */

const HTML = "https://github.com";
/** The contents API answers a file's content up to 1 MiB; above it, `encoding: "none"`. */
export const CONTENTS_MAX_BYTES = 1024 * 1024;

export function nodeId(type: string, id: number | string): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString("base64");
}

export interface PullFile {
  sha: string;
  filename: string;
  status: string;
  previous_filename?: string;
  additions: number;
  deletions: number;
  patch?: string;
}

const ROLE_NAMES: Record<Permission, string> = { admin: "admin", maintain: "maintain", write: "write", triage: "triage", read: "read", none: "none" };
const LEGACY_PERMISSION: Record<Permission, string> = { admin: "admin", maintain: "write", write: "write", triage: "read", read: "read", none: "none" };

export function permissionFlags(permission: Permission): { admin: boolean; maintain: boolean; push: boolean; triage: boolean; pull: boolean } {
  const rank = ["none", "read", "triage", "write", "maintain", "admin"].indexOf(permission);
  return { admin: rank >= 5, maintain: rank >= 4, push: rank >= 3, triage: rank >= 2, pull: rank >= 1 };
}

export class Renderer {
  constructor(
    readonly state: FakeState,
    /** API root, e.g. "http://127.0.0.1:1234" or "http://127.0.0.1:1234/api/v3". */
    readonly api: string,
  ) {}

  // ------------------------------------------------------------------ accounts

  user(account: Account): JsonObject {
    const url = `${this.api}/users/${encodeURIComponent(account.login)}`;
    return {
      login: account.login,
      id: account.id,
      node_id: nodeId(account.type === "Organization" ? "Organization" : account.type === "Bot" ? "Bot" : "User", account.id),
      avatar_url: `https://avatars.githubusercontent.com/u/${account.id}?v=4`,
      gravatar_id: "",
      url,
      html_url: account.type === "Bot" ? `${HTML}/apps/${account.login.replace(/\[bot\]$/, "")}` : `${HTML}/${account.login}`,
      followers_url: `${url}/followers`,
      following_url: `${url}/following{/other_user}`,
      gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`,
      subscriptions_url: `${url}/subscriptions`,
      organizations_url: `${url}/orgs`,
      repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`,
      received_events_url: `${url}/received_events`,
      type: account.type,
      user_view_type: "public",
      site_admin: false,
      ...(account.name === null ? {} : { name: account.name }),
      ...(account.email === null ? {} : { email: account.email }),
    };
  }

  /** The account a git signature's email belongs to (the fake writes `<id>+<login>@users.noreply...`). */
  userForSignature(signature: Signature): JsonObject | null {
    const match = /^(\d+)\+(.+)@users\.noreply\.github\.com$/.exec(signature.email);
    const account = match === null ? undefined : this.state.findUser(match[2]!);
    return account === undefined ? null : this.user(account);
  }

  app(app: AppInfo): JsonObject {
    return {
      id: app.id,
      slug: app.slug,
      node_id: nodeId("App", app.id),
      client_id: app.clientId,
      owner: this.user(app.owner),
      name: app.name,
      description: app.description,
      external_url: `https://${app.slug}.example.com`,
      html_url: `${HTML}/apps/${app.slug}`,
      created_at: app.createdAt,
      updated_at: app.createdAt,
      permissions: app.permissions,
      events: app.events,
      installations_count: this.state.installations.size,
    };
  }

  installation(installation: Installation): JsonObject {
    const account = installation.account;
    return {
      id: installation.id,
      client_id: this.state.app.clientId,
      account: this.user(account),
      repository_selection: installation.repositorySelection,
      access_tokens_url: `${this.api}/app/installations/${installation.id}/access_tokens`,
      repositories_url: `${this.api}/installation/repositories`,
      html_url: account.type === "Organization" ? `${HTML}/organizations/${account.login}/settings/installations/${installation.id}` : `${HTML}/settings/installations/${installation.id}`,
      app_id: this.state.app.id,
      app_slug: this.state.app.slug,
      target_id: account.id,
      target_type: account.type,
      permissions: installation.permissions,
      events: installation.events,
      created_at: installation.createdAt,
      updated_at: installation.createdAt,
      single_file_name: null,
      has_multiple_single_files: false,
      single_file_paths: [],
      suspended_by: null,
      suspended_at: installation.suspendedAt,
    };
  }

  // ------------------------------------------------------------- repositories

  repository(repo: Repository): JsonObject {
    const url = `${this.api}/repos/${repo.fullName}`;
    const html = `${HTML}/${repo.fullName}`;
    const openIssues = [...repo.issues.values(), ...repo.pulls.values()].filter((item) => item.state === "open").length;
    const pushedAt = [...repo.refs.values()].map((sha) => repo.git.commits.get(sha)?.committer.date ?? repo.createdAt).sort().pop() ?? repo.createdAt;
    return {
      id: repo.id,
      node_id: nodeId("Repository", repo.id),
      name: repo.name,
      full_name: repo.fullName,
      private: repo.private,
      owner: this.user(repo.owner),
      html_url: html,
      description: repo.description,
      fork: false,
      url,
      archive_url: `${url}/{archive_format}{/ref}`,
      assignees_url: `${url}/assignees{/user}`,
      blobs_url: `${url}/git/blobs{/sha}`,
      branches_url: `${url}/branches{/branch}`,
      collaborators_url: `${url}/collaborators{/collaborator}`,
      comments_url: `${url}/comments{/number}`,
      commits_url: `${url}/commits{/sha}`,
      compare_url: `${url}/compare/{base}...{head}`,
      contents_url: `${url}/contents/{+path}`,
      contributors_url: `${url}/contributors`,
      deployments_url: `${url}/deployments`,
      downloads_url: `${url}/downloads`,
      events_url: `${url}/events`,
      forks_url: `${url}/forks`,
      git_commits_url: `${url}/git/commits{/sha}`,
      git_refs_url: `${url}/git/refs{/sha}`,
      git_tags_url: `${url}/git/tags{/sha}`,
      git_url: `git://github.com/${repo.fullName}.git`,
      issue_comment_url: `${url}/issues/comments{/number}`,
      issue_events_url: `${url}/issues/events{/number}`,
      issues_url: `${url}/issues{/number}`,
      keys_url: `${url}/keys{/key_id}`,
      labels_url: `${url}/labels{/name}`,
      languages_url: `${url}/languages`,
      merges_url: `${url}/merges`,
      milestones_url: `${url}/milestones{/number}`,
      notifications_url: `${url}/notifications{?since,all,participating}`,
      pulls_url: `${url}/pulls{/number}`,
      releases_url: `${url}/releases{/id}`,
      ssh_url: `git@github.com:${repo.fullName}.git`,
      stargazers_url: `${url}/stargazers`,
      statuses_url: `${url}/statuses/{sha}`,
      subscribers_url: `${url}/subscribers`,
      subscription_url: `${url}/subscription`,
      tags_url: `${url}/tags`,
      teams_url: `${url}/teams`,
      trees_url: `${url}/git/trees{/sha}`,
      clone_url: `${html}.git`,
      mirror_url: null,
      hooks_url: `${url}/hooks`,
      svn_url: html,
      homepage: null,
      language: null,
      forks_count: 0,
      forks: 0,
      stargazers_count: 0,
      watchers_count: 0,
      watchers: 0,
      size: 0,
      default_branch: repo.defaultBranch,
      open_issues_count: openIssues,
      open_issues: openIssues,
      is_template: false,
      topics: [],
      has_issues: true,
      has_projects: true,
      has_wiki: true,
      has_pages: false,
      has_downloads: true,
      has_discussions: false,
      archived: false,
      disabled: false,
      visibility: repo.private ? "private" : "public",
      pushed_at: pushedAt,
      created_at: repo.createdAt,
      updated_at: pushedAt,
      permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
      allow_rebase_merge: true,
      allow_squash_merge: true,
      allow_merge_commit: true,
      allow_auto_merge: false,
      allow_update_branch: false,
      allow_forking: true,
      delete_branch_on_merge: false,
      use_squash_pr_title_as_default: false,
      web_commit_signoff_required: false,
      license: null,
      network_count: 0,
      subscribers_count: 0,
      ...(repo.owner.type === "Organization" ? { organization: this.user(repo.owner) } : {}),
    };
  }

  collaboratorPermission(repo: Repository, account: Account): JsonObject {
    const permission = this.state.permissionOf(repo, account.login);
    return {
      permission: LEGACY_PERMISSION[permission],
      role_name: ROLE_NAMES[permission],
      user: { ...this.user(account), permissions: permissionFlags(permission), role_name: ROLE_NAMES[permission] },
    };
  }

  label(repo: Repository, label: Label): JsonObject {
    return {
      id: label.id,
      node_id: nodeId("Label", label.id),
      url: `${this.api}/repos/${repo.fullName}/labels/${encodeURIComponent(label.name)}`,
      name: label.name,
      color: label.color,
      default: label.default,
      description: label.description,
    };
  }

  labels(repo: Repository, names: string[]): JsonObject[] {
    return names.map((name) => this.label(repo, this.state.label(repo, name)));
  }

  // ---------------------------------------------------------------------- git

  private verification(): JsonObject {
    return { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null };
  }

  gitCommit(repo: Repository, commit: CommitObject): JsonObject {
    const url = `${this.api}/repos/${repo.fullName}/git/commits/${commit.sha}`;
    return {
      sha: commit.sha,
      node_id: nodeId("Commit", commit.sha),
      url,
      html_url: `${HTML}/${repo.fullName}/commit/${commit.sha}`,
      author: { ...commit.author },
      committer: { ...commit.committer },
      tree: { sha: commit.tree, url: `${this.api}/repos/${repo.fullName}/git/trees/${commit.tree}` },
      message: commit.message,
      parents: commit.parents.map((sha) => ({ sha, url: `${this.api}/repos/${repo.fullName}/git/commits/${sha}`, html_url: `${HTML}/${repo.fullName}/commit/${sha}` })),
      verification: this.verification(),
    };
  }

  /** The REST "commit" object (`GET /repos/{owner}/{repo}/commits/{ref}`); `withFiles` adds stats and files against the first parent. */
  commit(repo: Repository, commit: CommitObject, withFiles = false): JsonObject {
    const url = `${this.api}/repos/${repo.fullName}/commits/${commit.sha}`;
    const out: JsonObject = {
      url,
      sha: commit.sha,
      node_id: nodeId("Commit", commit.sha),
      html_url: `${HTML}/${repo.fullName}/commit/${commit.sha}`,
      comments_url: `${url}/comments`,
      commit: {
        url: `${this.api}/repos/${repo.fullName}/git/commits/${commit.sha}`,
        author: { ...commit.author },
        committer: { ...commit.committer },
        message: commit.message,
        tree: { sha: commit.tree, url: `${this.api}/repos/${repo.fullName}/git/trees/${commit.tree}` },
        comment_count: 0,
        verification: this.verification(),
      },
      author: this.userForSignature(commit.author),
      committer: this.userForSignature(commit.committer),
      parents: commit.parents.map((sha) => ({ sha, url: `${this.api}/repos/${repo.fullName}/commits/${sha}`, html_url: `${HTML}/${repo.fullName}/commit/${sha}` })),
    };
    if (withFiles) {
      const parentTree = commit.parents[0] === undefined ? null : (repo.git.commits.get(commit.parents[0])?.tree ?? null);
      const files = this.diffEntries(repo, repo.git.diffTrees(parentTree, commit.tree), commit.sha);
      const additions = files.reduce((sum, file) => sum + Number(file["additions"]), 0);
      const deletions = files.reduce((sum, file) => sum + Number(file["deletions"]), 0);
      out["stats"] = { additions, deletions, total: additions + deletions };
      out["files"] = files;
    }
    return out;
  }

  /** "diff-entry" objects for git-computed differences. */
  diffEntries(repo: Repository, diffs: FileDiff[], ref: string): JsonObject[] {
    return diffs.map((diff) => {
      const { additions, deletions, patch } = lineDiff(repo.git.text(diff.oldSha), repo.git.text(diff.newSha));
      return this.diffEntry(repo, { sha: diff.sha, filename: diff.filename, status: diff.status, previous_filename: diff.previousFilename, additions, deletions, patch }, ref);
    });
  }

  diffEntry(repo: Repository, file: PullFile, ref: string): JsonObject {
    const path = file.filename.split("/").map(encodeURIComponent).join("/");
    return {
      sha: file.sha,
      filename: file.filename,
      status: file.status,
      additions: file.additions,
      deletions: file.deletions,
      changes: file.additions + file.deletions,
      blob_url: `${HTML}/${repo.fullName}/blob/${ref}/${path}`,
      raw_url: `${HTML}/${repo.fullName}/raw/${ref}/${path}`,
      contents_url: `${this.api}/repos/${repo.fullName}/contents/${path}?ref=${ref}`,
      ...(file.patch === undefined || file.patch === "" ? {} : { patch: file.patch }),
      ...(file.previous_filename === undefined ? {} : { previous_filename: file.previous_filename }),
    };
  }

  gitRef(repo: Repository, ref: string, sha: string): JsonObject {
    return {
      ref,
      node_id: nodeId("Ref", `${repo.id}:${ref}`),
      url: `${this.api}/repos/${repo.fullName}/git/${ref}`,
      object: { type: repo.git.typeOf(sha) ?? "commit", sha, url: `${this.api}/repos/${repo.fullName}/git/commits/${sha}` },
    };
  }

  tree(repo: Repository, sha: string, recursive: boolean): JsonObject {
    const base = `${this.api}/repos/${repo.fullName}/git`;
    return {
      sha,
      url: `${base}/trees/${sha}`,
      tree: repo.git.flatten(sha, recursive).map((entry) => ({
        path: entry.path,
        mode: entry.mode,
        type: entry.type,
        sha: entry.sha,
        ...(entry.type === "blob" ? { size: entry.size ?? 0, url: `${base}/blobs/${entry.sha}` } : entry.type === "tree" ? { url: `${base}/trees/${entry.sha}` } : {}),
      })),
      truncated: false,
    };
  }

  /** A "content-file" (with base64 content, wrapped at 60 characters as GitHub does) or a directory entry. */
  content(repo: Repository, entry: { path: string; type: "blob" | "tree" | "commit"; sha: string; size?: number }, ref: string, withContent: boolean): JsonObject {
    const path = entry.path.split("/").map(encodeURIComponent).join("/");
    const type = entry.type === "blob" ? "file" : entry.type === "tree" ? "dir" : "submodule";
    const self = `${this.api}/repos/${repo.fullName}/contents/${path}?ref=${encodeURIComponent(ref)}`;
    const git = `${this.api}/repos/${repo.fullName}/git/${entry.type === "tree" ? "trees" : "blobs"}/${entry.sha}`;
    const html = `${HTML}/${repo.fullName}/${entry.type === "tree" ? "tree" : "blob"}/${ref}/${path}`;
    const out: JsonObject = {
      type,
      size: entry.type === "blob" ? (entry.size ?? 0) : 0,
      name: entry.path.split("/").pop() ?? entry.path,
      path: entry.path,
      sha: entry.sha,
      url: self,
      git_url: git,
      html_url: html,
      download_url: entry.type === "blob" ? `https://raw.githubusercontent.com/${repo.fullName}/${ref}/${path}` : null,
      _links: { self, git, html },
    };
    if (withContent && entry.type === "blob") {
      const blob = repo.git.blobs.get(entry.sha) ?? Buffer.alloc(0);
      if (blob.length > CONTENTS_MAX_BYTES) {
        // GitHub: files of 1-100 MB come without content ("encoding": "none"); read them as a blob or raw.
        out["content"] = "";
        out["encoding"] = "none";
        return out;
      }
      const base64 = blob.toString("base64");
      out["content"] = base64 === "" ? "" : `${base64.replace(/.{60}/g, "$&\n")}${base64.length % 60 === 0 ? "" : "\n"}`;
      out["encoding"] = "base64";
    }
    return out;
  }

  branch(repo: Repository, name: string, commit: CommitObject): JsonObject {
    const url = `${this.api}/repos/${repo.fullName}/branches/${encodeURIComponent(name)}`;
    return {
      name,
      commit: this.commit(repo, commit),
      _links: { self: url, html: `${HTML}/${repo.fullName}/tree/${name}` },
      protected: false,
      protection: { enabled: false, required_status_checks: { enforcement_level: "off", contexts: [], checks: [] } },
      protection_url: `${url}/protection`,
    };
  }

  // ------------------------------------------------------------ pull requests

  authorAssociation(repo: Repository, account: Account): string {
    if (account.login.toLowerCase() === repo.owner.login.toLowerCase()) return "OWNER";
    const explicit = repo.collaborators.get(account.login.toLowerCase());
    if (explicit !== undefined) return "COLLABORATOR";
    const member = [...this.state.teams.values()].some((team) => team.org.id === repo.owner.id && team.members.get(account.login.toLowerCase())?.state === "active");
    return member ? "MEMBER" : "CONTRIBUTOR";
  }

  /** The commits of a pull request: reachable from head, not from base, oldest first (at most 250, as GitHub). */
  pullCommits(repo: Repository, pull: PullRequest): CommitObject[] {
    const base = repo.git.mergeBase(pull.base.sha, pull.head.sha) ?? pull.base.sha;
    return repo.git.commitsBetween(base, pull.head.sha).slice(0, 250);
  }

  /** The "Files changed" list: the test's list if it dictated one, else git's diff from the merge base to head. */
  pullFiles(repo: Repository, pull: PullRequest): PullFile[] {
    if (pull.files !== null) {
      return pull.files.map((file) => {
        const status = file.status ?? (file.previous_filename === undefined ? "modified" : "renamed");
        return {
          sha: fakeSha(`${pull.head.sha}:${file.filename}`),
          filename: file.filename,
          status,
          previous_filename: file.previous_filename,
          additions: file.additions ?? (status === "removed" || status === "renamed" ? 0 : 1),
          deletions: file.deletions ?? (status === "added" || status === "renamed" ? 0 : 1),
          patch: file.patch,
        };
      });
    }
    const head = repo.git.commits.get(pull.head.sha);
    if (head === undefined) return [];
    const base = repo.git.mergeBase(pull.base.sha, pull.head.sha);
    const baseTree = base === undefined ? null : (repo.git.commits.get(base)?.tree ?? null);
    return repo.git.diffTrees(baseTree, head.tree).map((diff) => {
      const { additions, deletions, patch } = lineDiff(repo.git.text(diff.oldSha), repo.git.text(diff.newSha));
      return { sha: diff.sha, filename: diff.filename, status: diff.status, previous_filename: diff.previousFilename, additions, deletions, patch };
    });
  }

  private pullLinks(repo: Repository, pull: PullRequest): JsonObject {
    const url = `${this.api}/repos/${repo.fullName}/pulls/${pull.number}`;
    const issue = `${this.api}/repos/${repo.fullName}/issues/${pull.number}`;
    return {
      url,
      html_url: `${HTML}/${repo.fullName}/pull/${pull.number}`,
      diff_url: `${HTML}/${repo.fullName}/pull/${pull.number}.diff`,
      patch_url: `${HTML}/${repo.fullName}/pull/${pull.number}.patch`,
      issue_url: issue,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      review_comment_url: `${this.api}/repos/${repo.fullName}/pulls/comments{/number}`,
      comments_url: `${issue}/comments`,
      statuses_url: `${this.api}/repos/${repo.fullName}/statuses/${pull.head.sha}`,
    };
  }

  /** A pull request as `GET /pulls` lists it ("pull-request-simple"); `full` adds what `GET /pulls/{n}` adds. */
  pullRequest(repo: Repository, pull: PullRequest, full = false): JsonObject {
    const links = this.pullLinks(repo, pull);
    const href = (value: unknown) => ({ href: value });
    const side = (side: { ref: string; sha: string }) => ({ label: `${repo.owner.login}:${side.ref}`, ref: side.ref, sha: side.sha, user: this.user(repo.owner), repo: this.repository(repo) });
    const out: JsonObject = {
      ...links,
      id: pull.id,
      node_id: nodeId("PullRequest", pull.id),
      number: pull.number,
      state: pull.state,
      locked: pull.locked,
      title: pull.title,
      user: this.user(pull.user),
      body: pull.body,
      labels: this.labels(repo, pull.labels),
      milestone: null,
      active_lock_reason: null,
      created_at: pull.createdAt,
      updated_at: pull.updatedAt,
      closed_at: pull.closedAt,
      merged_at: pull.mergedAt,
      merge_commit_sha: pull.mergeCommitSha,
      assignee: null,
      assignees: [],
      requested_reviewers: pull.requestedReviewers.map((account) => this.user(account)),
      requested_teams: [],
      head: side(pull.head),
      base: side(pull.base),
      _links: {
        self: href(links["url"]),
        html: href(links["html_url"]),
        issue: href(links["issue_url"]),
        comments: href(links["comments_url"]),
        review_comments: href(links["review_comments_url"]),
        review_comment: href(links["review_comment_url"]),
        commits: href(links["commits_url"]),
        statuses: href(links["statuses_url"]),
      },
      author_association: this.authorAssociation(repo, pull.user),
      auto_merge: null,
      draft: pull.draft,
    };
    if (full) {
      const files = this.pullFiles(repo, pull);
      Object.assign(out, {
        merged: pull.merged,
        mergeable: pull.state === "open" ? true : null,
        rebaseable: pull.state === "open" ? true : null,
        mergeable_state: pull.state !== "open" ? "unknown" : pull.draft ? "draft" : "clean",
        merged_by: pull.mergedBy === null ? null : this.user(pull.mergedBy),
        comments: repo.comments.filter((comment) => comment.issueNumber === pull.number).length,
        review_comments: 0,
        maintainer_can_modify: false,
        commits: this.pullCommits(repo, pull).length,
        additions: files.reduce((sum, file) => sum + file.additions, 0),
        deletions: files.reduce((sum, file) => sum + file.deletions, 0),
        changed_files: files.length,
      });
    }
    return out;
  }

  review(repo: Repository, pull: PullRequest, review: Review): JsonObject {
    const html = `${HTML}/${repo.fullName}/pull/${pull.number}#pullrequestreview-${review.id}`;
    const pullUrl = `${this.api}/repos/${repo.fullName}/pulls/${pull.number}`;
    return {
      id: review.id,
      node_id: nodeId("PullRequestReview", review.id),
      user: this.user(review.user),
      body: review.body,
      state: review.state,
      html_url: html,
      pull_request_url: pullUrl,
      author_association: this.authorAssociation(repo, review.user),
      _links: { html: { href: html }, pull_request: { href: pullUrl } },
      submitted_at: review.submittedAt,
      commit_id: review.commitId,
    };
  }

  // ------------------------------------------------------------------- checks

  /** The minimal pull requests GitHub attaches to a check run or suite: open ones whose head is the SHA. */
  private checkPulls(repo: Repository, headSha: string): JsonObject[] {
    const minimalRepo = { id: repo.id, url: `${this.api}/repos/${repo.fullName}`, name: repo.name };
    return [...repo.pulls.values()]
      .filter((pull) => pull.state === "open" && pull.head.sha === headSha)
      .map((pull) => ({
        id: pull.id,
        number: pull.number,
        url: `${this.api}/repos/${repo.fullName}/pulls/${pull.number}`,
        head: { ref: pull.head.ref, sha: pull.head.sha, repo: minimalRepo },
        base: { ref: pull.base.ref, sha: pull.base.sha, repo: minimalRepo },
      }));
  }

  checkRun(repo: Repository, run: CheckRun): JsonObject {
    const url = `${this.api}/repos/${repo.fullName}/check-runs/${run.id}`;
    const html = `${HTML}/${repo.fullName}/runs/${run.id}`;
    return {
      id: run.id,
      name: run.name,
      node_id: nodeId("CheckRun", run.id),
      head_sha: run.headSha,
      external_id: run.externalId ?? "",
      url,
      html_url: html,
      details_url: run.detailsUrl ?? html,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: {
        title: run.output.title,
        summary: run.output.summary,
        text: run.output.text,
        annotations_count: run.output.annotations.length,
        annotations_url: `${url}/annotations`,
      },
      check_suite: { id: run.checkSuiteId },
      app: this.app(run.app),
      pull_requests: this.checkPulls(repo, run.headSha),
    };
  }

  /** A suite's status and conclusion, derived from its runs as GitHub does. */
  suiteOutcome(repo: Repository, suite: CheckSuite): { status: string; conclusion: string | null; runs: number } {
    const runs = this.latestRuns(repo.checkRuns.filter((run) => run.checkSuiteId === suite.id));
    if (runs.length === 0) return { status: "queued", conclusion: null, runs: 0 };
    if (runs.some((run) => run.status !== "completed")) return { status: runs.some((run) => run.status === "in_progress") ? "in_progress" : "queued", conclusion: null, runs: runs.length };
    const order = ["action_required", "cancelled", "timed_out", "failure", "stale", "neutral", "success", "skipped"];
    const conclusions = runs.map((run) => run.conclusion ?? "neutral");
    const worst = order.find((candidate) => conclusions.includes(candidate as never)) ?? "success";
    return { status: "completed", conclusion: worst === "skipped" ? "success" : worst === "stale" ? "neutral" : worst, runs: runs.length };
  }

  /** The newest run per name (GitHub's `filter=latest`). */
  latestRuns(runs: CheckRun[]): CheckRun[] {
    const byName = new Map<string, CheckRun>();
    for (const run of runs) {
      const seen = byName.get(run.name);
      if (seen === undefined || seen.id < run.id) byName.set(run.name, run);
    }
    return [...byName.values()].sort((a, b) => b.id - a.id);
  }

  checkSuite(repo: Repository, suite: CheckSuite): JsonObject {
    const outcome = this.suiteOutcome(repo, suite);
    const commit = repo.git.commits.get(suite.headSha);
    const url = `${this.api}/repos/${repo.fullName}/check-suites/${suite.id}`;
    return {
      id: suite.id,
      node_id: nodeId("CheckSuite", suite.id),
      head_branch: suite.headBranch,
      head_sha: suite.headSha,
      status: outcome.status,
      conclusion: outcome.conclusion,
      url,
      before: suite.before,
      after: suite.after,
      pull_requests: this.checkPulls(repo, suite.headSha),
      app: this.app(suite.app),
      repository: this.repository(repo),
      created_at: suite.createdAt,
      updated_at: suite.updatedAt,
      head_commit: {
        id: suite.headSha,
        tree_id: commit?.tree ?? fakeSha(`tree:${suite.headSha}`),
        message: commit?.message ?? "",
        timestamp: commit?.committer.date ?? suite.createdAt,
        author: commit === undefined ? null : { name: commit.author.name, email: commit.author.email },
        committer: commit === undefined ? null : { name: commit.committer.name, email: commit.committer.email },
      },
      latest_check_runs_count: outcome.runs,
      check_runs_url: `${url}/check-runs`,
      rerequestable: true,
      runs_rerequestable: true,
    };
  }

  // ------------------------------------------------------------------- issues

  issue(repo: Repository, issue: Issue | PullRequest): JsonObject {
    const url = `${this.api}/repos/${repo.fullName}/issues/${issue.number}`;
    const isPull = "head" in issue;
    const html = `${HTML}/${repo.fullName}/${isPull ? "pull" : "issues"}/${issue.number}`;
    const out: JsonObject = {
      id: issue.id,
      node_id: nodeId(isPull ? "PullRequest" : "Issue", issue.id),
      url,
      repository_url: `${this.api}/repos/${repo.fullName}`,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: html,
      timeline_url: `${url}/timeline`,
      number: issue.number,
      state: issue.state,
      state_reason: isPull ? null : issue.stateReason,
      title: issue.title,
      body: issue.body,
      user: this.user(issue.user),
      labels: this.labels(repo, issue.labels),
      assignee: isPull ? null : issue.assignees[0] === undefined ? null : this.user(issue.assignees[0]),
      assignees: isPull ? [] : issue.assignees.map((account) => this.user(account)),
      milestone: null,
      locked: issue.locked,
      active_lock_reason: null,
      comments: repo.comments.filter((comment) => comment.issueNumber === issue.number).length,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      author_association: this.authorAssociation(repo, issue.user),
    };
    if (isPull) {
      out["draft"] = issue.draft;
      out["pull_request"] = {
        url: `${this.api}/repos/${repo.fullName}/pulls/${issue.number}`,
        html_url: html,
        diff_url: `${html}.diff`,
        patch_url: `${html}.patch`,
        merged_at: issue.mergedAt,
      };
    } else if (issue.closedBy !== null) out["closed_by"] = this.user(issue.closedBy);
    return out;
  }

  comment(repo: Repository, comment: IssueComment): JsonObject {
    const issueUrl = `${this.api}/repos/${repo.fullName}/issues/${comment.issueNumber}`;
    const isPull = repo.pulls.has(comment.issueNumber);
    return {
      id: comment.id,
      node_id: nodeId("IssueComment", comment.id),
      url: `${this.api}/repos/${repo.fullName}/issues/comments/${comment.id}`,
      html_url: `${HTML}/${repo.fullName}/${isPull ? "pull" : "issues"}/${comment.issueNumber}#issuecomment-${comment.id}`,
      issue_url: issueUrl,
      body: comment.body,
      user: this.user(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: this.authorAssociation(repo, comment.user),
    };
  }

  // -------------------------------------------------------------------- teams

  team(team: Team): JsonObject {
    const url = `${this.api}/organizations/${team.org.id}/team/${team.id}`;
    const parent = team.parentSlug === null ? undefined : this.state.teams.get(`${team.org.login}/${team.parentSlug}`.toLowerCase());
    return {
      id: team.id,
      node_id: nodeId("Team", team.id),
      url,
      html_url: `${HTML}/orgs/${team.org.login}/teams/${team.slug}`,
      name: team.name,
      slug: team.slug,
      description: team.description,
      privacy: team.privacy,
      notification_setting: "notifications_enabled",
      permission: "pull",
      members_url: `${url}/members{/member}`,
      repositories_url: `${url}/repos`,
      type: "organization",
      organization_id: team.org.id,
      parent: parent === undefined ? null : { ...this.team(parent), parent: undefined },
    };
  }

  membership(team: Team, member: TeamMember): JsonObject {
    return { url: `${this.api}/organizations/${team.org.id}/team/${team.id}/memberships/${member.user.login}`, role: member.role, state: member.state };
  }

  // -------------------------------------------------------------- deployments

  deployment(repo: Repository, deployment: Deployment): JsonObject {
    const url = `${this.api}/repos/${repo.fullName}/deployments/${deployment.id}`;
    return {
      url,
      id: deployment.id,
      node_id: nodeId("Deployment", deployment.id),
      sha: deployment.sha,
      ref: deployment.ref,
      task: deployment.task,
      payload: deployment.payload,
      original_environment: deployment.environment,
      environment: deployment.environment,
      description: deployment.description,
      creator: this.user(deployment.creator),
      created_at: deployment.createdAt,
      updated_at: deployment.updatedAt,
      statuses_url: `${url}/statuses`,
      repository_url: `${this.api}/repos/${repo.fullName}`,
      transient_environment: deployment.transientEnvironment,
      production_environment: deployment.productionEnvironment,
    };
  }

  deploymentStatus(repo: Repository, deployment: Deployment, status: DeploymentStatus): JsonObject {
    const deploymentUrl = `${this.api}/repos/${repo.fullName}/deployments/${deployment.id}`;
    return {
      url: `${deploymentUrl}/statuses/${status.id}`,
      id: status.id,
      node_id: nodeId("DeploymentStatus", status.id),
      state: status.state,
      creator: this.user(status.creator),
      description: status.description,
      environment: status.environment,
      target_url: status.targetUrl,
      log_url: status.logUrl,
      environment_url: status.environmentUrl,
      created_at: status.createdAt,
      updated_at: status.createdAt,
      deployment_url: deploymentUrl,
      repository_url: `${this.api}/repos/${repo.fullName}`,
    };
  }

  // --------------------------------------------------------------- deliveries

  delivery(delivery: HookDelivery, full: boolean): JsonObject {
    const ok = delivery.statusCode >= 200 && delivery.statusCode < 300;
    const out: JsonObject = {
      id: delivery.id,
      guid: delivery.guid,
      delivered_at: delivery.deliveredAt,
      redelivery: delivery.redelivery,
      duration: delivery.duration,
      status: ok ? "OK" : delivery.statusCode === 0 ? "Timed out" : `Invalid HTTP Response: ${delivery.statusCode}`,
      status_code: delivery.statusCode,
      event: delivery.event,
      action: delivery.action,
      installation_id: delivery.installationId,
      repository_id: delivery.repositoryId,
      throttled_at: null,
    };
    if (full) Object.assign(out, { url: delivery.url, request: delivery.request, response: delivery.response });
    return out;
  }
}
