import type { AppendOptions } from "../audit/github-trail.js";
import { recordMerge } from "../audit/merge.js";
import type { Logger, MergeHooks } from "./service.js";

/**
 * What the App does when a gated pull request merges: record it in the audit trail, once
 * however often the webhook is delivered (and for an emergency, open its retrospective).
 * A failure throws: the delivery fails, and the App asks GitHub to redeliver it.
 */
/** How long a merge waits for others delivered with it to share its trail commit (see appendRecord). */
const GATHER_MS = 500;

export function auditMergeHooks(log: Logger, now: () => number = Date.now, lock?: AppendOptions["lock"]): MergeHooks {
  return {
    async onMerged(client, merged) {
      // One writer per trail: in this process the trail's group commit, across replicas `lock` (Redis).
      const recorded = await recordMerge(client, merged, { recordedBy: "app", now: now(), gatherMs: GATHER_MS, ...(lock === undefined ? {} : { lock }) });
      log.info(
        { pull: `${merged.owner}/${merged.repo}#${merged.pull.number}`, seq: recorded.seq, hash: recorded.hash, status: recorded.status },
        `changegate: merge ${recorded.status === "appended" ? "recorded" : "already recorded"} as audit record ${recorded.seq}`,
      );
    },
  };
}
