import { OPEN_ENDED } from "../engine/occurrences.js";
import type { OccurrenceFacts, ScheduleDecision } from "../engine/schedule.js";

/**
 * The schedule check's words for calendar forms (SPEC §10): an issue's freeze lasts until
 * the issue is closed, a series names its next occurrence, and forms whose inputs were not
 * given say so.
 */
export function untilText(occurrence: { end: number } & OccurrenceFacts, at: (instant: number) => string): string {
  if (occurrence.issue !== undefined && occurrence.end >= OPEN_ENDED) return `until #${occurrence.issue.number} is closed`;
  return `until ${at(occurrence.end)}`;
}

/** Lines under a blocker in the summary: who holds it, when the series comes back. */
export function occurrenceNotes(occurrence: OccurrenceFacts, at: (instant: number) => string): string[] {
  const notes: string[] = [];
  if (occurrence.issue !== undefined) {
    const { number, title, url, author } = occurrence.issue;
    notes.push(`  - held by issue [#${number} ${escapeText(title)}](${url}), opened by @${author}; closing it lifts the freeze`);
  }
  if (occurrence.next != null) notes.push(`  - the next occurrence starts ${at(occurrence.next)}`);
  return notes;
}

/** A line for each input that forms of the policy needed and the caller did not give. */
export function notGivenNote(schedule: ScheduleDecision): string[] {
  return schedule.notGiven.map((input) =>
    input === "releases"
      ? "_Releases were not given (`--releases FILE`): `after_release` entries matched nothing._"
      : "_Issues were not given (`--issues FILE`): `while_issues_open` entries matched nothing._",
  );
}

function escapeText(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (character) => `\\${character}`).replace(/\s+/g, " ").slice(0, 200);
}
