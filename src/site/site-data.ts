import { isDeploymentRecord } from "../audit/deployment-record.js";
import type { AuditRecord } from "../audit/record.js";
import type { Policy } from "../engine/policy.js";
import { mergeEvents, policyEvents, policyNotes, recordedEvents } from "./calendar-events.js";
import { FLAG, type CalendarEvent, type ChangeDetails, type ChangeRow, type SiteData, type TrailStatus } from "./model.js";
import { changeDetails, changeRow, Names } from "./rows.js";
import { weeklyMetrics } from "./weekly-metrics.js";

const DAY = 86_400_000;

export interface SiteOptions {
  /** The build's instant (the calendar reaches 90 days past it). */
  now: number;
  failureWindowMs: number;
  /** Changes per details file. */
  detailsChunk?: number;
  /** Only these repositories' changes (the App's view of one repository); all when omitted. */
  repositories?: ReadonlySet<string>;
  /** What the edge could not read of the policy's calendar, said beside it. */
  calendarNotes?: readonly string[];
}

/** Receives a details file whenever it is complete, and again (whole) when a later record joins it. */
export type DetailsSink = (chunk: number, details: Record<number, ChangeDetails>) => void;

/**
 * What the pages show, built a record at a time in sequence order: each record becomes its
 * timeline row, its details (handed to the sink a file at a time) and the few members the
 * metrics read, and is then let go, so that 100,000 records build in a bounded memory.
 * `finish` may be called again after more records are added (the App's index does).
 */
export class SiteBuilder {
  private readonly names = { repositories: new Names(), services: new Names(), types: new Names(), people: new Names() };
  private readonly rows: ChangeRow[] = [];
  private readonly metricsRecords: AuditRecord[] = [];
  private readonly recorded = new Map<string, CalendarEvent>();
  private readonly reverted = new Set<string>();
  private readonly chunkSize: number;
  private readonly wanted: Set<string> | null;
  private chunk: { number: number; details: Record<number, ChangeDetails> } | null = null;

  constructor(
    private readonly policy: Policy | null,
    private readonly options: SiteOptions,
    private readonly sink: DetailsSink,
  ) {
    this.chunkSize = options.detailsChunk ?? 500;
    this.wanted = options.repositories === undefined ? null : new Set([...options.repositories].map((name) => name.toLowerCase()));
  }

  get size(): number {
    return this.rows.length;
  }

  add(record: AuditRecord): void {
    // Deployment records (SPEC §12) are verified with the chain; the pages draw merged changes.
    if (isDeploymentRecord(record)) return;
    // A revert names its PR in any repository of the trail: evidence even when filtered out.
    if (record.reverts !== null) this.reverted.add(`${record.reverts.repository.toLowerCase()}#${record.reverts.number}`);
    if (this.wanted !== null && !this.wanted.has(record.repository.toLowerCase())) return;
    const number = Math.floor((record.seq - 1) / this.chunkSize);
    if (this.chunk !== null && this.chunk.number !== number) this.flush();
    this.chunk ??= { number, details: {} };
    this.chunk.details[record.seq] = changeDetails(record);
    this.rows.push(changeRow(record, this.names, number, false));
    this.metricsRecords.push(metricsView(record));
    for (const event of recordedEvents([record])) this.recorded.set(`${event.kind}|${event.name}|${event.start}|${event.end}`, event);
  }

  finish(trail: TrailStatus): SiteData {
    this.flush(true);
    const repositories = this.names.repositories.list;
    for (const row of this.rows) if (this.reverted.has(`${repositories[row.r]!.toLowerCase()}#${row.n}`)) row.f |= FLAG.reverted;
    const changes = [...this.rows].sort((a, b) => b.t - a.t || b.s - a.s);
    const { now, failureWindowMs } = this.options;
    const first = changes.at(-1);
    const last = changes[0];
    const from = Math.floor(Math.min(first?.t ?? now, now - 30 * DAY) / DAY) * DAY;
    const to = Math.ceil((Math.max(last?.t ?? now, now) + 90 * DAY) / DAY) * DAY;
    const policy = this.policy;
    return {
      generatedAt: now,
      timezone: policy?.timezone ?? "UTC",
      trail,
      repositories,
      services: this.names.services.list,
      types: this.names.types.list,
      people: this.names.people.list,
      changes,
      detailsChunk: this.chunkSize,
      // A freeze held by an open issue was recorded as open-ended: drawn up to the range's end.
      events: mergeEvents(policy === null ? [] : policyEvents(policy, from, to), [...this.recorded.values()].map((event) => ({ ...event, end: Math.min(event.end, to) }))),
      calendarNotes: [...(policy === null ? ["No policy was given (--policy): the calendar shows the freezes and blackouts recorded at merges, and no windows."] : policyNotes(policy)), ...(this.options.calendarNotes ?? [])],
      weeks: weeklyMetrics(this.metricsRecords, failureWindowMs),
      failureWindowHours: failureWindowMs / 3_600_000,
    };
  }

  /** Hands the open details file to the sink; `keep`: it stays open for later records. */
  private flush(keep = false): void {
    if (this.chunk === null) return;
    this.sink(this.chunk.number, this.chunk.details);
    if (!keep) this.chunk = null;
  }
}

/** All at once, for records already in memory. */
export function buildSiteData(records: Iterable<AuditRecord>, trail: TrailStatus, policy: Policy | null, options: SiteOptions, sink: DetailsSink = () => undefined): SiteData {
  const builder = new SiteBuilder(policy, options, sink);
  for (const record of [...records].sort((a, b) => a.seq - b.seq)) builder.add(record);
  return builder.finish(trail);
}

/**
 * The members of a record that `changeMetrics` reads (src/audit/query.ts), and only those:
 * the weekly metrics run the CLI's code over these instead of over whole records.
 */
function metricsView(record: AuditRecord): AuditRecord {
  const view = {
    seq: record.seq,
    repository: record.repository,
    pull_request: { number: record.pull_request.number, ready_at: record.pull_request.ready_at, opened_at: record.pull_request.opened_at, first_commit_at: record.pull_request.first_commit_at },
    merged: { at: record.merged.at },
    change: record.change === null ? null : { type: record.change.type, services: record.change.services, derived_services: record.change.derived_services },
    risk: { effective_tier: record.risk.effective_tier },
    approvals: record.approvals === null ? null : { counted: record.approvals.counted.map((approval) => ({ at: approval.at })) },
    schedule: record.schedule === null ? null : { bypasses: record.schedule.bypasses },
    bypassed: record.bypassed,
    reverts: record.reverts,
  };
  return view as unknown as AuditRecord;
}

/**
 * The data as a script file for the page: JSON inside a JS string literal, handed to
 * JSON.parse (faster to load than an object literal, and never HTML). The pages' CSP admits
 * it as a file beside them.
 */
export function siteDataScript(data: SiteData): string {
  return `self.changegateSite = JSON.parse(${JSON.stringify(JSON.stringify(data))});\n`;
}

/** A details file: loaded one at a time when a change opens, so plain JSON as a literal (valid JS since ES2019) is quick enough and half the work to write. */
export function detailsScript(chunk: number, details: Record<number, ChangeDetails>): string {
  return `(self.changegateDetails = self.changegateDetails || {})[${chunk}] = ${JSON.stringify(details)};\n`;
}
