import type { AuditRecord } from "./record.js";

/**
 * Questions answered from the trail: pure functions over records (the CLI reads them).
 * Instants are epoch milliseconds; a record's instant is its merge.
 */
export interface TimeRange {
  since: number | null;
  until: number | null;
}

export function mergedAt(record: AuditRecord): number {
  return Date.parse(record.merged.at);
}

function inRange(record: AuditRecord, range: TimeRange): boolean {
  const at = mergedAt(record);
  return (range.since === null || at >= range.since) && (range.until === null || at < range.until);
}

export function servicesOf(record: AuditRecord): string[] {
  return [...new Set([...(record.change?.services ?? []), ...(record.change?.derived_services ?? [])])];
}

/** The changes that touched `service` (every change when null) in the range, newest first. */
export function changesTouching(records: Iterable<AuditRecord>, service: string | null, range: TimeRange): AuditRecord[] {
  const wanted = service?.toLowerCase() ?? null;
  const found: AuditRecord[] = [];
  for (const record of records) {
    if (!inRange(record, range)) continue;
    if (wanted !== null && !servicesOf(record).some((name) => name.toLowerCase() === wanted)) continue;
    found.push(record);
  }
  return found.sort((a, b) => mergedAt(b) - mergedAt(a) || b.seq - a.seq);
}

export function recordsInRange(records: Iterable<AuditRecord>, range: TimeRange): AuditRecord[] {
  return [...records].filter((record) => inRange(record, range)).sort((a, b) => a.seq - b.seq);
}

/** One line per change for `changes`: when, what, how risky, which commit. */
export function changeLine(record: AuditRecord): string {
  const type = record.change?.type ?? "(no change request)";
  const flags = [record.bypassed ? "BYPASSED GATES" : "", record.schedule?.bypasses.some((bypass) => bypass.kind === "freeze-exception") ? "freeze exception" : ""].filter((flag) => flag !== "");
  return [
    record.merged.at,
    `${record.repository}#${record.pull_request.number}`,
    type,
    record.risk.effective_tier,
    (record.merged.merge_commit_sha ?? "-").slice(0, 12),
    servicesOf(record).join(",") || "-",
    record.pull_request.title,
  ].join("  ") + (flags.length > 0 ? `  [${flags.join("; ")}]` : "");
}

export const CSV_COLUMNS = [
  "seq",
  "merged_at",
  "repository",
  "pull_request",
  "title",
  "author",
  "merged_by",
  "type",
  "tier",
  "score",
  "services",
  "approvers",
  "freeze_exception",
  "emergency",
  "bypassed",
  "merge_commit",
  "policy_sha",
  "hash",
] as const;

export function csvRow(record: AuditRecord): string {
  const values: Record<(typeof CSV_COLUMNS)[number], string | number | boolean> = {
    seq: record.seq,
    merged_at: record.merged.at,
    repository: record.repository,
    pull_request: record.pull_request.number,
    title: record.pull_request.title,
    author: record.pull_request.author,
    merged_by: record.merged.by ?? "",
    type: record.change?.type ?? "",
    tier: record.risk.effective_tier,
    score: record.risk.score,
    services: servicesOf(record).join(" "),
    approvers: (record.approvals?.counted ?? []).map((approval) => approval.reviewer).join(" "),
    freeze_exception: record.schedule?.bypasses.some((bypass) => bypass.kind === "freeze-exception") ?? false,
    emergency: record.change?.type === "emergency",
    bypassed: record.bypassed,
    merge_commit: record.merged.merge_commit_sha ?? "",
    policy_sha: record.policy.sha ?? "",
    hash: record.hash,
  };
  return CSV_COLUMNS.map((column) => csvField(String(values[column]))).join(",");
}

