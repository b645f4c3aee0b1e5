// The pipeline's ports: what it reads about a pull request (PullRequestReader) and where it
// puts the three checks (CheckPublisher). The App, the Action and the CLI differ only in the
// implementations they pass in: the REST reader (github/rest-reader.ts), the App's caching
// decorator of it (app/caching-reader.ts), the CLI's file-backed reader (cli/file-reader.ts).
import type { Permission, Review } from "../engine/approvals.js";
import type { ChangedFiles } from "../engine/paths.js";
import type { LoadedPolicy } from "../github/policy-source.js";

/** What the pipeline is given about a pull request before it reads anything (a webhook's or an API answer's fields). */
export interface PullRequestFields {
  number: number;
  title: string;
  body: string | null;
  user: { login: string } | null;
  labels: readonly { name?: string }[];
  head: { sha: string; ref?: string; repo?: { full_name?: string } | null };
  base?: { ref: string };
  changed_files?: number;
}

/** A pull request as a webhook or the API gives it, with the fields the App's freshness checks read. */
export interface PullSnapshot extends PullRequestFields {
  base: { ref: string; sha?: string };
  head: { sha: string; ref?: string; repo?: { full_name?: string } | null };
  state?: string;
  draft?: boolean;
  created_at?: string;
  updated_at?: string;
}

/** Everything a decision about one pull request of one repository reads. */
export interface PullRequestReader {
  readonly owner: string;
  readonly repo: string;
  /** The changed files, both names of a rename; `complete` false when the list stops short (GitHub lists at most 3,000). */
  changedFiles(pull: PullRequestFields): Promise<ChangedFiles>;
  reviews(pull: PullRequestFields): Promise<Review[]>;
  /** A reviewer's permission on the repository ("none" for someone who is not a collaborator). */
  permission(login: string): Promise<Permission>;
  /** The active members of a team of the repository's organisation. */
  teamMembers(team: string): Promise<string[]>;
  /** Who pushed the head commit (their approval does not count), null when nobody can tell. */
  lastPusher(pull: PullRequestFields): Promise<string | null>;
  /** The policy at a ref, layered over what its `_extends` names. */
  policyAt(ref: string): Promise<LoadedPolicy>;
  /** The policy as the pull request's head edits it, layered the same way (not-enrolled: the head has no policy file, or this reader cannot see the head). */
  proposedPolicy(pull: PullRequestFields): Promise<LoadedPolicy>;
}
