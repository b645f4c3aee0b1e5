/** Small text helpers every rendered message uses (check runs, the gate's reason, CLI and Action output). */

/** `1 approval`, `2 approvals`: `noun` is the singular, `plural` when adding an "s" will not do. */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

/** The noun alone, singular or plural by count (for "PR" vs "PRs" in a longer phrase). */
export function nounFor(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return count === 1 ? noun : pluralNoun;
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function lowercaseFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** At most `max` characters, cut on a grapheme boundary, an ellipsis marking a cut (bounded-text.ts). */
export { cutChars as truncate } from "./bounded-text.js";
