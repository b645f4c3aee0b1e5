import { createHash } from "node:crypto";
import { GitStore, type CommitObject, type Signature, type TreeChange } from "./git.js";

/**
 * The fake's in-memory world: installations, repositories with real git objects, pull
 * requests, reviews, teams, permissions, check runs and suites, issues, deployments and the
 * app's webhook deliveries. Routes read and change it; tests seed and inspect it through the
 * same methods (`FakeGitHub` extends this class).
 */

export type AccountType = "User" | "Organization" | "Bot";
export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";
export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";
export type CheckStatus = "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
export type CheckConclusion = "action_required" | "cancelled" | "failure" | "neutral" | "success" | "skipped" | "stale" | "timed_out";
export type DeploymentState = "error" | "failure" | "inactive" | "in_progress" | "queued" | "pending" | "success";
export type PullFileStatus = "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";

export interface Account {
  login: string;
  id: number;
  type: AccountType;
  name: string | null;
  email: string | null;
}

export interface AppInfo {
  id: number;
  slug: string;
  name: string;
  owner: Account;
  clientId: string;
  description: string;
  permissions: Record<string, string>;
  events: string[];
  createdAt: string;
}

export interface Installation {
  id: number;
  account: Account;
  repositorySelection: "all" | "selected";
  permissions: Record<string, string>;
  events: string[];
  createdAt: string;
  suspendedAt: string | null;
}

export interface InstallationToken {
  token: string;
  installationId: number;
  expiresAt: string;
}

export interface Label {
  id: number;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

export interface IssueComment {
  id: number;
  issueNumber: number;
  user: Account;
  body: string;
  createdAt: string;
  updatedAt: string;
}

export interface Issue {
  number: number;
  id: number;
  title: string;
  body: string | null;
  user: Account;
  state: "open" | "closed";
  stateReason: "completed" | "not_planned" | "reopened" | null;
  labels: string[];
  assignees: Account[];
  locked: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  closedBy: Account | null;
}

/** A file in a pull request's "Files changed" list, when a test dictates it rather than letting git compute it. */
export interface PullFileSeed {
  filename: string;
  status?: PullFileStatus;
  previous_filename?: string;
  additions?: number;
  deletions?: number;
  patch?: string;
}

export interface Review {
  id: number;
  user: Account;
  state: ReviewState;
  body: string;
  commitId: string;
  submittedAt: string;
}

/** Identifies a pull request; a `PullRequest` is one. */
export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
}

/** A timeline event of a pull request; review requests name whom and who asked (GitHub's review-requested / review-request-removed issue events). */
export interface PullEvent {
  id: number;
  event: "ready_for_review" | "convert_to_draft" | "review_requested" | "review_request_removed";
  actor: Account;
  createdAt: string;
  requestedReviewer?: Account;
  reviewRequester?: Account;
}

export interface PullRequest extends PullRequestRef {
  id: number;
  title: string;
  body: string | null;
  user: Account;
  state: "open" | "closed";
  draft: boolean;
  locked: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergedBy: Account | null;
  mergeCommitSha: string | null;
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  labels: string[];
  /** Explicit "Files changed" list; null lets git compute it from base and head. */
  files: PullFileSeed[] | null;
  reviews: Review[];
  requestedReviewers: Account[];
  /** Timeline events the fake keeps: marking ready for review, converting to a draft, and review requests made and removed (with whose). */
  events: PullEvent[];
}

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckRunAction {
  label: string;
  description: string;
  identifier: string;
}

export interface CheckRun {
  id: number;
  headSha: string;
  name: string;
  status: CheckStatus;
  conclusion: CheckConclusion | null;
  startedAt: string;
  completedAt: string | null;
  externalId: string | null;
  detailsUrl: string | null;
  output: { title: string | null; summary: string | null; text: string | null; annotations: Annotation[] };
  actions: CheckRunAction[];
  app: AppInfo;
  checkSuiteId: number;
  createdAt: string;
}

