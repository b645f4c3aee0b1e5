import { outcomeRecord, type DeploymentRecord, type UnsealedDeploymentRecord } from "../../src/audit/deployment-record.js";
import { sealRecord, type AuditRecord, type UnsealedRecord } from "../../src/audit/record.js";
import { changeRecord } from "./trail.js";

/**
 * Delivery histories for tests and benchmarks: merge records (the real builder, via
 * changeRecord) and deployment outcome records (the real builder), sealed into one chain.
 */
export interface GeneratedDeployment {
  id: number;
  environment: string;
  at: number;
  event: "success" | "failure" | "error" | "rolled-back";
  /** Pull requests shipped: each gets a merge record whose first commit is `leadMs` before `at`. */
  pulls?: number[];
}

export function deploymentOutcome(deployment: GeneratedDeployment): UnsealedDeploymentRecord {
  const at = new Date(deployment.at).toISOString();
  return outcomeRecord(
    deployment.event,
    { at, login: "github-actions[bot]", description: "" },
    { pull_requests: (deployment.pulls ?? []).map((number) => ({ number, title: `Change ${number}`, merged_at: at })), direct_commits: [], basis: { kind: "own-pull-request", sha: null } },
    { repository: "acme/shop", deployment: { id: deployment.id, environment: deployment.environment, sha: "e".repeat(40), ref: "main", run_id: null }, recordedAt: at, recordedBy: "app" },
  );
}

/** The merge record of a pull request whose first commit was `firstCommitAt`. */
export function mergeWithFirstCommit(number: number, firstCommitAt: number): UnsealedRecord {
  const record = changeRecord({ number, mergedAt: firstCommitAt + 3_600_000 });
  record.pull_request.first_commit_at = new Date(firstCommitAt).toISOString();
  return record;
}

export function sealAll(records: readonly (UnsealedRecord | UnsealedDeploymentRecord)[]): (AuditRecord | DeploymentRecord)[] {
  const sealed: (AuditRecord | DeploymentRecord)[] = [];
  for (const record of records) sealed.push(sealRecord(record, sealed.at(-1) ?? null) as AuditRecord | DeploymentRecord);
  return sealed;
}

/**
 * `weeks` weeks from the Monday `start`, per week: production deploys Monday to Thursday at
 * 10:00 UTC, each shipping one pull request first committed 5 h before; in odd weeks
 * Thursday's fails and Friday 10:00's succeeds (restored in 24 h); in week 2 Tuesday's is
 * rolled back at Wednesday 08:00 and Wednesday 10:00's restores it (2 h). Staging deploys
 * once a day, Monday to Friday, always successfully, shipping nothing.
 */
export function deliveryHistory(weeks: number, start: number): (UnsealedRecord | UnsealedDeploymentRecord)[] {
  const hour = 3_600_000;
  const day = 24 * hour;
  const records: (UnsealedRecord | UnsealedDeploymentRecord)[] = [];
  let id = 1;
  let pull = 1;
  const deploy = (at: number, event: GeneratedDeployment["event"], environment = "production"): number => {
    const shipped = environment === "production" && event !== "rolled-back" ? [pull++] : [];
    for (const number of shipped) records.push(mergeWithFirstCommit(number, at - 5 * hour));
    const deployment = id++;
    records.push(deploymentOutcome({ id: deployment, environment, at, event, pulls: shipped }));
    return deployment;
  };
  for (let week = 0; week < weeks; week++) {
    const monday = start + week * 7 * day;
    for (let weekday = 0; weekday < 4; weekday++) {
      const at = monday + weekday * day + 10 * hour;
      const failing = weekday === 3 && week % 2 === 1;
      const deployment = deploy(at, failing ? "failure" : "success");
      if (week === 2 && weekday === 1) {
        records.push(deploymentOutcome({ id: deployment, environment: "production", at: at + 22 * hour, event: "rolled-back" }));
      }
    }
    if (week % 2 === 1) deploy(monday + 4 * day + 10 * hour, "success");
    for (let weekday = 0; weekday < 5; weekday++) deploy(monday + weekday * day + 9 * hour, "success", "staging");
  }
  return records;
}
