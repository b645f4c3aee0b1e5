import type { ChangeRow, SiteData } from "./model.js";

/** The timeline's filters; null (or "") means any. Times are epoch milliseconds, [since, until). */
export interface TimelineFilter {
  repository: number | null;
  service: number | null;
  type: number | null;
  tier: number | null;
  author: number | null;
  since: number | null;
  until: number | null;
  /** Words that must all occur in the title, repository#number, author or services (any case). */
  text: string;
}

export const NO_FILTER: TimelineFilter = { repository: null, service: null, type: null, tier: null, author: null, since: null, until: null, text: "" };

/** Each row's searchable text, lower case, computed once per load. */
export function searchTexts(data: Pick<SiteData, "changes" | "repositories" | "people" | "services">): string[] {
  return data.changes.map((row) => `${row.ti} ${data.repositories[row.r]}#${row.n} ${data.people[row.a]} ${row.sv.map((index) => data.services[index]).join(" ")}`.toLowerCase());
}

/** The rows that pass every filter, in their order (newest first). */
export function filterRows(rows: readonly ChangeRow[], texts: readonly string[], filter: TimelineFilter): number[] {
  const words = filter.text.toLowerCase().split(/\s+/).filter((word) => word !== "");
  const matches: number[] = [];
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index]!;
    if (filter.repository !== null && row.r !== filter.repository) continue;
    if (filter.type !== null && row.ty !== filter.type) continue;
    if (filter.tier !== null && row.k !== filter.tier) continue;
    if (filter.author !== null && row.a !== filter.author) continue;
    if (filter.since !== null && row.t < filter.since) continue;
    if (filter.until !== null && row.t >= filter.until) continue;
    if (filter.service !== null && !row.sv.includes(filter.service)) continue;
    if (words.length > 0) {
      const text = texts[index]!;
      if (!words.every((word) => text.includes(word))) continue;
    }
    matches.push(index);
  }
  return matches;
}