export interface CheckSuite {
  id: number;
  headSha: string;
  headBranch: string | null;
  before: string | null;
  after: string | null;
  app: AppInfo;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentStatus {
  id: number;
  state: DeploymentState;
  description: string;
  environment: string;
  targetUrl: string;
  logUrl: string;
  environmentUrl: string;
  creator: Account;
  createdAt: string;
}

export interface Deployment {
  id: number;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  description: string | null;
  payload: Record<string, unknown>;
  creator: Account;
  productionEnvironment: boolean;
  transientEnvironment: boolean;
  createdAt: string;
  updatedAt: string;
  /** Oldest first. */
  statuses: DeploymentStatus[];
}

export type ActivityType = "push" | "force_push" | "branch_creation" | "branch_deletion" | "pr_merge" | "merge_queue_merge";

/** A ref update, as `GET /repos/{owner}/{repo}/activity` reports it. */
export interface RefActivity {
  id: number;
  /** Full ref name: "refs/heads/main". */
  ref: string;
  before: string;
  after: string;
  actor: Account | null;
  type: ActivityType;
  timestamp: string;
}

export interface Collaborator {
  user: Account;
  permission: Permission;
}

export interface Repository {
  id: number;
  owner: Account;
  name: string;
  fullName: string;
  private: boolean;
  description: string | null;
  defaultBranch: string;
  installationId: number | null;
  createdAt: string;
  git: GitStore;
  /** Full ref name ("refs/heads/main") -> commit SHA. */
  refs: Map<string, string>;
  collaborators: Map<string, Collaborator>;
  labels: Map<string, Label>;
  issues: Map<number, Issue>;
  pulls: Map<number, PullRequest>;
  comments: IssueComment[];
  nextNumber: number;
  checkRuns: CheckRun[];
  checkSuites: CheckSuite[];
  deployments: Deployment[];
  /** Ref updates, oldest first. */
  activity: RefActivity[];
  /** Releases, oldest first (listed newest first). */
  releases: Release[];
}

export interface Release {
  id: number;
  tagName: string;
  name: string | null;
  draft: boolean;
  prerelease: boolean;
  createdAt: string;
  publishedAt: string | null;
  author: Account;
}

export interface TeamMember {
  user: Account;
  role: "member" | "maintainer";
  state: "active" | "pending";
}

export interface Team {
  id: number;
  org: Account;
  name: string;
  slug: string;
  description: string | null;
  privacy: "closed" | "secret";
  members: Map<string, TeamMember>;
  parentSlug: string | null;
}

export interface HookDelivery {
  id: number;
  guid: string;
  deliveredAt: string;
  redelivery: boolean;
  duration: number;
  statusCode: number;
  event: string;
  action: string | null;
  installationId: number | null;
  repositoryId: number | null;
  url: string;
  request: { headers: Record<string, string>; payload: unknown };
  response: { headers: Record<string, string>; payload: string };
}

/** A redelivery asked for through `POST /app/hook/deliveries/{delivery_id}/attempts`. */
export interface RedeliveryRequest {
  deliveryId: number;
  at: string;
  delivery: HookDelivery;
}

export interface StateOptions {
  app?: { id?: number; slug?: string; name?: string; owner?: string };
  /** The clock every timestamp comes from; defaults to the real one. */
  now?: () => Date;
}

/** Thrown by state operations on things that do not exist; routes turn it into a 404. */
export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
    this.name = "NotFoundError";
  }
}

const key = (value: string) => value.toLowerCase();

const DEFAULT_PERMISSIONS: Record<string, string> = {
  checks: "write",
  contents: "write",
  deployments: "read",
  issues: "write",
  members: "read",
  metadata: "read",
  pull_requests: "write",
  statuses: "read",
};
const DEFAULT_EVENTS = ["check_run", "check_suite", "merge_group", "pull_request", "pull_request_review", "push"];

export class FakeState {
  readonly app: AppInfo;
  readonly users = new Map<string, Account>();
  readonly installations = new Map<number, Installation>();
  readonly tokens = new Map<string, InstallationToken>();
  readonly repositories = new Map<string, Repository>();
  /** "org/slug" (lower case) -> team. */
  readonly teams = new Map<string, Team>();
  readonly deliveries: HookDelivery[] = [];
  readonly redeliveryRequests: RedeliveryRequest[] = [];
  /** Where rate-limit headers come from: every counted request spends one. */
  readonly rateLimit = { limit: 5000, used: 0, resetAt: 0 };
  clock: () => Date;
  private lastId = 1000;

  constructor(options: StateOptions = {}) {
    this.clock = options.now ?? (() => new Date());
    const owner = this.user(options.app?.owner ?? "changegate-dev", "Organization");
    const id = options.app?.id ?? 4242;
    this.app = {
      id,
      slug: options.app?.slug ?? "changegate",
      name: options.app?.name ?? "changegate",
      owner,
      clientId: `Iv1.${id.toString(16).padStart(16, "0")}`,
      description: "Fake GitHub App",
      permissions: { ...DEFAULT_PERMISSIONS },
      events: [...DEFAULT_EVENTS],
      createdAt: "2024-01-01T00:00:00Z",
    };
    this.rateLimit.resetAt = Math.floor(this.clock().getTime() / 1000) + 3600;
  }

  /** A fresh id, unique across every kind of object. */
  nextId(): number {
    return ++this.lastId;
  }

  /** Now, as GitHub writes timestamps (seconds precision, "Z"). */
  now(): string {
    return timestamp(this.clock());
  }

  // ---------------------------------------------------------------- accounts

  /** The account with this login, created on first use ("x[bot]" logins are bots). */
  user(login: string, type?: AccountType): Account {
    const existing = this.users.get(key(login));
    if (existing !== undefined) {
      if (type !== undefined) existing.type = type;
      return existing;
    }
    const account: Account = { login, id: this.nextId(), type: type ?? (login.endsWith("[bot]") ? "Bot" : "User"), name: null, email: null };
    this.users.set(key(login), account);
    return account;
  }

  addUser(login: string, options: { type?: AccountType; name?: string; email?: string } = {}): Account {
    const account = this.user(login, options.type);
    if (options.name !== undefined) account.name = options.name;
    if (options.email !== undefined) account.email = options.email;
    return account;
  }

  findUser(login: string): Account | undefined {
    return this.users.get(key(login));
  }

  // ----------------------------------------------------------- installations

  addInstallation(options: { id?: number; account: string; accountType?: "User" | "Organization"; repositorySelection?: "all" | "selected"; permissions?: Record<string, string> }): Installation {
    const installation: Installation = {
      id: options.id ?? this.nextId(),
      account: this.user(options.account, options.accountType ?? "Organization"),
      repositorySelection: options.repositorySelection ?? "selected",
      permissions: options.permissions ?? { ...this.app.permissions },
      events: [...this.app.events],
      createdAt: this.now(),
      suspendedAt: null,
    };
    this.installations.set(installation.id, installation);
    return installation;
  }

  installation(id: number): Installation {
    const found = this.installations.get(id);
    if (found === undefined) throw new NotFoundError(`installation ${id}`);
    return found;
  }

  installationRepositories(installationId: number): Repository[] {
    return [...this.repositories.values()].filter((repo) => repo.installationId === installationId);
  }

