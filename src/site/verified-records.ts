import { verifyTrail, type TrailSource } from "../audit/chain.js";
import { recordPathsInOrder } from "../audit/local-trail.js";
import type { AuditRecord } from "../audit/record.js";
import type { TrailStatus } from "./model.js";

/**
 * Hands each record of a trail that verifies to `visit`, in sequence order, one at a time
 * (100,000 records never sit in memory at once): the whole chain when it is intact, else the
 * records before the first break (a record after it cannot be trusted: its link runs through
 * the break). What does not verify is counted and said, never shown as if it did.
 *
 * One pass: each file is parsed as the verification reads it, and a record is handed on only
 * once it is known to verify: when the next one is read (verification stops at the first
 * record that fails), or at the end. Records from the one head.json names onwards wait for
 * the end, because head.json is checked last.
 */
export function visitVerifiedRecords(source: TrailSource, where: string, visit: (record: AuditRecord) => void): TrailStatus {
  const paths = recordPathsInOrder(source);
  // A file that is no record at all is reported, and the records are verified without it.
  const recordPaths = new Set(paths);
  const stray = source.paths.find((path) => !recordPaths.has(path));
  const headSeq = source.head?.seq ?? Infinity;
  let pending: AuditRecord | null = null;
  let visited = 0;
  const report = verifyTrail({
    paths,
    head: source.head,
    read(path) {
      const bytes = source.read(path);
      if (pending !== null && pending.seq < headSeq) {
        visit(pending);
        visited = pending.seq;
      }
      try {
        pending = JSON.parse(bytes.toString("utf8")) as AuditRecord;
      } catch {
        pending = null; // it fails verification, which says why
      }
      return bytes;
    },
  });
  const verified = report.intact ? paths.length : Math.max(0, report.broken.seq - 1);
  // The last record read, when it verified (and the held-back ones are never past a break).
  const last = pending as AuditRecord | null;
  if (last !== null && last.seq === visited + 1 && last.seq <= verified) visit(last);
  const strayText = stray === undefined ? "" : `${stray} is not where a record can be (left out); `;
  const problem = report.intact
    ? stray === undefined ? null : strayText.replace(/; $/, "")
    : `${strayText}record ${report.broken.seq} (${report.broken.path}) ${report.broken.problem}; ${verified === 0 ? "no record" : `records 1 to ${verified}`} verified and ${verified === 1 ? "is" : "are"} shown`;
  return { where, verified, unverified: report.intact ? 0 : Math.max(0, report.count - verified), problem };
}
