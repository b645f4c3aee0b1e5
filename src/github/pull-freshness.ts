import { createHash } from "node:crypto";
import type { PullSnapshot } from "../pipeline/reader.js";

/**
 * When a pull request as a payload or a listing gave it may be used as it is, and when
 * GitHub must be asked again. GitHub's `updated_at` has one-second resolution: a stamp
 * proves a payload newer only when it is later; an equal stamp proves nothing (two edits in
 * one second carry the same one), unless the payload says exactly what was decided on.
 */
export interface PullReading {
  /** `updated_at` of the pull request the decision was made on. */
  updatedAt: string | null;
  /** What the decision read from the pull request itself (see pullContentKey). */
  contentKey: string;
  /** The caller's clock when the decision's inputs were read. */
  readAt: number;
}

/** GitHub's clock and ours may differ by this much: a reading is trusted to cover a second only this long after it. */
export const CLOCK_SKEW_MS = 5_000;

/**
 * The pull request's own fields the decision depends on, hashed (the reviews and files are
 * read apart; `changed_files` follows the head and is not in listings).
 */
export function pullContentKey(pull: PullSnapshot): string {
  const fields = [
    pull.title,
    pull.body ?? "",
    pull.labels.map((label) => label.name ?? "").sort(),
    pull.user?.login ?? "",
    pull.head.sha,
    pull.head.repo?.full_name ?? "",
    pull.base.ref,
    pull.state ?? "",
    pull.draft ?? false,
  ];
  return createHash("sha256").update(JSON.stringify(fields)).digest("base64url");
}

function stamp(value: string | null | undefined): number {
  return value == null ? Number.NaN : Date.parse(value);
}

/**
 * A payload may stand for what GitHub holds when its stamp is later than the reading
 * remembered, or equal with the same content (it then adds nothing that is not known).
 * No reading remembered (a first event, a restart, another replica's work): not proven.
 */
export function payloadProvesCurrent(given: PullSnapshot, remembered: PullReading | undefined): boolean {
  if (remembered === undefined) return false;
  const payload = stamp(given.updated_at);
  const known = stamp(remembered.updatedAt);
  if (Number.isNaN(payload) || Number.isNaN(known)) return false;
  if (payload > known) return true;
  return payload === known && pullContentKey(given) === remembered.contentKey;
}

/**
 * Whether a pull request as GitHub lists it now is what the remembered decision was made
 * on: the same content, and either an older stamp, or the same stamp with the inputs read
 * after that second had passed (a change later in the same second keeps the stamp).
 */
export function listingUnchanged(listed: PullSnapshot, remembered: PullReading, skewMs = CLOCK_SKEW_MS): boolean {
  if (pullContentKey(listed) !== remembered.contentKey) return false;
  const now = stamp(listed.updated_at);
  const known = stamp(remembered.updatedAt);
  if (Number.isNaN(now) || Number.isNaN(known)) return false;
  if (now < known) return true;
  return now === known && remembered.readAt >= known + 1_000 + skewMs;
}
