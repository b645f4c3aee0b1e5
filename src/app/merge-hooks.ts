import { recordMerge } from "../audit/merge.js";
import type { Logger, MergeHooks } from "./service.js";

/**
 * What the App does when a gated pull request merges: record it in the audit trail, once
 * however often the webhook is delivered (and for an emergency, open its retrospective).
 * A failure throws: the delivery fails, and the App asks GitHub to redeliver it.
 */
export function auditMergeHooks(log: Logger, now: () => number = Date.now): MergeHooks {
  return {
    async onMerged(client, merged) {
      const recorded = await recordMerge(client, merged, { recordedBy: "app", now: now() });
      log.info(
        { pull: `${merged.owner}/${merged.repo}#${merged.pull.number}`, seq: recorded.seq, hash: recorded.hash, status: recorded.status },
        `changegate: merge ${recorded.status === "appended" ? "recorded" : "already recorded"} as audit record ${recorded.seq}`,
      );
    },
  };
}
