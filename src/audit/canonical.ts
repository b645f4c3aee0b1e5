import { createHash } from "node:crypto";

/**
 * Canonical JSON, as the audit trail hashes it: object keys sorted by UTF-16 code units,
 * no whitespace, strings and numbers as JSON.stringify writes them, members whose value is
 * `undefined` left out. For the values a record holds (strings, integers, booleans, null,
 * arrays, objects) this is RFC 8785 (JCS), and what `jq -cS` prints for ASCII text.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no ${value}`);
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? "null" : canonicalJson(item))).join(",")}]`;
      const record = value as Record<string, unknown>;
      const members: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const member = record[key];
        if (member === undefined) continue;
        members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
      }
      return `{${members.join(",")}}`;
    }
    default:
      throw new TypeError(`canonical JSON has no ${typeof value}`);
  }
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** A record's hash: SHA-256 of the canonical JSON of the record without its `hash` member. */
export function recordHash(record: Readonly<Record<string, unknown>>): string {
  const { hash: _hash, ...rest } = record;
  return sha256Hex(canonicalJson(rest));
}

/**
 * Whether `text` is exactly the canonical JSON of `value` (the value JSON.parse made of
 * it): compact, keys sorted at every level. JSON.stringify keeps the parsed key order, so
 * round-tripping proves compactness and the order of the text; the walk proves the order
 * is the sorted one. Several times cheaper than serialising again.
 */
export function isCanonicalText(text: string, value: unknown): boolean {
  return JSON.stringify(value) === text && keysSorted(value);
}

function keysSorted(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!keysSorted(item)) return false;
    return true;
  }
  let previous: string | null = null;
  for (const key in value as Record<string, unknown>) {
    if (previous !== null && !(previous < key)) return false;
    previous = key;
    if (!keysSorted((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/**
 * The hash of a record file's text, when the text is canonical: the SHA-256 of the text
 * with its top-level `hash` member cut out, which is the canonical JSON of the record
 * without it. Null when the member is not where a canonical text has it.
 */
export function hashOfCanonicalText(text: string, storedHash: string): string | null {
  const member = `"hash":${JSON.stringify(storedHash)}`;
  const at = text.indexOf(member);
  if (at < 0) return null;
  let without: string;
  if (text[at - 1] === ",") without = text.slice(0, at - 1) + text.slice(at + member.length);
  else if (text[at - 1] === "{" && text[at + member.length] === ",") without = text.slice(0, at) + text.slice(at + member.length + 1);
  else if (text[at - 1] === "{") without = text.slice(0, at) + text.slice(at + member.length);
  else return null;
  return sha256Hex(without);
}