  mintToken(installationId: number, expiresInSeconds = 3600): InstallationToken {
    const token: InstallationToken = {
      token: `ghs_${installationId}_${this.nextId()}_${Math.random().toString(36).slice(2, 12)}`,
      installationId,
      expiresAt: timestamp(new Date(this.clock().getTime() + expiresInSeconds * 1000)),
    };
    this.tokens.set(token.token, token);
    return token;
  }

  // ------------------------------------------------------------ repositories

  /**
   * A repository with an initial commit on its default branch holding `files`. It is
   * installed in the owner's installation (created if needed) unless `installationId: null`.
   */
  addRepository(options: {
    owner: string;
    name: string;
    defaultBranch?: string;
    private?: boolean;
    description?: string;
    ownerType?: "User" | "Organization";
    installationId?: number | null;
    files?: Record<string, string>;
  }): Repository {
    const owner = this.user(options.owner, options.ownerType ?? this.findUser(options.owner)?.type ?? "Organization");
    let installationId = options.installationId;
    if (installationId === undefined) {
      installationId = [...this.installations.values()].find((candidate) => key(candidate.account.login) === key(owner.login))?.id ?? this.addInstallation({ account: owner.login, accountType: owner.type === "User" ? "User" : "Organization" }).id;
    }
    const repo: Repository = {
      id: this.nextId(),
      owner,
      name: options.name,
      fullName: `${owner.login}/${options.name}`,
      private: options.private ?? true,
      description: options.description ?? null,
      defaultBranch: options.defaultBranch ?? "main",
      installationId,
      createdAt: this.now(),
      git: new GitStore(),
      refs: new Map(),
      collaborators: new Map(),
      labels: new Map(),
      issues: new Map(),
      pulls: new Map(),
      comments: [],
      nextNumber: 1,
      checkRuns: [],
      checkSuites: [],
      deployments: [],
      activity: [],
      releases: [],
    };
    this.repositories.set(key(repo.fullName), repo);
    const tree = repo.git.treeFromFiles(options.files ?? {});
    const initial = repo.git.putCommit({ tree, parents: [], message: "Initial commit", author: this.signature(owner.login), committer: this.signature(owner.login) });
    repo.refs.set(`refs/heads/${repo.defaultBranch}`, initial.sha);
    return repo;
  }

  findRepository(owner: string, name: string): Repository | undefined {
    return this.repositories.get(key(`${owner}/${name}`));
  }

  repository(owner: string, name: string): Repository {
    const repo = this.findRepository(owner, name);
    if (repo === undefined) throw new NotFoundError(`repository ${owner}/${name}`);
    return repo;
  }

  signature(login: string, date?: string): Signature {
    const account = this.user(login);
    return { name: account.name ?? account.login, email: account.email ?? `${account.id}+${account.login}@users.noreply.github.com`, date: date ?? this.now() };
  }

  // --------------------------------------------------------------- git refs

