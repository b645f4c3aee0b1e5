/**
 * What the engine needs of a calendar: each freeze's and blackout's occurrences in a range,
 * as plain intervals. The edges build it (src/calendar/): they expand recurrence rules and
 * holidays, read the iCalendar files, releases and issues, and memoise what they expanded.
 * The engine only asks; it never expands, reads or remembers.
 */
export interface IssueRef {
  number: number;
  title: string;
  url: string;
  /** Who opened it. */
  author: string;
}

export interface Occurrence {
  /** Epoch milliseconds, inclusive. */
  start: number;
  /** Epoch milliseconds, exclusive; OPEN_ENDED while an issue is open. */
  end: number;
  /** What this occurrence is within its entry: a holiday's or an event's name, a release tag; null for a plain recurrence. */
  label: string | null;
  /** The issue that holds a `while_issues_open` freeze. */
  issue?: IssueRef;
}

/** The end of an occurrence that lasts until something happens (an issue is closed). */
export const OPEN_ENDED = 8.64e15;

export type CalendarList = "freezes" | "blackouts";

/** Inputs a form needs that the edge did not have: those forms match nothing, and the summary says so. */
export type MissingInput = "releases" | "issues";

export interface CalendarOccurrences {
  /** The occurrences of `policy[list][index]` that overlap [from, to), ascending by start. */
  between(list: CalendarList, index: number, from: number, to: number): readonly Occurrence[];
  /** The longest an occurrence of that entry lasts: how far before an instant one containing it may start. */
  longest(list: CalendarList, index: number): number;
  missing: readonly MissingInput[];
}
