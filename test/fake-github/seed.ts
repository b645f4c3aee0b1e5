import type { FakeGitHub } from "./server.js";
import type { CheckRun, Permission, PullRequest, ReviewState } from "./state.js";

/**
 * Declarative seeding of the one fake GitHub, for tests that describe a repository whole (the
 * Action's process tests, the cold-start benchmark): files at refs, pull requests with their
 * files and reviews, a commit graph, deployments, collaborators. `seedRepository` (re)builds
 * the repository from such a description through the fake's state API, keeping the check runs
 * already posted to it, so a test can change what GitHub holds between two runs of the Action.
 * `SeededGitHub` adds the small views those tests assert on (check runs, requests in the
 * shape "METHOD path", and the requests the OpenAPI description refused).
 */
export interface PullSeed {
  number: number;
  title: string;
  body: string;
  user: string;
  labels?: string[];
  head: { sha: string; ref?: string };
  base?: { ref: string };
  state?: "open" | "closed";
  merged_at?: string | null;
  merge_commit_sha?: string | null;
  updated_at?: string;
  files: (string | { filename: string; previous_filename: string })[];
  /** Who pushed the head commit (the repository's activity says so); default the author. */
  pushedBy?: string;
  reviews?: { id?: number; user: string; state: string; commit_id: string; submitted_at: string; bot?: boolean }[];
}

export interface RepoSeed {
  defaultBranch?: string;
  /** ref (the default branch, or the head SHA of a pull request) -> path -> text. */
  files?: Record<string, Record<string, string>>;
  pulls?: PullSeed[];
  /** login -> role. Unknown logins are not collaborators. */
  collaborators?: Record<string, Exclude<Permission, "none">>;
  /** sha -> parents, parents listed before their children. */
  commits?: Record<string, string[]>;
  /** sha -> the message of a commit in `commits` (default "Seeded commit"). */
  messages?: Record<string, string>;
  /** Newest last; statuses oldest first. */
  deployments?: { id?: number; sha: string; environment: string; statuses: string[] }[];
  /** Releases, newest first, as GitHub lists them (calendars: after_release). */
  releases?: { tag_name: string; published_at: string | null; draft?: boolean; prerelease?: boolean }[];
  /** Issues (calendars: while_issues_open). */
  issues?: { number: number; title: string; state: "open" | "closed"; labels: string[]; user: string; created_at: string }[];
}

export function seedRepository(fake: FakeGitHub, fullName: string, seed: RepoSeed): void {
  const [owner, name] = fullName.split("/") as [string, string];
  const previous = fake.findRepository(owner, name);
  if (previous !== undefined) fake.repositories.delete(fullName.toLowerCase());
  const defaultBranch = seed.defaultBranch ?? "main";
  const repo = fake.addRepository({ owner, name, defaultBranch, files: seed.files?.[defaultBranch] ?? {} });
  if (previous !== undefined) {
    repo.checkRuns.push(...previous.checkRuns);
    repo.checkSuites.push(...previous.checkSuites);
  }
  for (const [login, role] of Object.entries(seed.collaborators ?? {})) fake.setPermission(owner, name, login, role);

  const base = fake.branchSha(owner, name, defaultBranch) ?? null;
  for (const [sha, parents] of Object.entries(seed.commits ?? {})) {
    const commit = repo.git.commits.get(sha) ?? fake.commitOnto(repo, parents[0] ?? base, {}, { sha, message: seed.messages?.[sha] ?? "Seeded commit", extraParents: parents.slice(1) });
    repo.refs.set(`refs/heads/${defaultBranch}`, commit.sha);
  }

  for (const pull of seed.pulls ?? []) {
    const baseRef = pull.base?.ref ?? defaultBranch;
    const headRef = pull.head.ref ?? `topic-${pull.number}`;
    const opened = fake.openPullRequest({
      owner,
      repo: name,
      number: pull.number,
      title: pull.title,
      body: pull.body,
      user: pull.user,
      head: headRef,
      base: baseRef,
      files: pull.files.map((file) => (typeof file === "string" ? { filename: file, status: "modified" as const } : { ...file, status: "renamed" as const })),
      labels: pull.labels ?? [],
      createdAt: "2026-01-01T00:00:00Z",
    });
    // The head commit: with the files the seed gives at its SHA, else the base's tree.
    const headFiles = seed.files?.[pull.head.sha];
    const head = headFiles === undefined ? fake.ensureCommit(repo, pull.head.sha, opened.head.sha) : fake.commitOnto(repo, opened.head.sha, headFiles, { sha: pull.head.sha });
    fake.moveRef(repo, `refs/heads/${headRef}`, head.sha, pull.pushedBy ?? pull.user);
    opened.head.sha = head.sha;
    for (const review of pull.reviews ?? []) {
      if (review.bot === true) fake.user(review.user, "Bot");
      fake.submitReview(opened, { user: review.user, state: review.state as ReviewState, commitId: review.commit_id, submittedAt: review.submitted_at, ...(review.id === undefined ? {} : { id: review.id }) });
    }
    const merged = pull.merged_at != null;
    const state: Partial<PullRequest> = {
      state: pull.state ?? (merged ? "closed" : "open"),
      merged,
      mergedAt: pull.merged_at ?? null,
      closedAt: pull.state === "closed" || merged ? (pull.merged_at ?? "2026-01-02T00:00:00Z") : null,
      mergeCommitSha: pull.merge_commit_sha ?? null,
      updatedAt: pull.updated_at ?? "2026-01-01T00:00:00Z",
    };
    Object.assign(opened, state);
  }

  // The fake keeps releases oldest first (and lists them newest first, as GitHub does).
  for (const release of [...(seed.releases ?? [])].reverse()) {
    fake.addRelease(owner, name, { tag: release.tag_name, publishedAt: release.published_at, ...(release.draft === undefined ? {} : { draft: release.draft }), ...(release.prerelease === undefined ? {} : { prerelease: release.prerelease }) });
  }
  for (const seeded of seed.issues ?? []) {
    const issue = fake.createIssue(owner, name, { title: seeded.title, user: seeded.user, labels: seeded.labels });
    repo.issues.delete(issue.number);
    Object.assign(issue, { number: seeded.number, state: seeded.state, createdAt: seeded.created_at, updatedAt: seeded.created_at });
    repo.issues.set(seeded.number, issue);
  }

  for (const deployment of seed.deployments ?? []) {
    const created = fake.addDeployment(owner, name, { sha: deployment.sha, environment: deployment.environment, statuses: deployment.statuses as never });
    // A seeded id is the deployment's from then on (its statuses are found through the deployment itself).
    if (deployment.id !== undefined) created.id = deployment.id;
  }
}