  /** The commit SHA a ref names: a full or short SHA, a branch, a tag, "heads/x", "refs/heads/x". */
  resolveRef(repo: Repository, ref: string): string | undefined {
    const candidates = ref.startsWith("refs/") ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`, `refs/${ref}`];
    for (const candidate of candidates) {
      const sha = repo.refs.get(candidate);
      if (sha !== undefined) return sha;
    }
    return repo.git.expandCommitSha(ref);
  }

  branchSha(owner: string, repoName: string, branch: string): string | undefined {
    return this.repository(owner, repoName).refs.get(`refs/heads/${branch}`);
  }

  /**
   * Points a ref ("refs/heads/x") at a commit, or deletes it (null), and records the update
   * in the repository's activity: creation, deletion, push or force push (not a fast-forward)
   * unless `type` says otherwise.
   */
  moveRef(repo: Repository, ref: string, sha: string | null, actor: string | null, type?: ActivityType): void {
    const before = repo.refs.get(ref);
    if (before === sha || (before === undefined && sha === null)) return;
    if (sha === null) repo.refs.delete(ref);
    else repo.refs.set(ref, sha);
    const zero = "0".repeat(40);
    const kind: ActivityType =
      type ?? (before === undefined ? "branch_creation" : sha === null ? "branch_deletion" : repo.git.isAncestor(before, sha) ? "push" : "force_push");
    repo.activity.push({ id: this.nextId(), ref, before: before ?? zero, after: sha ?? zero, actor: actor === null ? null : this.user(actor), type: kind, timestamp: this.now() });
  }

  /** Creates (or moves) a branch to a commit, a branch, or the default branch's tip. */
  createBranch(owner: string, repoName: string, branch: string, from?: string, by?: string): string {
    const repo = this.repository(owner, repoName);
    const sha = this.resolveRef(repo, from ?? repo.defaultBranch);
    if (sha === undefined) throw new NotFoundError(`ref ${from ?? repo.defaultBranch}`);
    this.moveRef(repo, `refs/heads/${branch}`, sha, by ?? repo.owner.login);
    return sha;
  }

  /**
   * Commits changes (path -> new content, or null to delete) on top of a branch and moves
   * the branch. A branch that does not exist yet starts from the default branch.
   */
  commit(
    owner: string,
    repoName: string,
    branch: string,
    changes: Record<string, string | null>,
    options: { message?: string; author?: string; date?: string; sha?: string } = {},
  ): CommitObject {
    const repo = this.repository(owner, repoName);
    const parent = repo.refs.get(`refs/heads/${branch}`) ?? repo.refs.get(`refs/heads/${repo.defaultBranch}`);
    const commit = this.commitOnto(repo, parent ?? null, changes, options);
    this.moveRef(repo, `refs/heads/${branch}`, commit.sha, options.author ?? repo.owner.login);
    return commit;
  }

  /** A commit with `parent` as its only parent and the changes applied to its tree (no ref moves). */
  commitOnto(
    repo: Repository,
    parent: string | null,
    changes: Record<string, string | null>,
    options: { message?: string; author?: string; date?: string; sha?: string; extraParents?: string[] } = {},
  ): CommitObject {
    const base = parent === null ? null : (repo.git.commits.get(parent)?.tree ?? null);
    const treeChanges: TreeChange[] = Object.entries(changes).map(([path, content]) => ({ path, sha: content === null ? null : repo.git.putBlob(content) }));
    const tree = repo.git.applyChanges(base, treeChanges);
    const signature = this.signature(options.author ?? repo.owner.login, options.date);
    return repo.git.putCommit(
      {
        tree,
        parents: [...(parent === null ? [] : [parent]), ...(options.extraParents ?? [])],
        message: options.message ?? `Update ${Object.keys(changes).join(", ") || "nothing"}`,
        author: signature,
        committer: signature,
      },
      options.sha,
    );
  }

  /** Writes one file on a branch as a new commit. */
  setFile(owner: string, repoName: string, branch: string, path: string, content: string, options: { message?: string; author?: string } = {}): CommitObject {
    return this.commit(owner, repoName, branch, { [path]: content }, { message: options.message ?? `Update ${path}`, author: options.author });
  }

  deleteFile(owner: string, repoName: string, branch: string, path: string, options: { message?: string; author?: string } = {}): CommitObject {
    return this.commit(owner, repoName, branch, { [path]: null }, { message: options.message ?? `Delete ${path}`, author: options.author });
  }

  /** A file's text at a ref (branch, tag or SHA), or undefined. */
  getFile(owner: string, repoName: string, ref: string, path: string): string | undefined {
    const repo = this.repository(owner, repoName);
    const sha = this.resolveRef(repo, ref);
    const tree = sha === undefined ? undefined : repo.git.commits.get(sha)?.tree;
    if (tree === undefined) return undefined;
    const entry = repo.git.entryAt(tree, path);
    return entry?.type === "blob" ? repo.git.text(entry.sha) : undefined;
  }

  /** Every file path at a ref, optionally under a directory. */
  listFiles(owner: string, repoName: string, ref: string, under = ""): string[] {
    const repo = this.repository(owner, repoName);
    const sha = this.resolveRef(repo, ref);
    const tree = sha === undefined ? undefined : repo.git.commits.get(sha)?.tree;
    if (tree === undefined) return [];
    const prefix = under === "" ? "" : `${under.replace(/\/+$/, "")}/`;
    return [...repo.git.files(tree).keys()].filter((path) => path.startsWith(prefix)).sort();
  }

  /** Makes sure a commit exists for a SHA a test made up: a child of `parent` with the same tree. */
  ensureCommit(repo: Repository, sha: string, parent: string | null, message = "Synthetic commit"): CommitObject {
    const existing = repo.git.commits.get(sha);
    if (existing !== undefined) return existing;
    return this.commitOnto(repo, parent, {}, { sha, message });
  }

  // -------------------------------------------------------------- permissions

  setPermission(owner: string, repoName: string, login: string, permission: Permission): void {
    const repo = this.repository(owner, repoName);
    const user = this.user(login);
    if (permission === "none") repo.collaborators.delete(key(login));
    else repo.collaborators.set(key(login), { user, permission });
  }

  /** What GitHub's permission endpoint reports: explicit role, else read on public repos, else none. */
  permissionOf(repo: Repository, login: string): Permission {
    const explicit = repo.collaborators.get(key(login))?.permission;
    if (explicit !== undefined) return explicit;
    if (key(login) === key(repo.owner.login)) return "admin";
    return repo.private ? "none" : "read";
  }

  // -------------------------------------------------------------------- teams

  addTeam(org: string, slug: string, options: { name?: string; description?: string; privacy?: "closed" | "secret"; parent?: string; members?: string[]; maintainers?: string[] } = {}): Team {
    const existing = this.teams.get(key(`${org}/${slug}`));
    const team: Team = existing ?? {
      id: this.nextId(),
      org: this.user(org, "Organization"),
      name: options.name ?? slug,
      slug,
      description: options.description ?? null,
      privacy: options.privacy ?? "closed",
      members: new Map(),
      parentSlug: options.parent ?? null,
    };
    this.teams.set(key(`${org}/${slug}`), team);
    for (const login of options.members ?? []) this.addTeamMember(org, slug, login);
    for (const login of options.maintainers ?? []) this.addTeamMember(org, slug, login, { role: "maintainer" });
    return team;
  }

  team(org: string, slug: string): Team {
    const found = this.teams.get(key(`${org}/${slug}`));
    if (found === undefined) throw new NotFoundError(`team ${org}/${slug}`);
    return found;
  }

  /** Adds (or updates) a member; the team is created if it does not exist. */
  addTeamMember(org: string, slug: string, login: string, options: { role?: "member" | "maintainer"; state?: "active" | "pending" } = {}): TeamMember {
    const team = this.teams.get(key(`${org}/${slug}`)) ?? this.addTeam(org, slug);
    const member: TeamMember = { user: this.user(login), role: options.role ?? "member", state: options.state ?? "active" };
    team.members.set(key(login), member);
    return member;
  }

  removeTeamMember(org: string, slug: string, login: string): void {
    this.team(org, slug).members.delete(key(login));
  }

  // ------------------------------------------------------------------- labels

  label(repo: Repository, name: string): Label {
    const existing = repo.labels.get(key(name));
    if (existing !== undefined) return existing;
    const created: Label = { id: this.nextId(), name, color: "ededed", description: "", default: false };
    repo.labels.set(key(name), created);
    return created;
  }

  // ---------------------------------------------------------- pull requests

  pullRequest(ref: PullRequestRef): PullRequest {
    const found = this.repository(ref.owner, ref.repo).pulls.get(ref.number);
    if (found === undefined) throw new NotFoundError(`pull request ${ref.owner}/${ref.repo}#${ref.number}`);
    return found;
  }

