import { mergedAt } from "../audit/query.js";
import type { AuditRecord } from "../audit/record.js";
import type { Policy } from "../engine/policy.js";
import { mergeEvents, policyEvents, policyNotes, recordedEvents } from "./calendar-events.js";
import type { ChangeDetails, SiteData, TrailStatus } from "./model.js";
import { changeDetails, changeRow, Names } from "./rows.js";
import { weeklyMetrics } from "./weekly-metrics.js";

const DAY = 86_400_000;

export interface SiteOptions {
  /** The build's instant (the calendar reaches 90 days past it). */
  now: number;
  failureWindowMs: number;
  /** Changes per details file. */
  detailsChunk?: number;
  /** Only these repositories' changes (the App's view for one repository); all when omitted. */
  repositories?: ReadonlySet<string>;
}

export interface BuiltSite {
  data: SiteData;
  /** Details files by number: seq → what the change expands to. */
  details: Map<number, Record<number, ChangeDetails>>;
}

/** Everything the pages show, from the records that verified and the policy (when given). */
export function buildSiteData(all: readonly AuditRecord[], trail: TrailStatus, policy: Policy | null, options: SiteOptions): BuiltSite {
  const chunkSize = options.detailsChunk ?? 500;
  const wanted = options.repositories === undefined ? null : new Set([...options.repositories].map((name) => name.toLowerCase()));
  const records = wanted === null ? all : all.filter((record) => wanted.has(record.repository.toLowerCase()));
  const names = { repositories: new Names(), services: new Names(), types: new Names(), people: new Names() };
  const reverted = new Set(all.filter((record) => record.reverts !== null).map((record) => `${record.reverts!.repository.toLowerCase()}#${record.reverts!.number}`));
  const newestFirst = [...records].sort((a, b) => mergedAt(b) - mergedAt(a) || b.seq - a.seq);
  const details = new Map<number, Record<number, ChangeDetails>>();
  const changes = newestFirst.map((record) => {
    const chunk = Math.floor((record.seq - 1) / chunkSize);
    let file = details.get(chunk);
    if (file === undefined) details.set(chunk, (file = {}));
    file[record.seq] = changeDetails(record);
    return changeRow(record, names, chunk, reverted.has(`${record.repository.toLowerCase()}#${record.pull_request.number}`));
  });

  const first = newestFirst.at(-1);
  const last = newestFirst[0];
  const from = Math.floor(Math.min(first === undefined ? options.now : mergedAt(first), options.now - 30 * DAY) / DAY) * DAY;
  const to = Math.ceil((Math.max(last === undefined ? options.now : mergedAt(last), options.now) + 90 * DAY) / DAY) * DAY;
  const events = mergeEvents(policy === null ? [] : policyEvents(policy, from, to), recordedEvents(records));
  const calendarNotes = policy === null ? ["No policy was given (--policy): the calendar shows the freezes and blackouts recorded at merges, and no windows."] : policyNotes(policy);

  return {
    data: {
      generatedAt: options.now,
      timezone: policy?.timezone ?? "UTC",
      trail,
      repositories: names.repositories.list,
      services: names.services.list,
      types: names.types.list,
      people: names.people.list,
      changes,
      detailsChunk: chunkSize,
      events,
      calendarNotes,
      weeks: weeklyMetrics(records, options.failureWindowMs),
      failureWindowHours: options.failureWindowMs / 3_600_000,
    },
    details,
  };
}

/**
 * The data as a script file for the page: JSON inside a JS string literal, handed to
 * JSON.parse (faster to load than an object literal, and never HTML). The pages' CSP admits
 * it as a file beside them.
 */
export function siteDataScript(data: SiteData): string {
  return `self.changegateSite = JSON.parse(${JSON.stringify(JSON.stringify(data))});\n`;
}

export function detailsScript(chunk: number, details: Record<number, ChangeDetails>): string {
  return `(self.changegateDetails = self.changegateDetails || {})[${chunk}] = JSON.parse(${JSON.stringify(JSON.stringify(details))});\n`;
}
