import type { Permission } from "../engine/approvals.js";
import { parseChangeRequest } from "../engine/change-request.js";
import { evaluate, type EvaluatedDecision, type EvaluationInput, type PullRequestFacts } from "../engine/evaluate.js";
import { POLICY_PATH } from "../engine/policy-path.js";
import type { Policy } from "../engine/policy.js";
import type { Problem } from "../engine/problems.js";
import type { PullRequestFields, PullRequestReader } from "./reader.js";

/**
 * The engine's inputs for one pull request, read through a `PullRequestReader`, with as few
 * reads as the decision allows; the same steps for the App, the Action and the CLI:
 *
 * - changed files and reviews, at once;
 * - the permissions of the reviewers whose opinion can count (bots' never does), and, when the
 *   pull request edits `.github/changegate.yml`, that edited policy layered as it would be once
 *   merged (its `_extends` followed): its problems, shown on the risk check;
 * - who pushed the head commit, only when someone's approval counts (GitHub's rule: the last
 *   pusher's approval does not);
 * - the members of the teams that can change the decision, only when someone approved: the
 *   requirement's teams and the exception teams of freezes in effect. So a low-risk change is
 *   decided with a token that cannot read teams (GITHUB_TOKEN cannot).
 *
 * `readPullRequest` needs no policy, so a caller can send its requests before the policy is
 * parsed (the Action's cold start); `decide` adds the policy and what depends on the decision.
 */
export interface GatherOptions {
  /** Evaluation instant, epoch milliseconds. */
  at: number;
  /** Count only the reviews submitted by this instant (the gate and the audit judge a merge as it was). */
  reviewsUntil?: number;
  /**
   * Ask who pushed the head beside the permissions, as soon as someone approved, instead of
   * after a first decision shows an approval counts: one round trip off a cold start's
   * critical path (the Action), for a request that is then sometimes not needed. The
   * decision is the same either way.
   */
  eagerPusher?: boolean;
  /** Facts that differ from the fields' (the CLI outside a pull request: no number; no head, so no stale filtering). */
  facts?: Partial<Pick<PullRequestFacts, "number" | "headSha">>;
}

/** The engine's inputs but the policy, which none of these reads needs; `pusherRead` when the last pusher was read already. */
export type PullRequestRecords = Omit<EvaluationInput, "policy"> & { pusherRead?: boolean };

export interface Gathered {
  input: EvaluationInput;
  decision: EvaluatedDecision;
}

export async function readPullRequest(reader: PullRequestReader, pull: PullRequestFields, options: GatherOptions): Promise<PullRequestRecords> {
  const [files, listed] = await Promise.all([reader.changedFiles(pull), reader.reviews(pull)]);
  const until = options.reviewsUntil;
  const reviews = until === undefined ? listed : listed.filter((review) => review.submittedAt !== null && Date.parse(review.submittedAt) <= until);

  const opinionated = [...new Set(reviews.filter((review) => !review.isBot && (review.state === "APPROVED" || review.state === "CHANGES_REQUESTED")).map((review) => review.login))];
  const touchesPolicy = files.files.some((file) => file.path === POLICY_PATH || file.previousPath === POLICY_PATH);
  const eager = options.eagerPusher === true && reviews.some((review) => !review.isBot && review.state === "APPROVED");
  const [permissions, proposed, pusher] = await Promise.all([
    Promise.all(opinionated.map(async (login) => [login, await reader.permission(login)] as const)).then((entries) => Object.fromEntries(entries) as Record<string, Permission>),
    touchesPolicy ? proposedPolicyProblems(reader, pull) : Promise.resolve(null),
    eager ? reader.lastPusher(pull) : Promise.resolve(null),
  ]);

  return {
    pullRequest: {
      owner: reader.owner,
      repo: reader.repo,
      number: pull.number,
      title: pull.title,
      author: pull.user?.login ?? "",
      body: pull.body ?? "",
      labels: pull.labels.map((label) => label.name ?? "").filter((name) => name !== ""),
      headSha: pull.head.sha,
      lastPusher: pusher,
      ...options.facts,
    },
    ...(eager ? { pusherRead: true } : {}),
    files,
    reviews,
    teams: {},
    permissions,
    at: options.at,
    proposedPolicyProblems: proposed,
  };
}

/** The decision by `policy` on what `readPullRequest` read, with the pusher and the teams read where they can change it. */
export async function decide(reader: PullRequestReader, pull: PullRequestFields, records: PullRequestRecords, policy: Policy): Promise<Gathered> {
  // Parsed once: the decision may be made up to three times below (and again by the caller).
  const { pusherRead, ...read } = records;
  let input: EvaluationInput = { ...read, policy, changeRequest: records.changeRequest ?? parseChangeRequest(records.pullRequest.body) };
  let decision = evaluate(input);

  // Whose push the head is matters only when someone's approval would count.
  if (pusherRead !== true && (decision.approvals?.counted.length ?? 0) > 0) {
    const pusher = await reader.lastPusher(pull);
    if (pusher !== null && pusher !== input.pullRequest.lastPusher) {
      input = { ...input, pullRequest: { ...input.pullRequest, lastPusher: pusher } };
      decision = evaluate(input);
    }
  }

  const teams = input.reviews.some((review) => review.state === "APPROVED") ? teamsThatMatter(policy, decision) : [];
  if (teams.length > 0) {
    const entries = await Promise.all(teams.map(async (team) => [team, await reader.teamMembers(team)] as const));
    input = { ...input, teams: Object.fromEntries(entries) };
    decision = evaluate(input);
  }
  return { input, decision };
}

/** Reads and decides in one go. */
export async function gatherAndEvaluate(reader: PullRequestReader, pull: PullRequestFields, policy: Policy, options: GatherOptions): Promise<Gathered> {
  return decide(reader, pull, await readPullRequest(reader, pull, options), policy);
}

/** The teams whose membership can change this decision: its approval requirement's, and the exception teams of freezes in effect. */
export function teamsThatMatter(policy: Policy, decision: EvaluatedDecision): string[] {
  const teams = new Set<string>([...(decision.approvals?.requirement.teams ?? []), ...(decision.approvals?.requirement.anyOf ?? [])]);
  for (const entry of decision.schedule?.inEffect ?? []) {
    if (entry.kind !== "freeze") continue;
    for (const freeze of policy.freezes) if (freeze.name === entry.name) for (const team of freeze.exceptions?.approvers ?? []) teams.add(team);
  }
  return [...teams].sort();
}

/** The edited policy's problems: empty when valid, null when the head has no policy file. */
async function proposedPolicyProblems(reader: PullRequestReader, pull: PullRequestFields): Promise<Problem[] | null> {
  const loaded = await reader.proposedPolicy(pull);
  if (loaded.status === "not-enrolled") return null;
  return loaded.status === "invalid" ? loaded.problems : [];
}
