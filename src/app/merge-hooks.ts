import type { Logger, MergeHooks, MergedPullRequest, Client } from "./service.js";

/**
 * AUDIT HOOK. What the App does when a gated pull request merges: record it in the audit
 * trail (`recordMerge`) and, for an emergency under `emergency.retrospective: true`, open
 * the retrospective issue (`openRetrospective`, idempotent: once however often the webhook
 * is delivered). Both live in src/audit/, built separately; until that module exists the
 * hook logs that the merge was not recorded. It is loaded on first use so the App runs
 * without it.
 */
interface AuditModule {
  recordMerge?: (client: Client, merged: MergedPullRequest) => Promise<unknown>;
  openRetrospective?: (client: Client, merged: MergedPullRequest) => Promise<unknown>;
}

const AUDIT_MODULE = "../audit/index.js";

export function auditMergeHooks(log: Logger, load: () => Promise<AuditModule | null> = loadAudit): MergeHooks {
  let module: Promise<AuditModule | null> | null = null;
  return {
    async onMerged(client, merged) {
      module ??= load();
      const audit = await module;
      const id = `${merged.owner}/${merged.repo}#${merged.pull.number}`;
      if (audit === null || audit.recordMerge === undefined) {
        log.warn({ pull: id }, "changegate: the audit module (src/audit) is not installed: this merge is not recorded");
        return;
      }
      await audit.recordMerge(client, merged);
      if (merged.decision?.change?.type === "emergency" && merged.policy.emergency.retrospective && audit.openRetrospective !== undefined) {
        await audit.openRetrospective(client, merged);
      }
    },
  };
}

async function loadAudit(): Promise<AuditModule | null> {
  try {
    const specifier: string = AUDIT_MODULE;
    return (await import(specifier)) as AuditModule;
  } catch {
    return null;
  }
}
