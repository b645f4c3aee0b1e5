import type { AuditRecord } from "./record.js";
import { hashOfCanonicalText, isCanonicalText } from "./canonical.js";
import { recordPath, seqOfPath, type ChainHead } from "./layout.js";

/** One file of the trail as read from a checkout or the API. */
export interface TrailFile {
  path: string;
  text: string;
}

export interface BrokenRecord {
  /** The sequence number the break is at (the first one that does not verify). */
  seq: number;
  path: string;
  problem: string;
}

export type ChainReport =
  | { intact: true; count: number; head: ChainHead | null }
  | { intact: false; count: number; broken: BrokenRecord };

/**
 * Verifies a trail: records 1..n present, each byte-exact canonical JSON whose hash matches
 * its content, each at the path of its own seq and linked to the one before; the head file
 * (when given) names the last. Names the first record that breaks: an edit breaks its own
 * hash, a removal leaves a gap, an insertion or a reordering breaks a link or a path.
 */
export function verifyChain(files: readonly TrailFile[], head: ChainHead | null): ChainReport {
  const bySeq = new Map<number, TrailFile>();
  for (const file of files) {
    const seq = seqOfPath(file.path);
    if (seq === null) return broken(0, file.path, `is not where a record can be (records are at ${recordPath(1)}, ${recordPath(2)}, ...)`, files.length);
    bySeq.set(seq, file);
  }
  let previous: ChainHead | null = null;
  for (let seq = 1; seq <= bySeq.size; seq++) {
    const file = bySeq.get(seq);
    const path = recordPath(seq);
    if (file === undefined) return broken(seq, path, `is missing (removed?): the trail holds ${bySeq.size} records but not this one`, bySeq.size);
    const checked = checkRecord(file, seq, previous);
    if (typeof checked === "string") return broken(seq, path, checked, bySeq.size);
    previous = checked;
  }
  if (head !== null && (previous === null || head.seq !== previous.seq || head.hash !== previous.hash)) {
    const last = previous?.seq ?? 0;
    return head.seq > last
      ? broken(last + 1, recordPath(last + 1), `is missing: head.json names record ${head.seq} as the newest but the trail ends at ${last} (newest records removed?)`, bySeq.size)
      : broken(head.seq, recordPath(head.seq), `does not match head.json (hash ${head.hash.slice(0, 12)}…)`, bySeq.size);
  }
  return { intact: true, count: bySeq.size, head: previous };
}

function checkRecord(file: TrailFile, seq: number, previous: ChainHead | null): ChainHead | string {
  let record: Partial<AuditRecord>;
  try {
    record = JSON.parse(file.text) as Partial<AuditRecord>;
  } catch {
    return "is not valid JSON (edited?)";
  }
  if (record === null || typeof record !== "object" || typeof record.hash !== "string") return "has no hash (edited?)";
  if (!isCanonicalText(file.text, record)) return "is not in canonical form: it was rewritten after it was recorded";
  if (hashOfCanonicalText(file.text, record.hash) !== record.hash) return "was edited: its content no longer matches its hash";
  if (record.seq !== seq) return `holds record ${String(record.seq)} (records were reordered or renumbered)`;
  const expected = previous?.hash ?? null;
  if (record.previous_hash !== expected) {
    return previous === null
      ? "should be the first record but links to a previous one (records removed before it?)"
      : `does not follow record ${previous.seq}: it links to ${String(record.previous_hash).slice(0, 12)}…, record ${previous.seq} hashes to ${previous.hash.slice(0, 12)}… (inserted, removed or reordered records)`;
  }
  return { seq, hash: record.hash };
}

function broken(seq: number, path: string, problem: string, count: number): ChainReport {
  return { intact: false, count, broken: { seq, path, problem } };
}
