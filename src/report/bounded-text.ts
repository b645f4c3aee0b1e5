/**
 * Texts cut to the limits GitHub enforces, so that a long policy path or pull request title
 * never turns a write into a 422. GitHub counts these limits in characters; a cut falls on
 * a grapheme boundary (never inside an emoji or a combining sequence) and ends with an
 * ellipsis, so a reader sees that something was left out.
 */
export const GITHUB_LIMITS = {
  /** A check-run annotation's `title`. */
  annotationTitle: 255,
  /** A check-run annotation's `message` is capped at 64 KB; in characters of up to 4 bytes, this many always fit. */
  annotationMessage: 16_384,
  /** An issue's `title`. */
  issueTitle: 256,
  /** An issue's or a comment's `body`. */
  issueBody: 65_536,
} as const;

const ELLIPSIS = "…";
// Made on the first cut: constructing an Intl formatter loads ICU data, which every Action
// cold start would pay for at import, where most runs never cut a text.
let segmenter: Intl.Segmenter | undefined;

/** Characters as GitHub counts them: Unicode code points. */
export function charCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** `text` itself when it has at most `max` characters, else its longest grapheme-whole start that fits with an ellipsis. */
export function cutChars(text: string, max: number): string {
  if (charCount(text) <= max) return text;
  const budget = max - charCount(ELLIPSIS);
  let kept = "";
  let used = 0;
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  for (const { segment } of segmenter.segment(text)) {
    const size = charCount(segment);
    if (used + size > budget) break;
    kept += segment;
    used += size;
  }
  return `${kept.trimEnd()}${ELLIPSIS}`;
}
