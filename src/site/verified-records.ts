import { verifyTrail, type TrailSource } from "../audit/chain.js";
import { recordPathsInOrder } from "../audit/local-trail.js";
import type { AuditRecord } from "../audit/record.js";
import type { TrailStatus } from "./model.js";

/**
 * Hands each record of a trail that verifies to `visit`, in sequence order, one at a time
 * (100,000 records never sit in memory at once): the whole chain when it is intact, else the
 * records before the first break (a record after it cannot be trusted: its link runs through
 * the break). What does not verify is counted and said, never shown as if it did.
 */
export function visitVerifiedRecords(source: TrailSource, where: string, visit: (record: AuditRecord) => void): TrailStatus {
  const paths = recordPathsInOrder(source);
  // A file that is no record at all is reported, and the records are verified without it.
  const recordPaths = new Set(paths);
  const stray = source.paths.find((path) => !recordPaths.has(path));
  const report = verifyTrail(stray === undefined ? source : { ...source, paths, read: (path) => source.read(path) });
  const verified = report.intact ? paths.length : Math.max(0, report.broken.seq - 1);
  for (const path of paths.slice(0, verified)) visit(JSON.parse(source.read(path).toString("utf8")) as AuditRecord);
  const strayText = stray === undefined ? "" : `${stray} is not where a record can be (left out); `;
  const problem = report.intact
    ? stray === undefined ? null : strayText.replace(/; $/, "")
    : `${strayText}record ${report.broken.seq} (${report.broken.path}) ${report.broken.problem}; ${verified === 0 ? "no record" : `records 1 to ${verified}`} verified and ${verified === 1 ? "is" : "are"} shown`;
  return { where, verified, unverified: report.intact ? 0 : Math.max(0, report.count - verified), problem };
}
