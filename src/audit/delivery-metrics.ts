import type { DeploymentRecord } from "./deployment-record.js";
import type { AuditRecord } from "./record.js";
import { summarize, type Summary, type TimeRange } from "./query.js";

/**
 * Delivery metrics from the trail's deployment records (SPEC §12), per environment and per
 * week (weeks start Monday 00:00 UTC):
 *
 * - deployments: deployments that reached an outcome (success, failure or error) in the range;
 * - deploymentsPerWeek: successful ones per week of the range (from the first outcome when
 *   the range is open);
 * - lead time to production: each shipped pull request's first commit (from its merge record)
 *   to the successful deployment that shipped it;
 * - change failure rate: deployments that failed, errored or were rolled back, over deployments;
 * - time to restore: a failure (or a rollback) to the next successful deployment of that
 *   environment.
 *
 * A deployment counts once however many outcomes it has: its last one decides
 * success or failure, and a rollback of it makes it failed.
 */
export interface DeliveryFigures {
  deployments: number;
  successful: number;
  deploymentsPerWeek: number | null;
  leadTimeHours: Summary | null;
  failed: number;
  changeFailureRate: number | null;
  timeToRestoreHours: Summary | null;
}

export interface EnvironmentDelivery extends DeliveryFigures {
  /** By the Monday (YYYY-MM-DD) its week starts on. */
  weeks: Record<string, DeliveryFigures>;
}

export interface DeliveryMetrics {
  range: { since: string | null; until: string | null };
  environments: Record<string, EnvironmentDelivery>;
}

const WEEK_MS = 7 * 86_400_000;
/** 1970-01-05 was a Monday. */
const MONDAY = Date.UTC(1970, 0, 5);

export function weekOf(at: number): string {
  return new Date(MONDAY + Math.floor((at - MONDAY) / WEEK_MS) * WEEK_MS).toISOString().slice(0, 10);
}

/** weekOf, remembered per week for one computation: the same few dozen weeks are asked for again and again. */
function weekNamer(): (at: number) => string {
  const names = new Map<number, string>();
  return (at) => {
    const index = Math.floor((at - MONDAY) / WEEK_MS);
    let name = names.get(index);
    if (name === undefined) names.set(index, (name = weekOf(at)));
    return name;
  };
}

interface Outcome {
  week: string;
  /** The deployment's last reported state. */
  state: "success" | "failure" | "error";
  rolledBack: boolean;
}

export function deliveryMetrics(deployments: readonly DeploymentRecord[], merges: readonly AuditRecord[], range: TimeRange): DeliveryMetrics {
  const firstCommit = new Map<string, number>();
  for (const merge of merges) {
    const at = Date.parse(merge.pull_request.first_commit_at ?? "");
    if (Number.isFinite(at)) firstCommit.set(`${merge.repository.toLowerCase()}#${merge.pull_request.number}`, at);
  }
  const inRange = (at: number) => (range.since === null || at >= range.since) && (range.until === null || at < range.until);
  const weekName = weekNamer();

  const byEnvironment = new Map<string, { record: DeploymentRecord; at: number }[]>();
  for (const record of deployments) {
    if (record.event !== "success" && record.event !== "failure" && record.event !== "error" && record.event !== "rolled-back") continue;
    const list = byEnvironment.get(record.deployment.environment) ?? [];
    list.push({ record, at: Date.parse(record.at) });
    byEnvironment.set(record.deployment.environment, list);
  }

  const environments: Record<string, EnvironmentDelivery> = {};
  for (const [environment, records] of [...byEnvironment].sort(([a], [b]) => a.localeCompare(b))) {
    records.sort((a, b) => a.at - b.at || a.record.seq - b.record.seq);
    const outcomes = new Map<string, Outcome>();
    const leads: { week: string; hours: number }[] = [];
    const restores: { week: string; hours: number }[] = [];
    // Broken from the first failure (or rollback) until the next success, wherever the range starts.
    let brokenSince: number | null = null;
    for (const { record, at } of records) {
      const key = `${record.repository.toLowerCase()}:${record.deployment.id ?? record.deployment.sha}`;
      const week = weekName(at);
      if (record.event === "success") {
        if (brokenSince !== null && inRange(at)) restores.push({ week, hours: (at - brokenSince) / 3_600_000 });
        brokenSince = null;
      } else brokenSince ??= at;
      if (record.event === "rolled-back") {
        const rolled = outcomes.get(key);
        if (rolled !== undefined) rolled.rolledBack = true;
        continue;
      }
      if (!inRange(at)) continue;
      const state = record.event as Outcome["state"];
      const outcome = outcomes.get(key);
      if (outcome === undefined) outcomes.set(key, { week, state, rolledBack: false });
      else outcome.state = state;
      if (record.event === "success") {
        for (const pull of record.pull_requests) {
          const first = firstCommit.get(`${record.repository.toLowerCase()}#${pull.number}`);
          if (first !== undefined) leads.push({ week, hours: Math.max(0, at - first) / 3_600_000 });
        }
      }
    }
    const weeks = new Map<string, { outcomes: Outcome[]; leads: { hours: number }[]; restores: { hours: number }[] }>();
    const weekOfKey = (week: string) => {
      let bucket = weeks.get(week);
      if (bucket === undefined) weeks.set(week, (bucket = { outcomes: [], leads: [], restores: [] }));
      return bucket;
    };
    for (const outcome of outcomes.values()) weekOfKey(outcome.week).outcomes.push(outcome);
    for (const lead of leads) weekOfKey(lead.week).leads.push(lead);
    for (const restore of restores) weekOfKey(restore.week).restores.push(restore);
    let first: number | null = null;
    let last: number | null = null;
    for (const { at } of records) {
      if (!inRange(at)) continue;
      first ??= at;
      last = at;
    }
    environments[environment] = {
      ...figures([...outcomes.values()], leads, restores, spanWeeks(range, first, last)),
      weeks: Object.fromEntries([...weeks.keys()].sort().map((week) => {
        const bucket = weeks.get(week)!;
        return [week, figures(bucket.outcomes, bucket.leads, bucket.restores, 1)];
      })),
    };
  }
  return {
    range: { since: range.since === null ? null : new Date(range.since).toISOString(), until: range.until === null ? null : new Date(range.until).toISOString() },
    environments,
  };
}

function figures(outcomes: readonly Outcome[], leads: readonly { hours: number }[], restores: readonly { hours: number }[], weeks: number | null): DeliveryFigures {
  const failed = outcomes.filter((outcome) => outcome.state !== "success" || outcome.rolledBack).length;
  const successful = outcomes.filter((outcome) => outcome.state === "success").length;
  return {
    deployments: outcomes.length,
    successful,
    deploymentsPerWeek: weeks === null ? null : Math.round((successful / weeks) * 100) / 100,
    leadTimeHours: summarize(leads.map((lead) => lead.hours)),
    failed,
    changeFailureRate: outcomes.length === 0 ? null : failed / outcomes.length,
    timeToRestoreHours: summarize(restores.map((restore) => restore.hours)),
  };
}

/** The range's length in weeks; an open end is taken from the records. */
function spanWeeks(range: TimeRange, first: number | null, last: number | null): number | null {
  if (first === null && (range.since === null || range.until === null)) return null;
  const since = range.since ?? first!;
  const until = range.until ?? last!;
  return Math.max(1, (until - since) / WEEK_MS);
}
