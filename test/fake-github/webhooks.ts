import { createHmac, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import type { JsonObject } from "./http.js";
import { Renderer } from "./render.js";
import type { FakeGitHub } from "./server.js";
import type { CheckRun, CheckSuite, HookDelivery, PullRequestRef, Repository, Review } from "./state.js";

/**
 * Webhook payloads built from GitHub's own examples (`@octokit/webhooks-examples`): the
 * example for the event and action is deep-cloned, then patched with the fake's state
 * (repository, installation, pull request, review, check run, sender...). `deliverWebhook`
 * posts one to an app, signed as GitHub signs it, and records the delivery in the fake's
 * `/app/hook/deliveries`.
 */

export interface WebhookEvent {
  /** The `X-GitHub-Event` header: "pull_request", "check_run"... */
  name: string;
  /** The `X-GitHub-Delivery` header (a UUID). */
  id: string;
  payload: JsonObject;
}

export type PullRequestEventAction = "opened" | "edited" | "synchronize" | "reopened" | "ready_for_review" | "converted_to_draft" | "labeled" | "unlabeled" | "closed";
export type PullRequestReviewEventAction = "submitted" | "edited" | "dismissed";
export type CheckRunEventAction = "created" | "completed" | "rerequested" | "requested_action";
export type CheckSuiteEventAction = "requested" | "rerequested" | "completed";

interface ExampleDefinition {
  name: string;
  examples: JsonObject[];
}

let examples: ExampleDefinition[] | null = null;

/** A deep clone of GitHub's example payload for an event and action (another action's example when there is none). */
export function examplePayload(event: string, action?: string): JsonObject {
  examples ??= createRequire(import.meta.url)("@octokit/webhooks-examples") as ExampleDefinition[];
  const definition = examples.find((candidate) => candidate.name === event);
  if (definition === undefined || definition.examples.length === 0) throw new Error(`@octokit/webhooks-examples has no example for "${event}"`);
  const example = definition.examples.find((candidate) => candidate["action"] === action) ?? definition.examples[0]!;
  const clone = structuredClone(example);
  if (action !== undefined) clone["action"] = action;
  return clone;
}

/** Shallow overlay: the example's keys stay unless the fake has a value for them. */
function overlay(example: unknown, ours: JsonObject): JsonObject {
  return example !== null && typeof example === "object" && !Array.isArray(example) ? { ...(example as JsonObject), ...ours } : { ...ours };
}

function organization(render: Renderer, repo: Repository): JsonObject {
  const user = render.user(repo.owner);
  const url = `${render.api}/orgs/${repo.owner.login}`;
  return {
    login: repo.owner.login,
    id: repo.owner.id,
    node_id: user["node_id"],
    url,
    repos_url: `${url}/repos`,
    events_url: `${url}/events`,
    hooks_url: `${url}/hooks`,
    issues_url: `${url}/issues`,
    members_url: `${url}/members{/member}`,
    public_members_url: `${url}/public_members{/member}`,
    avatar_url: user["avatar_url"],
    description: null,
  };
}

/**
 * The envelope every event shares: repository, installation, organization (for
 * organisation-owned repositories) and sender.
 */
function envelope(fake: FakeGitHub, render: Renderer, payload: JsonObject, repo: Repository, sender: string | undefined): void {
  payload["repository"] = overlay(payload["repository"], render.repository(repo));
  if (repo.installationId !== null) payload["installation"] = { id: repo.installationId, node_id: Buffer.from(`026:Integration::Installation${repo.installationId}`).toString("base64") };
  else delete payload["installation"];
  if (repo.owner.type === "Organization") payload["organization"] = organization(render, repo);
  else delete payload["organization"];
  delete payload["enterprise"];
  payload["sender"] = render.user(fake.user(sender ?? repo.owner.login));
}

/**
 * Builds any event from its example: the envelope is patched for `owner/repo`, then
 * `fields` replace top-level keys. For events without a dedicated helper.
 */
export function webhookEvent(fake: FakeGitHub, name: string, action: string | undefined, target: { owner: string; repo: string; sender?: string }, fields: JsonObject = {}): WebhookEvent {
  const payload = examplePayload(name, action);
  const render = new Renderer(fake, fake.url);
  envelope(fake, render, payload, fake.repository(target.owner, target.repo), target.sender);
  Object.assign(payload, fields);
  return { name, id: randomUUID(), payload };
}

/** A webhook review: like the REST one, with the state in lower case. */
function webhookReview(render: Renderer, repo: Repository, ref: PullRequestRef, review: Review): JsonObject {
  const pull = render.state.pullRequest(ref);
  const rendered = render.review(repo, pull, review);
  return { ...rendered, state: review.state.toLowerCase(), body: review.body === "" ? null : review.body };
}

export function pullRequestEvent(
  fake: FakeGitHub,
  action: PullRequestEventAction,
  ref: PullRequestRef,
  options: { sender?: string; label?: string; changes?: { title?: { from: string }; body?: { from: string | null }; base?: { ref: { from: string }; sha: { from: string } } }; before?: string; after?: string } = {},
): WebhookEvent {
  const pull = fake.pullRequest(ref);
  const repo = fake.repository(ref.owner, ref.repo);
  const render = new Renderer(fake, fake.url);
  const payload = examplePayload("pull_request", action);
  envelope(fake, render, payload, repo, options.sender ?? pull.user.login);
  payload["number"] = pull.number;
  payload["pull_request"] = overlay(payload["pull_request"], render.pullRequest(repo, pull, true));
  for (const key of ["label", "changes", "before", "after", "requested_reviewer", "assignee"]) delete payload[key];
  if (action === "labeled" || action === "unlabeled") {
    const name = options.label ?? pull.labels.at(-1);
    if (name === undefined) throw new Error(`a "${action}" event needs a label`);
    payload["label"] = render.label(repo, fake.label(repo, name));
  }
  if (action === "edited") payload["changes"] = options.changes ?? {};
  if (action === "synchronize") {
    payload["before"] = options.before ?? repo.git.commits.get(pull.head.sha)?.parents[0] ?? pull.base.sha;
    payload["after"] = options.after ?? pull.head.sha;
  }
  return { name: "pull_request", id: randomUUID(), payload };
}

export function pullRequestReviewEvent(
  fake: FakeGitHub,
  action: PullRequestReviewEventAction,
  ref: PullRequestRef,
  review: Review | number,
  options: { sender?: string; changes?: { body?: { from: string } } } = {},
): WebhookEvent {
  const pull = fake.pullRequest(ref);
  const repo = fake.repository(ref.owner, ref.repo);
  const found = typeof review === "number" ? pull.reviews.find((candidate) => candidate.id === review) : review;
  if (found === undefined) throw new Error(`no review ${String(review)} on #${pull.number}`);
  const render = new Renderer(fake, fake.url);
  const payload = examplePayload("pull_request_review", action);
  envelope(fake, render, payload, repo, options.sender ?? found.user.login);
  payload["review"] = overlay(payload["review"], webhookReview(render, repo, ref, found));
  payload["pull_request"] = overlay(payload["pull_request"], render.pullRequest(repo, pull));
  delete payload["changes"];
  if (action === "edited") payload["changes"] = options.changes ?? {};
  return { name: "pull_request_review", id: randomUUID(), payload };
}

function suitePayload(render: Renderer, repo: Repository, suite: CheckSuite): JsonObject {
  const rendered = render.checkSuite(repo, suite);
  delete rendered["repository"];
  return rendered;
}

export function checkRunEvent(
  fake: FakeGitHub,
  action: CheckRunEventAction,
  target: { owner: string; repo: string; run: CheckRun | number; identifier?: string; sender?: string },
): WebhookEvent {
  const repo = fake.repository(target.owner, target.repo);
  const run = typeof target.run === "number" ? repo.checkRuns.find((candidate) => candidate.id === target.run) : target.run;
  if (run === undefined) throw new Error(`no check run ${String(target.run)} in ${repo.fullName}`);
  const render = new Renderer(fake, fake.url);
  const payload = examplePayload("check_run", action);
  envelope(fake, render, payload, repo, target.sender);
  const suite = repo.checkSuites.find((candidate) => candidate.id === run.checkSuiteId) ?? fake.checkSuiteFor(repo, run.headSha, run.app);
  payload["check_run"] = overlay((payload["check_run"] as JsonObject | undefined) ?? {}, { ...render.checkRun(repo, run), check_suite: suitePayload(render, repo, suite) });
  delete payload["requested_action"];
  if (action === "requested_action") {
    const identifier = target.identifier ?? run.actions[0]?.identifier;
    if (identifier === undefined) throw new Error(`a "requested_action" event needs an identifier (the run has no actions)`);
    payload["requested_action"] = { identifier };
  }
  return { name: "check_run", id: randomUUID(), payload };
}

export function checkSuiteEvent(
  fake: FakeGitHub,
  action: CheckSuiteEventAction,
  target: { owner: string; repo: string; suite?: CheckSuite | number; headSha?: string; sender?: string },
): WebhookEvent {
  const repo = fake.repository(target.owner, target.repo);
  let suite = typeof target.suite === "number" ? repo.checkSuites.find((candidate) => candidate.id === target.suite) : target.suite;
  if (suite === undefined && target.headSha !== undefined) suite = fake.checkSuiteFor(repo, target.headSha);
  if (suite === undefined) throw new Error("a check_suite event needs a suite or a headSha");
  const render = new Renderer(fake, fake.url);
  const payload = examplePayload("check_suite", action);
  envelope(fake, render, payload, repo, target.sender);
  payload["check_suite"] = overlay(payload["check_suite"], suitePayload(render, repo, suite));
  return { name: "check_suite", id: randomUUID(), payload };
}

/**
 * A push of `ref` (a branch name or full ref) from `before` to `after` (default: the
 * branch's tip and its first parent), listing the commits in between.
 */
export function pushEvent(fake: FakeGitHub, target: { owner: string; repo: string; ref: string; before?: string; after?: string; sender?: string; forced?: boolean }): WebhookEvent {
  const repo = fake.repository(target.owner, target.repo);
  const ref = target.ref.startsWith("refs/") ? target.ref : `refs/heads/${target.ref}`;
  const after = target.after ?? repo.refs.get(ref) ?? "0".repeat(40);
  const before = target.before ?? repo.git.commits.get(after)?.parents[0] ?? "0".repeat(40);
  const render = new Renderer(fake, fake.url);
  const payload = examplePayload("push");
  envelope(fake, render, payload, repo, target.sender);
  const repository = payload["repository"] as JsonObject;
  const seconds = (iso: unknown) => Math.floor(new Date(String(iso)).getTime() / 1000);
  // Push payloads carry the repository's timestamps as epoch seconds, and the owner with name and email.
  Object.assign(repository, { created_at: seconds(repository["created_at"]), pushed_at: seconds(repository["pushed_at"]), url: `https://github.com/${repo.fullName}` });
  const commits = repo.git.commits.has(before) ? repo.git.commitsBetween(before, after) : repo.git.commits.has(after) ? [repo.git.commits.get(after)!] : [];
  const describe = (sha: string) => {
    const commit = repo.git.commits.get(sha);
    if (commit === undefined) return null;
    const parentTree = commit.parents[0] === undefined ? null : (repo.git.commits.get(commit.parents[0])?.tree ?? null);
    const diffs = repo.git.diffTrees(parentTree, commit.tree);
    const person = (signature: { name: string; email: string }) => ({ name: signature.name, email: signature.email, username: /^\d+\+(.+)@users\.noreply\.github\.com$/.exec(signature.email)?.[1] ?? signature.name });
    return {
      id: sha,
      tree_id: commit.tree,
      distinct: true,
      message: commit.message,
      timestamp: commit.committer.date,
      url: `https://github.com/${repo.fullName}/commit/${sha}`,
      author: person(commit.author),
      committer: person(commit.committer),
      added: diffs.filter((diff) => diff.status === "added" || diff.status === "renamed").map((diff) => diff.filename),
      removed: [...diffs.filter((diff) => diff.status === "removed").map((diff) => diff.filename), ...diffs.flatMap((diff) => (diff.previousFilename === undefined ? [] : [diff.previousFilename]))],
      modified: diffs.filter((diff) => diff.status === "modified").map((diff) => diff.filename),
    };
  };
  Object.assign(payload, {
    ref,
    before,
    after,
    created: /^0+$/.test(before),
    deleted: /^0+$/.test(after),
    forced: target.forced ?? false,
    base_ref: null,
    compare: `https://github.com/${repo.fullName}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
    commits: commits.map((commit) => describe(commit.sha)),
    head_commit: describe(after),
    pusher: { name: target.sender ?? repo.owner.login, email: null },
  });
  return { name: "push", id: randomUUID(), payload };
}

/** A `merge_group` `checks_requested` event for a pull request put in the merge queue (see `queueForMerge`). */
export function mergeGroupEvent(fake: FakeGitHub, ref: PullRequestRef, options: { action?: "checks_requested" | "destroyed"; sender?: string } = {}): WebhookEvent {
  const repo = fake.repository(ref.owner, ref.repo);
  const group = fake.queueForMerge(ref);
  const commit = repo.git.commits.get(group.headSha)!;
  const render = new Renderer(fake, fake.url);
  const payload = examplePayload("merge_group", options.action ?? "checks_requested");
  envelope(fake, render, payload, repo, options.sender);
  payload["merge_group"] = {
    head_sha: group.headSha,
    head_ref: group.headRef,
    base_sha: group.baseSha,
    base_ref: group.baseRef,
    head_commit: {
      id: commit.sha,
      tree_id: commit.tree,
      message: commit.message,
      timestamp: commit.committer.date,
      author: { name: commit.author.name, email: commit.author.email },
      committer: { name: commit.committer.name, email: commit.committer.email },
    },
  };
  if (options.action === "destroyed") payload["reason"] = "merged";
  return { name: "merge_group", id: randomUUID(), payload };
}

// ------------------------------------------------------------------- delivery

/** GitHub caps webhook payloads at 25 MB: a larger one is not delivered at all. */
export const WEBHOOK_MAX_BYTES = 25 * 1024 * 1024;

/** GitHub's `X-Hub-Signature-256` value for a body. */
export function signWebhook(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface DeliveryOptions {
  /** Where the app listens, e.g. "http://127.0.0.1:3000/api/github/webhooks". */
  url: string;
  secret: string;
  /** Marks the delivery as a redelivery (keeps the event's GUID). */
  redelivery?: boolean;
}

export interface DeliveryResult {
  status: number;
  body: string;
  delivery: HookDelivery;
}

/**
 * POSTs an event to an app as GitHub does (signed JSON with the X-GitHub-* headers) and
 * records the delivery, with the app's answer, in the fake's `/app/hook/deliveries`.
 */
export async function deliverWebhook(fake: FakeGitHub, event: WebhookEvent, options: DeliveryOptions): Promise<DeliveryResult> {
  const body = JSON.stringify(event.payload);
  if (Buffer.byteLength(body) > WEBHOOK_MAX_BYTES) throw new Error(`GitHub does not deliver a payload over 25 MB (this one is ${Buffer.byteLength(body)} bytes)`);
  const installation = event.payload["installation"] as { id?: number } | undefined;
  const repository = event.payload["repository"] as { id?: number } | undefined;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/fake",
    "x-github-event": event.name,
    "x-github-delivery": event.id,
    "x-github-hook-id": "1",
    "x-github-hook-installation-target-id": String(fake.app.id),
    "x-github-hook-installation-target-type": "integration",
    "x-hub-signature-256": signWebhook(options.secret, body),
    "x-hub-signature": `sha1=${createHmac("sha1", options.secret).update(body).digest("hex")}`,
  };
  const started = Date.now();
  let status = 0;
  let text = "";
  let responseHeaders: Record<string, string> = {};
  let failure: unknown = null;
  try {
    const response = await fetch(options.url, { method: "POST", headers, body });
    status = response.status;
    text = await response.text();
    responseHeaders = Object.fromEntries(response.headers.entries());
  } catch (error) {
    failure = error;
  }
  const delivery = fake.recordDelivery({
    guid: event.id,
    deliveredAt: fake.now(),
    redelivery: options.redelivery ?? false,
    duration: (Date.now() - started) / 1000,
    statusCode: status,
    event: event.name,
    action: typeof event.payload["action"] === "string" ? event.payload["action"] : null,
    installationId: installation?.id ?? null,
    repositoryId: repository?.id ?? null,
    url: options.url,
    request: { headers: { ...headers }, payload: event.payload },
    response: { headers: responseHeaders, payload: text },
  });
  if (failure !== null) throw failure;
  return { status, body: text, delivery };
}

/**
 * Makes `POST /app/hook/deliveries/{id}/attempts` redeliver for real: the recorded payload
 * is posted again (same GUID, `redelivery: true`) to `options.url`.
 */
export function redeliverWebhooksTo(fake: FakeGitHub, options: Omit<DeliveryOptions, "redelivery">): void {
  fake.onRedeliver(async (delivery) => {
    await deliverWebhook(fake, { name: delivery.event, id: delivery.guid, payload: delivery.request.payload as JsonObject }, { ...options, redelivery: true });
  });
}