/** RFC 4180, and a leading =, +, - or @ quoted with an apostrophe so a spreadsheet shows it as text. */
function csvField(value: string): string {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== value ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export interface ChangeMetrics {
  range: { since: string | null; until: string | null };
  changes: number;
  byType: Record<string, number>;
  byTier: Record<string, number>;
  emergencyRate: number | null;
  freezeExceptions: number;
  bypassed: number;
  /** PR ready for review to its last counted approval, over changes with approvals. */
  approvalWaitHours: Summary | null;
  /** First commit to merge. */
  leadTimeHours: Summary | null;
  /** Changes later reverted, or followed by an emergency on a service they touched within the window. */
  failed: { seq: number; pull: string; why: string }[];
  changeFailureRate: number | null;
}

export interface Summary {
  count: number;
  median: number;
  p90: number;
  mean: number;
}

/**
 * The change metrics of the range. A change failed when a later recorded change reverts it
 * (GitHub's "Reverts owner/repo#N"), or when an emergency change touching one of its
 * services merged within `failureWindowMs` after it (the emergency itself is not counted
 * against itself). Later records outside the range still count as evidence.
 */
export function changeMetrics(all: readonly AuditRecord[], range: TimeRange, failureWindowMs: number): ChangeMetrics {
  const inside = all.filter((record) => inRange(record, range));
  const count = (key: (record: AuditRecord) => string): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const record of inside) counts[key(record)] = (counts[key(record)] ?? 0) + 1;
    return counts;
  };
  const waits: number[] = [];
  const leads: number[] = [];
  for (const record of inside) {
    const ready = Date.parse(record.pull_request.ready_at ?? record.pull_request.opened_at ?? "");
    const approvedAt = Math.max(...(record.approvals?.counted ?? []).map((approval) => Date.parse(approval.at ?? "")).filter(Number.isFinite));
    if (Number.isFinite(ready) && Number.isFinite(approvedAt)) waits.push(Math.max(0, approvedAt - ready) / 3_600_000);
    const first = Date.parse(record.pull_request.first_commit_at ?? "");
    if (Number.isFinite(first)) leads.push(Math.max(0, mergedAt(record) - first) / 3_600_000);
  }

  const reverted = new Map<string, AuditRecord>();
  for (const record of all) if (record.reverts !== null) reverted.set(`${record.reverts.repository.toLowerCase()}#${record.reverts.number}`, record);
  const emergencies = all.filter((record) => record.change?.type === "emergency").map((record) => ({ record, at: mergedAt(record), services: new Set(servicesOf(record).map((name) => name.toLowerCase())) }));
  const failed: ChangeMetrics["failed"] = [];
  for (const record of inside) {
    const pull = `${record.repository}#${record.pull_request.number}`;
    const revert = reverted.get(pull.toLowerCase());
    if (revert !== undefined) {
      failed.push({ seq: record.seq, pull, why: `reverted by ${revert.repository}#${revert.pull_request.number}` });
      continue;
    }
    const at = mergedAt(record);
    const services = servicesOf(record).map((name) => name.toLowerCase());
    const followed = emergencies.find((emergency) => emergency.record !== record && emergency.at > at && emergency.at - at <= failureWindowMs && services.some((name) => emergency.services.has(name)));
    if (followed !== undefined) failed.push({ seq: record.seq, pull, why: `emergency ${followed.record.repository}#${followed.record.pull_request.number} on ${services.filter((name) => followed.services.has(name)).join(", ")} ${hours(followed.at - at)} later` });
  }

  return {
    range: { since: range.since === null ? null : new Date(range.since).toISOString(), until: range.until === null ? null : new Date(range.until).toISOString() },
    changes: inside.length,
    byType: count((record) => record.change?.type ?? "none"),
    byTier: count((record) => record.risk.effective_tier),
    emergencyRate: inside.length === 0 ? null : inside.filter((record) => record.change?.type === "emergency").length / inside.length,
    freezeExceptions: inside.filter((record) => record.schedule?.bypasses.some((bypass) => bypass.kind === "freeze-exception")).length,
    bypassed: inside.filter((record) => record.bypassed).length,
    approvalWaitHours: summarize(waits),
    leadTimeHours: summarize(leads),
    failed,
    changeFailureRate: inside.length === 0 ? null : failed.length / inside.length,
  };
}

export function summarize(values: number[]): Summary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const round = (value: number) => Math.round(value * 100) / 100;
  return { count: sorted.length, median: round(at(0.5)), p90: round(at(0.9)), mean: round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length) };
}

function hours(ms: number): string {
  return ms < 3_600_000 ? `${Math.round(ms / 60_000)}m` : `${Math.round((ms / 3_600_000) * 10) / 10}h`;
}

export { deliveryMetrics, weekOf, type DeliveryFigures, type DeliveryMetrics, type EnvironmentDelivery } from "./delivery-metrics.js";
