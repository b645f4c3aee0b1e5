import { changeMetrics, mergedAt } from "../audit/query.js";
import type { AuditRecord } from "../audit/record.js";
import type { WeekMetrics } from "./model.js";

const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** Monday 00:00 UTC of the week holding `at`. */
export function weekStart(at: number): number {
  const day = Math.floor(at / DAY);
  // 1970-01-01 was a Thursday: Monday is three days before it.
  return (day - ((day + 3) % 7)) * DAY;
}

/**
 * `changegate metrics` for each week (Monday to Monday, UTC) from the first change to the
 * last, by the same `changeMetrics`. Each week is given its own changes, those merged within
 * the failure window after it (an emergency that follows) and every later revert (a revert
 * may come at any time): exactly the evidence `changeMetrics` consults, so a week costs its
 * own records and not the whole trail's.
 */
export function weeklyMetrics(records: readonly AuditRecord[], failureWindowMs: number): WeekMetrics[] {
  // Each merge instant parsed once, not at every comparison.
  const sorted = records
    .map((record) => ({ record, at: mergedAt(record) }))
    .sort((a, b) => a.at - b.at || a.record.seq - b.record.seq)
    .map(({ record }) => record);
  if (sorted.length === 0) return [];
  const reverts = sorted.filter((record) => record.reverts !== null);
  const weeks: WeekMetrics[] = [];
  let from = 0;
  for (let start = weekStart(mergedAt(sorted[0]!)); from < sorted.length; start += WEEK) {
    const end = start + WEEK;
    while (from < sorted.length && mergedAt(sorted[from]!) < start) from++;
    let until = from;
    while (until < sorted.length && mergedAt(sorted[until]!) < end + failureWindowMs) until++;
    const evidence = sorted.slice(from, until);
    const inEvidence = new Set(evidence);
    for (const revert of reverts) if (mergedAt(revert) >= end + failureWindowMs && !inEvidence.has(revert)) evidence.push(revert);
    const metrics = changeMetrics(evidence, { since: start, until: end }, failureWindowMs);
    const rate = (count: number) => (metrics.changes === 0 ? null : count / metrics.changes);
    weeks.push({
      start,
      changes: metrics.changes,
      leadP50: metrics.leadTimeHours?.median ?? null,
      leadP90: metrics.leadTimeHours?.p90 ?? null,
      waitP50: metrics.approvalWaitHours?.median ?? null,
      waitP90: metrics.approvalWaitHours?.p90 ?? null,
      failureRate: metrics.changeFailureRate,
      emergencyRate: metrics.emergencyRate,
      exceptionRate: rate(metrics.freezeExceptions),
      bypassRate: rate(metrics.bypassed),
    });
    if (until >= sorted.length && mergedAt(sorted.at(-1)!) < end) break;
  }
  return weeks;
}
