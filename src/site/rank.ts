import type { ChangeRow } from "./model.js";

/**
 * "What changed?" before an instant, ranked. Each change merged in the lookback before the
 * instant gets three parts, each from 0 to 1:
 *
 *   closeness  1 - (instant - merge) / lookback      (1 = merged just before)
 *   shared     1 when it touched the chosen service, else 0 (0 for all when none is chosen)
 *   risk       (score - 4) / 12                       (4 = lowest score, 16 = highest)
 *
 * and ranks by 0.5 closeness + 0.3 shared + 0.2 risk, highest first; ties go to the later
 * merge, then the higher seq. So a change to the service an hour before outranks another
 * service's change of the same risk just before, and among changes as close and as shared
 * the riskier comes first. Changes after the instant are not candidates.
 */
export const RANKING = { lookbackHours: 24, weights: { closeness: 0.5, shared: 0.3, risk: 0.2 } } as const;

export interface RankedChange {
  /** Index into the rows given. */
  index: number;
  rank: number;
  closeness: number;
  shared: number;
  risk: number;
}

export function rankBefore(rows: readonly ChangeRow[], at: number, service: number | null, lookbackMs = RANKING.lookbackHours * 3_600_000): RankedChange[] {
  const ranked: RankedChange[] = [];
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index]!;
    if (row.t > at || row.t <= at - lookbackMs) continue;
    const closeness = 1 - (at - row.t) / lookbackMs;
    const shared = service !== null && row.sv.includes(service) ? 1 : 0;
    const risk = Math.min(1, Math.max(0, (row.sc - 4) / 12));
    const { weights } = RANKING;
    ranked.push({ index, rank: weights.closeness * closeness + weights.shared * shared + weights.risk * risk, closeness, shared, risk });
  }
  return ranked.sort((a, b) => b.rank - a.rank || rows[b.index]!.t - rows[a.index]!.t || rows[b.index]!.s - rows[a.index]!.s);
}