  /**
   * Opens a pull request from `head` (a branch, created from `base` if missing) into `base`
   * (default branch). `changes` are committed on the head branch first; `headSha` instead
   * points the head at that SHA (a commit is made up for it if unknown). The "Files changed"
   * list comes from git unless `files` dictates it.
   */
  openPullRequest(options: {
    owner: string;
    repo: string;
    number?: number;
    title?: string;
    body?: string | null;
    user?: string;
    head?: string;
    base?: string;
    changes?: Record<string, string | null>;
    headSha?: string;
    files?: (string | PullFileSeed)[];
    labels?: string[];
    draft?: boolean;
    createdAt?: string;
  }): PullRequest {
    const repo = this.repository(options.owner, options.repo);
    const number = options.number ?? repo.nextNumber;
    if (repo.pulls.has(number) || repo.issues.has(number)) throw new Error(`#${number} already exists in ${repo.fullName}`);
    repo.nextNumber = Math.max(repo.nextNumber, number + 1);
    const baseRef = options.base ?? repo.defaultBranch;
    const baseSha = repo.refs.get(`refs/heads/${baseRef}`);
    if (baseSha === undefined) throw new NotFoundError(`branch ${baseRef}`);
    const headRef = options.head ?? `topic-${number}`;
    if (!repo.refs.has(`refs/heads/${headRef}`)) this.moveRef(repo, `refs/heads/${headRef}`, baseSha, options.user ?? "octocat");
    let headSha = repo.refs.get(`refs/heads/${headRef}`)!;
    if (options.changes !== undefined) headSha = this.commit(repo.owner.login, repo.name, headRef, options.changes, { message: options.title ?? `Changes for #${number}`, author: options.user }).sha;
    if (options.headSha !== undefined) {
      headSha = this.ensureCommit(repo, options.headSha, headSha, options.title ?? `Changes for #${number}`).sha;
      this.moveRef(repo, `refs/heads/${headRef}`, headSha, options.user ?? "octocat");
    }
    const created = options.createdAt ?? this.now();
    const pull: PullRequest = {
      owner: repo.owner.login,
      repo: repo.name,
      number,
      id: this.nextId(),
      title: options.title ?? `Pull request #${number}`,
      body: options.body === undefined ? "" : options.body,
      user: this.user(options.user ?? "octocat"),
      state: "open",
      draft: options.draft ?? false,
      locked: false,
      merged: false,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      closedAt: null,
      createdAt: created,
      updatedAt: created,
      head: { ref: headRef, sha: headSha },
      base: { ref: baseRef, sha: baseSha },
      labels: [],
      files: options.files === undefined ? null : options.files.map((file) => (typeof file === "string" ? { filename: file } : file)),
      reviews: [],
      requestedReviewers: [],
      events: [],
    };
    for (const name of options.labels ?? []) this.label(repo, name);
    pull.labels = [...(options.labels ?? [])];
    repo.pulls.set(number, pull);
    return pull;
  }

  /**
   * A new head for a pull request: a SHA (a commit is made up for it if unknown), or changes
   * committed on the head branch. Returns the new head SHA; base.sha follows the base branch.
   */
  pushToPullRequest(ref: PullRequestRef, update?: string | { sha?: string; changes?: Record<string, string | null>; message?: string; pusher?: string; force?: boolean }): string {
    const pull = this.pullRequest(ref);
    const repo = this.repository(ref.owner, ref.repo);
    const options = typeof update === "string" ? { sha: update } : (update ?? {});
    let sha: string;
    if (options.changes !== undefined) {
      repo.refs.set(`refs/heads/${pull.head.ref}`, pull.head.sha);
      sha = this.commit(repo.owner.login, repo.name, pull.head.ref, options.changes, { message: options.message, author: options.pusher ?? pull.user.login, sha: options.sha }).sha;
    } else {
      // A force push starts from the base; a push from the current head.
      const parent = options.force === true ? pull.base.sha : pull.head.sha;
      sha = this.ensureCommit(repo, options.sha ?? fakeSha(`${repo.fullName}#${pull.number}@${this.nextId()}`), parent, options.message ?? "Push").sha;
    }
    this.moveRef(repo, `refs/heads/${pull.head.ref}`, sha, options.pusher ?? pull.user.login);
    pull.head.sha = sha;
    pull.base.sha = repo.refs.get(`refs/heads/${pull.base.ref}`) ?? pull.base.sha;
    pull.updatedAt = this.now();
    return sha;
  }

  editPullRequest(ref: PullRequestRef, patch: { title?: string; body?: string | null; draft?: boolean; base?: string; files?: (string | PullFileSeed)[] | null }): PullRequest {
    const pull = this.pullRequest(ref);
    if (patch.title !== undefined) pull.title = patch.title;
    if (patch.body !== undefined) pull.body = patch.body;
    if (patch.draft !== undefined && patch.draft !== pull.draft) {
      pull.draft = patch.draft;
      pull.events.push({ id: this.nextId(), event: patch.draft ? "convert_to_draft" : "ready_for_review", actor: pull.user, createdAt: this.now() });
    }
    if (patch.base !== undefined) {
      pull.base.ref = patch.base;
      pull.base.sha = this.branchSha(ref.owner, ref.repo, patch.base) ?? pull.base.sha;
    }
    if (patch.files !== undefined) pull.files = patch.files === null ? null : patch.files.map((file) => (typeof file === "string" ? { filename: file } : file));
    pull.updatedAt = this.now();
    return pull;
  }

