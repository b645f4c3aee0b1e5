/**
 * Where things live on the audit branch. One file per record, three folders deep by its
 * sequence number (a thousand entries a folder at most), so that GitHub's tree API never
 * handles a huge folder and an append rewrites the same few small trees whatever the
 * trail's length. A by-PR index makes "is this merge recorded already?" one lookup.
 *
 *   records/000/001/000001234.json      record 1234
 *   index/acme/shop/000/12.json         {"seq":1234,"hash":"…"} for acme/shop#12
 *   index/acme/shop/deployments/77/success.json   the same for one event of deployment 77
 *   head.json                           {"seq":1234,"hash":"…"}: the newest record
 */
export const RECORDS_FOLDER = "records";
export const HEAD_PATH = "head.json";

const SEQ_DIGITS = 9;

export function recordPath(seq: number): string {
  const padded = String(seq).padStart(SEQ_DIGITS, "0");
  return `${RECORDS_FOLDER}/${padded.slice(0, 3)}/${padded.slice(3, 6)}/${padded}.json`;
}

const RECORD_PATH = /^records\/(\d{3})\/(\d{3})\/(\d{9})\.json$/;

/** The sequence number a record path stands for; null for any other path. */
export function seqOfPath(path: string): number | null {
  const match = RECORD_PATH.exec(path);
  if (match === null || match[3]!.slice(0, 3) !== match[1] || match[3]!.slice(3, 6) !== match[2]) return null;
  return Number(match[3]);
}

/** The index entry of a repository's pull request ("owner/name", number). */
export function indexPath(repository: string, number: number): string {
  const [owner, name] = repository.toLowerCase().split("/");
  return `index/${owner}/${name}/${String(Math.floor(number / 1000)).padStart(3, "0")}/${number}.json`;
}

/**
 * The index entry of one event of a deployment: each is recorded once. Keyed by GitHub's
 * deployment id, or (the Action's gate step, which has none) "run-<id>-<attempt>-<environment>".
 */
export function deploymentIndexPath(repository: string, deployment: number | string, event: string): string {
  const [owner, name] = repository.toLowerCase().split("/");
  return `index/${owner}/${name}/deployments/${typeof deployment === "number" ? deployment : encodeURIComponent(deployment)}/${event}.json`;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** The trailer an append's commit message carries, so the next append reads the head from the branch alone. */
export function headTrailer(head: ChainHead): string {
  return `Changegate-Seq: ${head.seq}\nChangegate-Hash: ${head.hash}`;
}

export function headFromMessage(message: string): ChainHead | null {
  const seq = /^Changegate-Seq: (\d+)$/m.exec(message);
  const hash = /^Changegate-Hash: ([0-9a-f]{64})$/m.exec(message);
  return seq === null || hash === null ? null : { seq: Number(seq[1]), hash: hash[1]! };
}
