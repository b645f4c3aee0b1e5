import { mergedAt, servicesOf } from "../audit/query.js";
import type { AuditRecord } from "../audit/record.js";
import type { RiskReason } from "../engine/risk.js";
import type { ScheduleBlocker, ScheduleBypass } from "../engine/schedule.js";
import { FLAG, TIERS, type ChangeDetails, type ChangeRow } from "./model.js";

/** Repeated names (repositories, services, types, people) stored once, rows hold their index. */
export class Names {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();

  of(name: string): number {
    let at = this.index.get(name);
    if (at === undefined) {
      at = this.list.length;
      this.list.push(name);
      this.index.set(name, at);
    }
    return at;
  }
}

export interface RowNames {
  repositories: Names;
  services: Names;
  types: Names;
  people: Names;
}

/** The timeline row of a record; `reverted` says whether a later record reverts it. */
export function changeRow(record: AuditRecord, names: RowNames, chunk: number, reverted: boolean): ChangeRow {
  const bypasses = record.schedule?.bypasses ?? [];
  const flags =
    (record.change?.type === "emergency" ? FLAG.emergency : 0) |
    (bypasses.some((bypass) => bypass.kind === "freeze-exception") ? FLAG.freezeException : 0) |
    (record.bypassed ? FLAG.bypassed : 0) |
    (reverted ? FLAG.reverted : 0);
  return {
    s: record.seq,
    t: mergedAt(record),
    r: names.repositories.of(record.repository),
    n: record.pull_request.number,
    ti: record.pull_request.title,
    ty: names.types.of(record.change?.type ?? "none"),
    k: Math.max(0, TIERS.indexOf(record.risk.effective_tier)),
    sc: record.risk.score,
    sv: servicesOf(record).map((service) => names.services.of(service)),
    a: names.people.of(record.pull_request.author),
    f: flags,
    d: chunk,
  };
}

/** What a change expands to: every fact the record holds that a reader asks about, as text. */
export function changeDetails(record: AuditRecord): ChangeDetails {
  const approvals = record.approvals;
  const required = approvals === null ? "no approvals were evaluated" : requirementText(approvals.required, approvals.basis);
  return {
    seq: record.seq,
    url: record.pull_request.url,
    repository: record.repository,
    labels: record.pull_request.labels,
    mergedBy: record.merged.by,
    mergedAt: record.merged.at,
    mergeCommit: record.merged.merge_commit_sha,
    headSha: record.pull_request.head_sha,
    environment: record.change?.environment ?? null,
    changeId: record.change?.id ?? null,
    changeRequest: record.change_request_status === "valid" ? (record.change?.source === "policy-default" ? "none (the policy's defaults)" : "valid") : record.change_request_status,
    risk: Object.entries(record.risk.dimensions).map(([dimension, assessed]) => ({ dimension, score: assessed.score, reasons: assessed.reasons.filter((reason) => reason.score === assessed.score).map(reasonText) })),
    score: record.risk.score,
    tier: record.risk.declared_tier !== null && record.risk.declared_tier !== record.risk.tier ? `${record.risk.effective_tier} (scored ${record.risk.tier}, declared ${record.risk.declared_tier})` : record.risk.effective_tier,
    approvals: {
      required,
      satisfied: approvals?.satisfied ?? null,
      counted: (approvals?.counted ?? []).map((approval) => ({ reviewer: approval.reviewer, at: approval.at, commit: approval.commit, teams: approval.teams })),
    },
    schedule:
      record.schedule === null
        ? null
        : {
            gated: record.schedule.gated,
            allowed: record.schedule.allowed,
            blockers: record.schedule.blockers.map(blockerText),
            inEffect: record.schedule.in_effect.map((entry) => `${entry.kind} "${entry.name}" ${iso(entry.start)} – ${iso(entry.end)}`),
            bypasses: record.schedule.bypasses.map(bypassText),
          },
    gates: record.gates,
    bypassed: record.bypassed,
    reverts: record.reverts === null ? null : `${record.reverts.repository}#${record.reverts.number}`,
    hash: record.hash,
  };
}

function requirementText(required: { count: number; teams: string[]; any_of: string[] | null }, basis: string): string {
  const teams = required.teams.length === 0 ? "" : `, at least one from each of ${required.teams.join(", ")}`;
  const anyOf = required.any_of === null ? "" : `, one of ${required.any_of.join(", ")}`;
  return `${required.count} approval${required.count === 1 ? "" : "s"}${teams}${anyOf} (${basis})`;
}

export function reasonText(reason: RiskReason): string {
  switch (reason.source) {
    case "declared":
      return "declared in the change request";
    case "default":
      return "the policy's default";
    case "traffic":
      return `traffic: ${reason.trafficClass} at the merge`;
    case "rule": {
      const matched = [...reason.paths.slice(0, 5), ...reason.labels.map((label) => `label ${label}`)];
      const more = reason.paths.length > 5 ? ` and ${reason.paths.length - 5} more` : "";
      const unlisted = reason.unlistedFiles ? " (not every changed file was listed, so it was taken as matching)" : "";
      return `rule "${reason.rule}"${matched.length === 0 ? "" : `: ${matched.join(", ")}${more}`}${unlisted}`;
    }
  }
}

function blockerText(blocker: ScheduleBlocker): string {
  switch (blocker.kind) {
    case "outside-window":
      return `outside the ${blocker.type} window`;
    case "no-window":
      return `${blocker.type} changes have no window`;
    case "blackout":
      return `blackout "${blocker.name}" until ${iso(blocker.end)}`;
    case "freeze":
      return `freeze "${blocker.name}" until ${iso(blocker.end)}`;
    case "awaiting-incident-commander":
      return `freeze "${blocker.name}": awaiting an approval from ${blocker.approvers.join(", ")}`;
    case "calendar-unavailable":
      return `"${blocker.name}": its calendar could not be read, so it blocked`;
  }
}

function bypassText(bypass: ScheduleBypass): string {
  if (bypass.kind === "emergency") return `emergency through freeze "${bypass.freeze}", approved by ${bypass.approver}`;
  const by = [bypass.label === null ? "" : `label ${bypass.label}`, bypass.approver === null ? "" : `approval of ${bypass.approver}`].filter((part) => part !== "").join(" and ");
  return `exception to freeze "${bypass.freeze}"${by === "" ? "" : ` by ${by}`}`;
}

function iso(at: number): string {
  return new Date(at).toISOString().replace(/:00\.000Z$/, "Z");
}