  addLabels(ref: PullRequestRef, ...names: string[]): void {
    const repo = this.repository(ref.owner, ref.repo);
    const target = repo.pulls.get(ref.number) ?? repo.issues.get(ref.number);
    if (target === undefined) throw new NotFoundError(`#${ref.number}`);
    for (const name of names) {
      this.label(repo, name);
      if (!target.labels.some((existing) => key(existing) === key(name))) target.labels.push(name);
    }
    target.updatedAt = this.now();
  }

  removeLabel(ref: PullRequestRef, name: string): void {
    const repo = this.repository(ref.owner, ref.repo);
    const target = repo.pulls.get(ref.number) ?? repo.issues.get(ref.number);
    if (target === undefined) throw new NotFoundError(`#${ref.number}`);
    target.labels = target.labels.filter((existing) => key(existing) !== key(name));
    target.updatedAt = this.now();
  }

  closePullRequest(ref: PullRequestRef): PullRequest {
    const pull = this.pullRequest(ref);
    pull.state = "closed";
    pull.closedAt = this.now();
    pull.updatedAt = pull.closedAt;
    return pull;
  }

  reopenPullRequest(ref: PullRequestRef): PullRequest {
    const pull = this.pullRequest(ref);
    if (pull.merged) throw new Error("a merged pull request cannot be reopened");
    pull.state = "open";
    pull.closedAt = null;
    pull.updatedAt = this.now();
    return pull;
  }

  /** What a pull request changes (path -> new content, or null for a deletion): git's diff from the merge base to head. */
  pullRequestChanges(ref: PullRequestRef): Record<string, string | null> {
    const pull = this.pullRequest(ref);
    const repo = this.repository(ref.owner, ref.repo);
    const baseTip = repo.refs.get(`refs/heads/${pull.base.ref}`) ?? pull.base.sha;
    const changes: Record<string, string | null> = {};
    const mergeBase = repo.git.mergeBase(baseTip, pull.head.sha);
    const fromTree = mergeBase === undefined ? null : (repo.git.commits.get(mergeBase)?.tree ?? null);
    const headTree = repo.git.commits.get(pull.head.sha)?.tree;
    if (headTree === undefined) return changes;
    for (const diff of repo.git.diffTrees(fromTree, headTree)) {
      if (diff.previousFilename !== undefined) changes[diff.previousFilename] = null;
      changes[diff.filename] = diff.newSha === null ? null : repo.git.text(diff.newSha);
    }
    return changes;
  }

  /**
   * Merges a pull request with a merge commit on the base branch (parents: base tip, head),
   * whose tree is the base tip with the pull request's changes applied. Returns that commit.
   */
  mergePullRequest(ref: PullRequestRef, options: { by?: string; message?: string; sha?: string; at?: string } = {}): CommitObject {
    const pull = this.pullRequest(ref);
    if (pull.state !== "open") throw new Error(`#${pull.number} is not open`);
    const repo = this.repository(ref.owner, ref.repo);
    const baseTip = repo.refs.get(`refs/heads/${pull.base.ref}`);
    if (baseTip === undefined) throw new NotFoundError(`branch ${pull.base.ref}`);
    const by = options.by ?? pull.user.login;
    const commit = this.commitOnto(repo, baseTip, this.pullRequestChanges(ref), {
      message: options.message ?? `Merge pull request #${pull.number} from ${repo.owner.login}/${pull.head.ref}\n\n${pull.title}`,
      author: by,
      date: options.at,
      sha: options.sha,
      extraParents: [pull.head.sha],
    });
    this.moveRef(repo, `refs/heads/${pull.base.ref}`, commit.sha, by, "pr_merge");
    const at = options.at ?? this.now();
    Object.assign(pull, { state: "closed", merged: true, mergedAt: at, closedAt: at, updatedAt: at, mergedBy: this.user(by), mergeCommitSha: commit.sha });
    return commit;
  }

  /**
   * Puts a pull request in the merge queue: a commit with the base tip as parent and the pull
   * request's changes, on "gh-readonly-queue/<base>/pr-<n>-<base sha>", as GitHub does.
   */
  queueForMerge(ref: PullRequestRef): { headRef: string; headSha: string; baseRef: string; baseSha: string } {
    const pull = this.pullRequest(ref);
    const repo = this.repository(ref.owner, ref.repo);
    const baseSha = repo.refs.get(`refs/heads/${pull.base.ref}`);
    if (baseSha === undefined) throw new NotFoundError(`branch ${pull.base.ref}`);
    const commit = this.commitOnto(repo, baseSha, this.pullRequestChanges(ref), { message: `Merge pull request #${pull.number} into ${pull.base.ref} (merge queue)`, extraParents: [pull.head.sha] });
    const headRef = `refs/heads/gh-readonly-queue/${pull.base.ref}/pr-${pull.number}-${baseSha}`;
    repo.refs.set(headRef, commit.sha);
    return { headRef, headSha: commit.sha, baseRef: `refs/heads/${pull.base.ref}`, baseSha };
  }

