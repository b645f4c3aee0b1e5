import { POLICY_PATH } from "../../engine/policy-path.js";
import type { ChangegateService } from "../service.js";
import { whereOf, type HandlerContext } from "./delivery.js";

/** A push to a branch that may change a policy (its own file, or one a policy layers): the open pull requests into it are evaluated again. */
export async function onPush(service: ChangegateService, context: HandlerContext<"push">): Promise<void> {
  const { payload } = context;
  const where = whereOf(payload);
  if (where === null || !payload.ref.startsWith("refs/heads/")) return;
  const branch = payload.ref.slice("refs/heads/".length);
  const commits = payload.commits;
  const paths = new Set(commits.flatMap((commit) => [...(commit.added ?? []), ...(commit.modified ?? []), ...(commit.removed ?? [])]));
  // A webhook lists at most 20 commits; a forced push may have rewritten anything.
  const unknown = commits.length >= 20 || payload.forced || payload.created;
  if (!unknown && !paths.has(POLICY_PATH) && !service.pushTouchesPolicy(where.owner, where.repo, paths)) return;
  const isDefault = payload.repository.default_branch === branch;
  await service.policyPushed(context.octokit, where.installationId, where.owner, where.repo, branch, isDefault);
}
