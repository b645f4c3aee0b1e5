import { listAll } from "../github/access.js";
import type { PolicyCache } from "./policy-cache.js";
import type { InstallationClients } from "./clients.js";
import type { Evaluator } from "./evaluator.js";
import { PRIORITY, type PullKey, type Scheduler } from "./scheduler.js";
import type { Client } from "./service.js";

/**
 * A push that may have changed a policy: forget what it can change, and evaluate again the
 * open pull requests into that branch (and into branches whose policy layers the pushed
 * repository's files, `_extends`), the ones that could merge now first.
 */
export class PolicyChanges {
  constructor(private readonly parts: { clients: InstallationClients; policies: PolicyCache; evaluator: Evaluator; scheduler: Scheduler; maxOpenPulls: number }) {}

  /** Whether a push touching `paths` of this repository can change a policy (its own file, or one a policy layers). */
  touchesPolicy(owner: string, repo: string, paths: ReadonlySet<string>): boolean {
    return this.parts.policies.layersFileOf(owner, repo, paths);
  }

  async pushed(client: Client, installationId: number, owner: string, repo: string, branch: string, isDefaultBranch: boolean): Promise<number> {
    this.parts.clients.prepare(client, installationId);
    const dependents = this.parts.policies.invalidate(owner, repo, branch, isDefaultBranch);
    let queued = 0;
    for (const target of [{ owner, repo, ref: branch }, ...dependents]) {
      const targetClient = target.owner === owner && target.repo === repo ? client : await this.parts.clients.forInstallation(installationId);
      const pulls = await listAll(
        (page) => targetClient.request("GET /repos/{owner}/{repo}/pulls", { owner: target.owner, repo: target.repo, state: "open", base: target.ref, per_page: 100, page }),
        this.parts.maxOpenPulls,
      );
      for (const pull of pulls) {
        const key: PullKey = { installationId, owner: target.owner, repo: target.repo, number: pull.number };
        const wasMergeable = this.parts.scheduler.get(key)?.mergeable ?? false;
        this.parts.evaluator.enqueue({ ...key, pull: null, trigger: "policy-change" }, wasMergeable ? PRIORITY.policyChange - 1 : PRIORITY.policyChange);
        queued++;
      }
    }
    return queued;
  }
}
