import type { PolicyCache } from "./policy-cache.js";
import { gatherAndEvaluate } from "../pipeline/gather.js";
import type { InstallationClients } from "./clients.js";
import type { Evaluator } from "./evaluator.js";
import type { Locks } from "./lock.js";
import type { Client, Logger, MergedPullRequest, MergeHooks } from "./service.js";

/**
 * A merged pull request: judged through the pipeline as it was when it merged (the policy of
 * the base before the merge, which the merged PR may have edited; the reviews submitted by
 * then), then the merge hooks (the audit trail, the emergency retrospective), one merge at a
 * time per pull request across replicas.
 */
/** What became of a merge: handed to the hooks (recorded, or found recorded), or not to be recorded. */
export type MergeOutcome = "recorded" | "not-enrolled" | "policy-invalid" | "no-hooks";

export class Merges {
  constructor(private readonly parts: { log: Logger; now: () => number; clients: InstallationClients; policies: PolicyCache; evaluator: Evaluator; locks: Locks; hooks: MergeHooks | null }) {}

  async merged(
    webhookClient: Client,
    where: { installationId: number; owner: string; repo: string },
    pull: MergedPullRequest["pull"],
    deliveryId: string | null,
  ): Promise<MergeOutcome> {
    const hooks = this.parts.hooks;
    if (hooks === null) return "no-hooks";
    const client = this.parts.clients.prepare(webhookClient, where.installationId);
    const loaded = await this.parts.policies.load(client, { owner: where.owner, repo: where.repo, ref: pull.base.sha ?? pull.base.ref }, { scope: String(where.installationId) });
    if (loaded.status === "not-enrolled") return "not-enrolled";
    if (loaded.status === "invalid") {
      this.parts.log.warn({ pull: `${where.owner}/${where.repo}#${pull.number}` }, "changegate: merged while the policy was invalid: the audit trail's location is unknown, the merge is not recorded");
      return "policy-invalid";
    }
    const at = pull.merged_at ? Date.parse(pull.merged_at) : this.parts.now();
    const { decision, input } = await gatherAndEvaluate(this.parts.evaluator.reader(client, where.installationId, where.owner, where.repo), pull, loaded.policy, { at, reviewsUntil: at });
    // One merge recorded at a time per PR, across replicas: two deliveries must not both open the retrospective.
    await this.parts.locks.run(`merge:${where.owner}/${where.repo}#${pull.number}`.toLowerCase(), () =>
      hooks.onMerged(client, {
        ...where,
        pull,
        policy: loaded.policy,
        decision,
        files: input.files,
        policySha: loaded.files[loaded.files.length - 1]?.sha ?? null,
        deliveryId,
      }),
    );
    return "recorded";
  }
}