/** A check run as the Action's tests read it (GitHub's field names). */
export interface SeededCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  completed_at: string | null;
  details_url: string | null;
  output: { title: string | null; summary: string | null; annotations: unknown[] };
}

/** The one fake GitHub with declarative seeding and the views the Action's tests assert on. */
export class SeededGitHub {
  readonly #seeds = new Map<string, RepoSeed>();

  constructor(readonly github: FakeGitHub) {}

  get url(): string {
    return this.github.url;
  }

  seed(fullName: string, seed: RepoSeed): void {
    this.#seeds.set(fullName, seed);
    seedRepository(this.github, fullName, seed);
  }

  /** The description a repository was last seeded from, to change and `reseed`. */
  seeded(fullName: string): RepoSeed {
    const seed = this.#seeds.get(fullName);
    if (seed === undefined) throw new Error(`${fullName} was not seeded`);
    return seed;
  }

  /** Builds the repository again from its (changed) description; its check runs stay. */
  reseed(fullName: string): void {
    this.seed(fullName, this.seeded(fullName));
  }

  /** "org/slug" -> active members. */
  team(slug: string, members: string[]): void {
    const [org, team] = slug.split("/") as [string, string];
    this.github.addTeam(org, team, { members });
  }

  /** Answers every request to a route ("METHOD /template") 403 "Resource not accessible by integration". */
  forbid(route: string): void {
    this.github.failNext({ status: 403, route, count: Number.MAX_SAFE_INTEGER });
  }

  checkRuns(fullName: string): SeededCheckRun[] {
    const [owner, name] = fullName.split("/") as [string, string];
    return (this.github.findRepository(owner, name)?.checkRuns ?? []).map(checkRunView);
  }

  /** Requests since the last reset: method, path (no query) and route template (null: not a GitHub route). */
  get requests(): { method: string; path: string; route: string | null }[] {
    return this.github.requests().map((record) => ({ method: record.method, path: record.path, route: record.route === null ? null : record.route.slice(record.route.indexOf(" ") + 1) }));
  }

  resetRequests(): void {
    this.github.resetRequests();
  }

  /** Requests GitHub's OpenAPI description (or the fake's rules from it) refused: tests assert none. */
  get invalidRequests(): string[] {
    return this.github
      .requests()
      .filter((record) => record.route === null || (record.validationErrors?.length ?? 0) > 0)
      .map((record) => `${record.method} ${record.path}: ${record.route === null ? "no such route in GitHub's OpenAPI description" : JSON.stringify(record.validationErrors)}`);
  }

  /** Forgets every repository, team, refusal and request. */
  reset(): void {
    this.#seeds.clear();
    this.github.repositories.clear();
    this.github.teams.clear();
    this.github.clearFaults();
    this.github.resetRequests();
  }

  close(): Promise<void> {
    return this.github.close();
  }
}

function checkRunView(run: CheckRun): SeededCheckRun {
  return {
    id: run.id,
    name: run.name,
    head_sha: run.headSha,
    status: run.status,
    conclusion: run.conclusion,
    external_id: run.externalId,
    completed_at: run.completedAt,
    details_url: run.detailsUrl,
    output: { title: run.output.title, summary: run.output.summary, annotations: [...run.output.annotations] },
  };
}

export async function startSeededGitHub(): Promise<SeededGitHub> {
  const { startFakeGitHub } = await import("./server.js");
  return new SeededGitHub(await startFakeGitHub());
}