  submitReview(ref: PullRequestRef, options: { user: string; state: ReviewState; commitId?: string; body?: string; submittedAt?: string; id?: number }): Review {
    const pull = this.pullRequest(ref);
    const review: Review = {
      id: options.id ?? this.nextId(),
      user: this.user(options.user),
      state: options.state,
      body: options.body ?? "",
      commitId: options.commitId ?? pull.head.sha,
      submittedAt: options.submittedAt ?? this.now(),
    };
    pull.reviews.push(review);
    // A submitted review answers its request: GitHub lists the reviewer as requested no more.
    if (options.state !== "PENDING") pull.requestedReviewers = pull.requestedReviewers.filter((user) => key(user.login) !== key(options.user));
    // As on GitHub, a review is activity on the pull request.
    pull.updatedAt = this.now();
    return review;
  }

  dismissReview(ref: PullRequestRef, reviewId: number): Review {
    const review = this.pullRequest(ref).reviews.find((candidate) => candidate.id === reviewId);
    if (review === undefined) throw new NotFoundError(`review ${reviewId}`);
    review.state = "DISMISSED";
    this.pullRequest(ref).updatedAt = this.now();
    return review;
  }

  /** `by`: who asks (an event's actor and review_requester; the pull request's author when not given). */
  requestReviewers(ref: PullRequestRef, logins: readonly string[], by?: string): void {
    const pull = this.pullRequest(ref);
    const requester = by === undefined ? pull.user : this.user(by);
    for (const login of logins) {
      if (pull.requestedReviewers.some((user) => key(user.login) === key(login))) continue;
      const reviewer = this.user(login);
      pull.requestedReviewers.push(reviewer);
      pull.events.push({ id: this.nextId(), event: "review_requested", actor: requester, createdAt: this.now(), requestedReviewer: reviewer, reviewRequester: requester });
    }
  }

  /** Someone (`by`) takes review requests back, as the "Reviewers" menu does. */
  removeRequestedReviewers(ref: PullRequestRef, logins: readonly string[], by: string): void {
    const pull = this.pullRequest(ref);
    const remover = this.user(by);
    for (const login of logins) {
      const reviewer = pull.requestedReviewers.find((user) => key(user.login) === key(login));
      if (reviewer === undefined) continue;
      pull.requestedReviewers = pull.requestedReviewers.filter((user) => user !== reviewer);
      pull.events.push({ id: this.nextId(), event: "review_request_removed", actor: remover, createdAt: this.now(), requestedReviewer: reviewer, reviewRequester: remover });
    }
  }

  // ------------------------------------------------------------------ releases

  addRelease(owner: string, repoName: string, options: { tag: string; publishedAt?: string | null; draft?: boolean; prerelease?: boolean; author?: string }): Release {
    const repo = this.repository(owner, repoName);
    const created = this.now();
    const draft = options.draft ?? false;
    const release: Release = {
      id: this.nextId(),
      tagName: options.tag,
      name: options.tag,
      draft,
      prerelease: options.prerelease ?? false,
      createdAt: created,
      publishedAt: options.publishedAt !== undefined ? options.publishedAt : draft ? null : created,
      author: this.user(options.author ?? "octocat"),
    };
    repo.releases.push(release);
    return release;
  }

  // ------------------------------------------------------------------ issues

  createIssue(owner: string, repoName: string, options: { title: string; body?: string | null; user?: string; labels?: string[]; assignees?: string[] }): Issue {
    const repo = this.repository(owner, repoName);
    const created = this.now();
    const issue: Issue = {
      number: repo.nextNumber++,
      id: this.nextId(),
      title: options.title,
      body: options.body ?? null,
      user: this.user(options.user ?? "octocat"),
      state: "open",
      stateReason: null,
      labels: [],
      assignees: (options.assignees ?? []).map((login) => this.user(login)),
      locked: false,
      createdAt: created,
      updatedAt: created,
      closedAt: null,
      closedBy: null,
    };
    for (const name of options.labels ?? []) {
      this.label(repo, name);
      issue.labels.push(name);
    }
    repo.issues.set(issue.number, issue);
    return issue;
  }

  addComment(owner: string, repoName: string, number: number, options: { body: string; user?: string }): IssueComment {
    const repo = this.repository(owner, repoName);
    const target = repo.issues.get(number) ?? repo.pulls.get(number);
    if (target === undefined) throw new NotFoundError(`#${number}`);
    const created = this.now();
    const comment: IssueComment = { id: this.nextId(), issueNumber: number, user: this.user(options.user ?? "octocat"), body: options.body, createdAt: created, updatedAt: created };
    repo.comments.push(comment);
    target.updatedAt = created;
    return comment;
  }

  issues(owner: string, repoName: string): Issue[] {
    return [...this.repository(owner, repoName).issues.values()];
  }

  comments(owner: string, repoName: string, number: number): IssueComment[] {
    return this.repository(owner, repoName).comments.filter((comment) => comment.issueNumber === number);
  }

  // ------------------------------------------------------------------- checks

  /** The suite of an app for a head SHA, created on first use (as GitHub does on the first check run). */
  checkSuiteFor(repo: Repository, headSha: string, app: AppInfo = this.app): CheckSuite {
    const existing = repo.checkSuites.find((suite) => suite.headSha === headSha && suite.app.id === app.id);
    if (existing !== undefined) return existing;
    const branch = [...repo.refs].find(([name, sha]) => sha === headSha && name.startsWith("refs/heads/"))?.[0].slice("refs/heads/".length) ?? null;
    const created = this.now();
    const suite: CheckSuite = { id: this.nextId(), headSha, headBranch: branch, before: null, after: headSha, app, createdAt: created, updatedAt: created };
    repo.checkSuites.push(suite);
    return suite;
  }

