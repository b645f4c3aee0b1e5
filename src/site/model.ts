/**
 * The data a site's pages render, as the generator writes it and the pages' scripts read it.
 * Plain JSON; no DOM and no Node here, so both sides import it. User text (titles, names,
 * labels) travels only inside these values and is only ever set as text by the pages.
 */
export const TIERS = ["low", "medium", "high", "critical"] as const;

/** Bits of `ChangeRow.f`. */
export const FLAG = { emergency: 1, freezeException: 2, bypassed: 4, reverted: 8 } as const;

/** One change in the timeline: small, so that 100,000 of them load at once. */
export interface ChangeRow {
  /** The record's seq. */
  s: number;
  /** Merge instant, epoch milliseconds. */
  t: number;
  /** Index into `SiteData.repositories`. */
  r: number;
  /** PR number. */
  n: number;
  /** PR title. */
  ti: string;
  /** Index into `SiteData.types` (the change type, or "none"). */
  ty: number;
  /** Index into TIERS: the effective tier. */
  k: number;
  /** Risk score, 4..16. */
  sc: number;
  /** Indexes into `SiteData.services`. */
  sv: number[];
  /** Index into `SiteData.people`: the PR's author. */
  a: number;
  /** FLAG bits. */
  f: number;
  /** Which details file holds this change (`data/details-<d>.js`). */
  d: number;
}

export interface CalendarEvent {
  kind: "window" | "blackout" | "freeze";
  name: string;
  /** Epoch milliseconds, inclusive. */
  start: number;
  /** Epoch milliseconds, exclusive. */
  end: number;
}

/** One week's figures, from `changeMetrics` over [start, start + 7 days). */
export interface WeekMetrics {
  start: number;
  changes: number;
  leadP50: number | null;
  leadP90: number | null;
  waitP50: number | null;
  waitP90: number | null;
  failureRate: number | null;
  emergencyRate: number | null;
  exceptionRate: number | null;
  bypassRate: number | null;
}

/** What the generator could and could not verify of the trail. */
export interface TrailStatus {
  where: string;
  /** Records that verify and are shown. */
  verified: number;
  /** Files that hold records past a break, not shown. */
  unverified: number;
  /** The first record that does not verify, and why; null when the trail is intact. */
  problem: string | null;
}

export interface SiteData {
  generatedAt: number;
  timezone: string;
  trail: TrailStatus;
  repositories: string[];
  services: string[];
  types: string[];
  people: string[];
  /** Newest first. */
  changes: ChangeRow[];
  /** How many changes each details file holds. */
  detailsChunk: number;
  events: CalendarEvent[];
  /** Why the calendar holds what it holds (no policy given, windows always open, ...). */
  calendarNotes: string[];
  weeks: WeekMetrics[];
  failureWindowHours: number;
}

/** What a change expands to, from its record: risk reasons, approvals, schedule, merge. */
export interface ChangeDetails {
  seq: number;
  url: string;
  repository: string;
  labels: string[];
  mergedBy: string | null;
  mergedAt: string;
  mergeCommit: string | null;
  headSha: string;
  environment: string | null;
  changeId: string | null;
  changeRequest: string;
  risk: { dimension: string; score: number; reasons: string[] }[];
  score: number;
  tier: string;
  approvals: { required: string; satisfied: boolean | null; counted: { reviewer: string; at: string | null; commit: string | null; teams: string[] }[] };
  schedule: { gated: boolean; allowed: boolean; blockers: string[]; inEffect: string[]; bypasses: string[] } | null;
  gates: { risk: string; schedule: string; approvals: string };
  bypassed: boolean;
  reverts: string | null;
  hash: string;
}
