/**
 * Durations as the Action's inputs (SPEC §7) and the audit commands' `--since` write them:
 * a whole number and one unit, `90s`, `45m`, `2h`, `30d`; `0` means none.
 */
const UNITS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const DURATION_EXAMPLES = "90s, 45m, 2h or 30d";

/** Milliseconds, or null when `text` is not a duration. */
export function parseDuration(text: string): number | null {
  const match = /^(\d{1,9})\s*([smhd])$/.exec(text.trim());
  if (match) return Number(match[1]) * UNITS[match[2] as keyof typeof UNITS];
  return text.trim() === "0" ? 0 : null;
}

/** `2h 5m`, `45m`, `90s` → `1m 30s`: the two largest units, for messages. */
export function formatDuration(ms: number): string {
  let seconds = Math.max(0, Math.ceil(ms / 1_000));
  const parts: string[] = [];
  for (const [unit, size] of [["d", 86_400], ["h", 3_600], ["m", 60], ["s", 1]] as const) {
    if (seconds >= size || (unit === "s" && parts.length === 0)) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
  }
  return parts.slice(0, 2).join(" ");
}