  /** Seeds a check run (for example one of another app, with `app`). */
  createCheckRun(
    owner: string,
    repoName: string,
    options: {
      headSha: string;
      name: string;
      status?: CheckStatus;
      conclusion?: CheckConclusion | null;
      externalId?: string | null;
      detailsUrl?: string | null;
      output?: { title?: string | null; summary?: string | null; text?: string | null; annotations?: Annotation[] };
      actions?: CheckRunAction[];
      app?: { id: number; slug: string; name?: string };
      startedAt?: string;
      completedAt?: string | null;
    },
  ): CheckRun {
    const repo = this.repository(owner, repoName);
    const app: AppInfo =
      options.app === undefined || options.app.id === this.app.id
        ? this.app
        : { ...this.app, id: options.app.id, slug: options.app.slug, name: options.app.name ?? options.app.slug, clientId: `Iv1.${options.app.id.toString(16).padStart(16, "0")}` };
    const suite = this.checkSuiteFor(repo, options.headSha, app);
    const created = this.now();
    const conclusion = options.conclusion ?? null;
    const status = conclusion !== null ? "completed" : (options.status ?? "queued");
    const run: CheckRun = {
      id: this.nextId(),
      headSha: options.headSha,
      name: options.name,
      status,
      conclusion,
      startedAt: options.startedAt ?? created,
      completedAt: options.completedAt ?? (status === "completed" ? created : null),
      externalId: options.externalId ?? null,
      detailsUrl: options.detailsUrl ?? null,
      output: {
        title: options.output?.title ?? null,
        summary: options.output?.summary ?? null,
        text: options.output?.text ?? null,
        annotations: [...(options.output?.annotations ?? [])],
      },
      actions: options.actions ?? [],
      app,
      checkSuiteId: suite.id,
      createdAt: created,
    };
    repo.checkRuns.push(run);
    suite.updatedAt = created;
    return run;
  }

  /** Check runs of a repository, oldest first, optionally for one head SHA and/or name. */
  checkRuns(owner: string, repoName: string, filter: { headSha?: string; name?: string } = {}): CheckRun[] {
    return this.repository(owner, repoName).checkRuns.filter(
      (run) => (filter.headSha === undefined || run.headSha === filter.headSha) && (filter.name === undefined || run.name === filter.name),
    );
  }

  findCheckRun(owner: string, repoName: string, id: number): CheckRun | undefined {
    return this.findRepository(owner, repoName)?.checkRuns.find((run) => run.id === id);
  }

  // -------------------------------------------------------------- deployments

  addDeployment(
    owner: string,
    repoName: string,
    options: {
      sha: string;
      ref?: string;
      environment?: string;
      task?: string;
      description?: string;
      creator?: string;
      createdAt?: string;
      payload?: Record<string, unknown>;
      statuses?: (DeploymentState | { state: DeploymentState; createdAt?: string; description?: string })[];
    },
  ): Deployment {
    const repo = this.repository(owner, repoName);
    const created = options.createdAt ?? this.now();
    const environment = options.environment ?? "production";
    const deployment: Deployment = {
      id: this.nextId(),
      sha: options.sha,
      ref: options.ref ?? options.sha,
      task: options.task ?? "deploy",
      environment,
      description: options.description ?? null,
      payload: options.payload ?? {},
      creator: this.user(options.creator ?? "octocat"),
      productionEnvironment: environment === "production",
      transientEnvironment: false,
      createdAt: created,
      updatedAt: created,
      statuses: [],
    };
    repo.deployments.push(deployment);
    for (const status of options.statuses ?? []) {
      const spec = typeof status === "string" ? { state: status } : status;
      this.addDeploymentStatus(owner, repoName, deployment.id, spec.state, { createdAt: spec.createdAt ?? created, description: "description" in spec ? spec.description : undefined });
    }
    return deployment;
  }

  addDeploymentStatus(owner: string, repoName: string, deploymentId: number, state: DeploymentState, options: { createdAt?: string; description?: string; creator?: string; environmentUrl?: string } = {}): DeploymentStatus {
    const deployment = this.repository(owner, repoName).deployments.find((candidate) => candidate.id === deploymentId);
    if (deployment === undefined) throw new NotFoundError(`deployment ${deploymentId}`);
    const status: DeploymentStatus = {
      id: this.nextId(),
      state,
      description: options.description ?? "",
      environment: deployment.environment,
      targetUrl: "",
      logUrl: "",
      environmentUrl: options.environmentUrl ?? "",
      creator: this.user(options.creator ?? deployment.creator.login),
      createdAt: options.createdAt ?? this.now(),
    };
    deployment.statuses.push(status);
    deployment.updatedAt = status.createdAt;
    return status;
  }

  // ---------------------------------------------------------- hook deliveries

  /** Records a webhook delivery of the app (webhooks.ts calls this after posting one). */
  recordDelivery(delivery: Omit<HookDelivery, "id"> & { id?: number }): HookDelivery {
    const stored: HookDelivery = { ...delivery, id: delivery.id ?? this.nextId() };
    this.deliveries.push(stored);
    return stored;
  }

  /** Marks a delivery (by id or GUID) as failed, as if the app had answered `statusCode`. */
  markDeliveryFailed(idOrGuid: number | string, statusCode = 500): HookDelivery {
    const delivery = this.deliveries.find((candidate) => candidate.id === idOrGuid || candidate.guid === idOrGuid);
    if (delivery === undefined) throw new NotFoundError(`delivery ${idOrGuid}`);
    delivery.statusCode = statusCode;
    return delivery;
  }
}

/** GitHub's timestamp format: ISO 8601 with seconds precision. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A deterministic 40-hex-digit SHA made from a seed. */
export function fakeSha(seed: string): string {
  return createHash("sha1").update(seed).digest("hex");
}
