import { createHash } from "node:crypto";
import type { AuditRecord } from "./record.js";
import { hashOfCanonicalText, isCanonicalText } from "./canonical.js";
import { recordPath, seqOfPath, type ChainHead } from "./layout.js";

/** One file of the trail as read from a checkout or the API: its bytes, undecoded. */
export interface TrailFile {
  path: string;
  bytes: Buffer;
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

/** A trail to verify: its file paths, a reader for one file's bytes, and head.json. */
export interface TrailSource {
  paths: readonly string[];
  /** The bytes are only read during the call: a reader may reuse its buffer. */
  read(path: string): Buffer;
  head: ChainHead | null;
}

/**
 * Verifies a trail: records 1..n present, each byte-exact canonical JSON whose hash matches
 * its content, each at the path of its own seq and linked to the one before; the head file
 * (when given) names the last. Names the first record that breaks: an edit breaks its own
 * hash, a removal leaves a gap, an insertion or a reordering breaks a link or a path.
 */
export function verifyTrail(source: TrailSource): ChainReport {
  const bySeq = new Map<number, string>();
  for (const path of source.paths) {
    const seq = seqOfPath(path);
    if (seq === null) return broken(0, path, `is not where a record can be (records are at ${recordPath(1)}, ${recordPath(2)}, ...)`, source.paths.length);
    bySeq.set(seq, path);
  }
  let previous: ChainHead | null = null;
  for (let seq = 1; seq <= bySeq.size; seq++) {
    const path = recordPath(seq);
    if (!bySeq.has(seq)) return broken(seq, path, `is missing (removed?): the trail holds ${bySeq.size} records but not this one`, bySeq.size);
    const checked = checkRecord(source.read(path), seq, previous);
    if (typeof checked === "string") return broken(seq, path, checked, bySeq.size);
    previous = checked;
  }
  const head = source.head;
  if (head !== null && (previous === null || head.seq !== previous.seq || head.hash !== previous.hash)) {
    const last = previous?.seq ?? 0;
    return head.seq > last
      ? broken(last + 1, recordPath(last + 1), `is missing: head.json names record ${head.seq} as the newest but the trail ends at ${last} (newest records removed?)`, bySeq.size)
      : broken(head.seq, recordPath(head.seq), `does not match head.json (hash ${head.hash.slice(0, 12)}…)`, bySeq.size);
  }
  return { intact: true, count: bySeq.size, head: previous };
}

/** A trail held in memory (read through the API, or in tests). */
export function memoryTrail(files: readonly TrailFile[], head: ChainHead | null): TrailSource {
  const byPath = new Map(files.map((file) => [file.path, file.bytes] as const));
  return { paths: [...byPath.keys()], read: (path) => byPath.get(path)!, head };
}

export function verifyChain(files: readonly TrailFile[], head: ChainHead | null): ChainReport {
  return verifyTrail(memoryTrail(files, head));
}

const HASH_KEY = Buffer.from('"hash":"');
const SEQ_KEY = Buffer.from('"seq":');
const PREVIOUS_KEY = Buffer.from('"previous_hash":');
const COMMA = 0x2c;
const OPEN = 0x7b;
const QUOTE = 0x22;

/**
 * A record's bytes are exactly what was written when the SHA-256 of the bytes without the
 * hash member is that hash: then seq and previous_hash can be read in place (a quoted key
 * cannot occur inside a JSON string, and no nested object has these keys) and nothing is
 * decoded or parsed. Anything else takes the slow path, which says what is wrong.
 */
function checkRecord(bytes: Buffer, seq: number, previous: ChainHead | null): ChainHead | string {
  const at = bytes.indexOf(HASH_KEY);
  if (at > 0) {
    const end = at + HASH_KEY.length + 64 + 1;
    const hash = bytes.toString("latin1", at + HASH_KEY.length, end - 1);
    let cut: [number, number] | null = null;
    if (bytes[end - 1] === QUOTE && bytes[at - 1] === COMMA) cut = [at - 1, end];
    else if (bytes[end - 1] === QUOTE && bytes[at - 1] === OPEN) cut = bytes[end] === COMMA ? [at, end + 1] : [at, end];
    if (cut !== null && createHash("sha256").update(bytes.subarray(0, cut[0])).update(bytes.subarray(cut[1])).digest("hex") === hash) {
      const storedSeq = numberAfter(bytes, SEQ_KEY);
      const storedPrevious = previousAfter(bytes);
      if (storedSeq === seq && storedPrevious !== undefined && storedPrevious === (previous?.hash ?? null)) return { seq, hash };
    }
  }
  return checkParsed(bytes, seq, previous);
}

function numberAfter(bytes: Buffer, key: Buffer): number | null {
  const at = bytes.indexOf(key);
  if (at < 0) return null;
  let value = 0;
  let index = at + key.length;
  for (; index < bytes.length && bytes[index]! >= 0x30 && bytes[index]! <= 0x39; index++) value = value * 10 + bytes[index]! - 0x30;
  return index === at + key.length ? null : value;
}

function previousAfter(bytes: Buffer): string | null | undefined {
  const at = bytes.indexOf(PREVIOUS_KEY);
  if (at < 0) return undefined;
  const start = at + PREVIOUS_KEY.length;
  if (bytes.toString("latin1", start, start + 4) === "null") return null;
  return bytes[start] === QUOTE && bytes[start + 65] === QUOTE ? bytes.toString("latin1", start + 1, start + 65) : undefined;
}

function checkParsed(bytes: Buffer, seq: number, previous: ChainHead | null): ChainHead | string {
  const text = bytes.toString("utf8");
  let record: Partial<AuditRecord>;
  try {
    record = JSON.parse(text) as Partial<AuditRecord>;
  } catch {
    return "is not valid JSON (edited?)";
  }
  if (record === null || typeof record !== "object" || typeof record.hash !== "string") return "has no hash (edited?)";
  if (!isCanonicalText(text, record)) return "is not in canonical form: it was rewritten after it was recorded";
  if (hashOfCanonicalText(text, record.hash) !== record.hash) return "was edited: its content no longer matches its hash";
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
