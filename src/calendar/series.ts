import type { Occurrence } from "../engine/occurrences.js";

/**
 * A calendar entry's occurrences, expanded lazily a stretch of time at a time and kept: the
 * memo per (rule, zone, range) that keeps calendars from slowing decisions. `expand(from,
 * to)` gives the occurrences that start in [from, to), ascending; `between` answers any
 * range from those stretches with two binary searches.
 */
const CHUNK_MS = 8 * 86_400_000;
/** Chunks expanded together: rrule iterates from DTSTART on every call, so fewer, longer calls. */
const BATCH = 16;
const MAX_CHUNKS = 4_096;

export class Series {
  readonly #chunks = new Map<number, readonly Occurrence[]>();

  constructor(
    readonly expand: (from: number, to: number) => Occurrence[],
    /** The longest an occurrence lasts: how far back one that overlaps a range may start. */
    readonly longest: number,
  ) {}

  /** Occurrences overlapping [from, to), ascending by start. */
  between(from: number, to: number): readonly Occurrence[] {
    const first = Math.floor((from - this.longest) / CHUNK_MS);
    const last = Math.floor((to - 1) / CHUNK_MS);
    if (first === last) return overlapping(this.#chunk(first, last), from, to, this.longest);
    const out: Occurrence[] = [];
    for (let index = first; index <= last; index++) for (const occurrence of overlapping(this.#chunk(index, last), from, to, this.longest)) out.push(occurrence);
    return out;
  }

  /** Chunk `index`, expanding it (with the rest up to `last`, and at least a batch) in one call when it is missing. */
  #chunk(index: number, last: number): readonly Occurrence[] {
    const known = this.#chunks.get(index);
    if (known !== undefined) return known;
    if (this.#chunks.size >= MAX_CHUNKS) this.#chunks.clear();
    const count = Math.max(BATCH, last - index + 1);
    const start = index * CHUNK_MS;
    const expanded = this.expand(start, start + count * CHUNK_MS);
    let cursor = 0;
    for (let offset = 0; offset < count; offset++) {
      const end = start + (offset + 1) * CHUNK_MS;
      const chunk: Occurrence[] = [];
      while (cursor < expanded.length && expanded[cursor]!.start < end) chunk.push(expanded[cursor++]!);
      if (!this.#chunks.has(index + offset)) this.#chunks.set(index + offset, chunk);
    }
    return this.#chunks.get(index)!;
  }
}

/** The occurrences of a list sorted by start that overlap [from, to). */
export function overlapping(list: readonly Occurrence[], from: number, to: number, longest = Infinity): readonly Occurrence[] {
  // Starts are sorted, ends are not: those that can overlap start in [from - longest, to).
  const last = firstStartingAt(list, to);
  if (last === 0) return [];
  const out: Occurrence[] = [];
  for (let index = longest === Infinity ? 0 : firstStartingAt(list, from - longest); index < last; index++) {
    if (list[index]!.end > from) out.push(list[index]!);
  }
  return out;
}

/** The index of the first occurrence starting at or after `instant`. */
function firstStartingAt(list: readonly Occurrence[], instant: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (list[middle]!.start < instant) low = middle + 1;
    else high = middle;
  }
  return low;
}
