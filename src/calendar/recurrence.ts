import type { CalendarDuration } from "../engine/calendar-forms.js";
import { nearestName } from "../engine/problems.js";
import { floatingTimeOf, instantOfFloatingTime, wallTimeAt, type WallTime } from "../engine/wall-clock.js";
import type * as RruleExpansionModule from "./rrule-expansion.js";
import { ruleDateMs, simpleRule, type RuleExpansion } from "./simple-rule.js";

/**
 * RFC 5545 recurrence rules, expanded in wall-clock time (simple-rule.ts; rrule-expansion.ts for
 * the rest) and turned into instants by changegate's own zone rules. rrule is given no TZID and dates whose UTC
 * fields are the wall-clock time ("floating" time, as its documentation recommends), so
 * neither its own zone handling nor the host's zone takes part: an occurrence keeps its
 * wall-clock time across daylight-saving changes, and §3's rules for times that repeat or
 * do not exist apply to each occurrence (instantOfWallTime).
 */

const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface CompiledRule {
  expansion: RuleExpansion;
  zone: string;
  /** UNTIL written in UTC (`Z`): compared as an instant, after the wall-clock expansion. */
  untilInstant: number | null;
}

export type RuleResult = { ok: true; rule: CompiledRule } | { ok: false; message: string; suggestion: string } | { ok: false; library: "rrule" };

/** rrule-expansion.ts, once loaded: only a rule simple-rule.ts leaves needs it. */
export type RruleLibrary = typeof RruleExpansionModule;

export const EXAMPLE = '"FREQ=WEEKLY;BYDAY=FR" or "FREQ=MONTHLY;BYMONTHDAY=-3,-2,-1"';

/** A rule (`FREQ=...`, optionally prefixed `RRULE:`) starting at `start`, wall-clock time in `zone`; `library: "rrule"`: it needs rrule, not given. */
export function compileRule(text: string, start: WallTime, zone: string, rrule: RruleLibrary | null): RuleResult {
  const body = text.trim().replace(/^RRULE:/i, "");
  if (/(^|\n)\s*(DTSTART|EXDATE|RDATE)/i.test(body) || body.includes("\n")) {
    return { ok: false, message: "`rrule` holds one RRULE value", suggestion: "put the first occurrence in `start`, not in the rule" };
  }
  const syntax = ruleSyntaxProblem(body);
  if (syntax !== null) return { ok: false, ...syntax };
  if (/(?:^|;)\s*COUNT\s*=/i.test(body) && /(?:^|;)\s*UNTIL\s*=/i.test(body)) {
    return { ok: false, message: "COUNT and UNTIL together (RFC 5545 allows one of them)", suggestion: "keep one" };
  }
  let untilInstant: number | null = null;
  let until: number | undefined;
  const untilText = /(?:^|;)\s*UNTIL\s*=\s*(\d{8}T\d{6}Z)\s*(?:;|$)/i.exec(body)?.[1];
  if (untilText !== undefined) {
    // In UTC: end the wall-clock expansion a day late, then cut at the instant itself.
    untilInstant = ruleDateMs(untilText)!;
    const wall = wallTimeAt(untilInstant, zone);
    until = floatingTimeOf(wall) + DAY;
  }
  const dtstart = new Date(floatingTimeOf(start));
  const simple = simpleRule(body, dtstart.getTime(), until);
  if (simple === null && rrule === null) return { ok: false, library: "rrule" };
  const expansion = simple ?? rrule!.rruleExpansion(body, dtstart, until);
  if ("message" in expansion) return { ok: false, ...expansion };
  return { ok: true, rule: { expansion, zone, untilInstant } };
}

const PARTS: Record<string, RegExp> = {
  FREQ: /^(SECONDLY|MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY)$/,
  UNTIL: /^\d{8}(T\d{6}Z?)?$/,
  COUNT: /^\d+$/,
  INTERVAL: /^[1-9]\d*$/,
  BYSECOND: /^\d{1,2}(,\d{1,2})*$/,
  BYMINUTE: /^\d{1,2}(,\d{1,2})*$/,
  BYHOUR: /^\d{1,2}(,\d{1,2})*$/,
  BYDAY: /^[+-]?\d{0,2}(MO|TU|WE|TH|FR|SA|SU)(,[+-]?\d{0,2}(MO|TU|WE|TH|FR|SA|SU))*$/,
  BYMONTHDAY: /^[+-]?\d{1,2}(,[+-]?\d{1,2})*$/,
  BYYEARDAY: /^[+-]?\d{1,3}(,[+-]?\d{1,3})*$/,
  BYWEEKNO: /^[+-]?\d{1,2}(,[+-]?\d{1,2})*$/,
  BYMONTH: /^\d{1,2}(,\d{1,2})*$/,
  BYSETPOS: /^[+-]?\d{1,3}(,[+-]?\d{1,3})*$/,
  WKST: /^(MO|TU|WE|TH|FR|SA|SU)$/,
};
const EXPECTED: Record<string, string> = {
  FREQ: "SECONDLY, MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY",
  UNTIL: "a date 20261231 or a date-time 20261231T235959Z",
  BYDAY: "weekdays MO, TU, WE, TH, FR, SA, SU, each optionally with an ordinal (-1FR: the last Friday)",
  WKST: "a weekday MO..SU",
};

/**
 * The rule's parts checked one by one, so that a mistake gets its own message (rrule's
 * parser accepts an unknown FREQ silently and fails on a bad BYDAY with a TypeError).
 */
function ruleSyntaxProblem(body: string): { message: string; suggestion: string } | null {
  const seen = new Set<string>();
  for (const part of body.split(";")) {
    const [name, value, ...rest] = part.split("=");
    const key = (name ?? "").trim().toUpperCase();
    if (!(key in PARTS)) {
      const near = nearestName(key, Object.keys(PARTS));
      return { message: `unknown rule part "${name}"`, suggestion: near ? `did you mean ${near}?` : `expected NAME=VALUE parts such as ${EXAMPLE}` };
    }
    if (value === undefined || rest.length > 0) return { message: `rule part ${key} needs one value (${key}=...)`, suggestion: `e.g. ${EXAMPLE}` };
    if (seen.has(key)) return { message: `rule part ${key} appears twice`, suggestion: "keep one" };
    seen.add(key);
    const upper = value.trim().toUpperCase();
    if (!PARTS[key]!.test(upper)) {
      const near = key === "FREQ" ? nearestName(upper, ["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]) : undefined;
      return { message: `${key}=${value}: expected ${EXPECTED[key] ?? "a number or a list of numbers"}`, suggestion: near ? `did you mean FREQ=${near}?` : `e.g. ${EXAMPLE}` };
    }
  }
  if (!seen.has("FREQ")) return { message: "a recurrence rule needs FREQ", suggestion: `e.g. ${EXAMPLE}` };
  return null;
}


/**
 * When an occurrence starting at wall-clock time `floating` (floating ms) ends: nominal days
 * in the zone (whole days added to a floating time are whole days of wall-clock time), then
 * exact time.
 */
export function occurrenceEnd(floating: number, start: number, duration: CalendarDuration, zone: string): number {
  if (duration.days === 0) return start + duration.ms;
  return instantOfFloatingTime(floating + duration.days * DAY, zone) + duration.ms;
}

/** An occurrence's start: the instant, and the wall-clock time it shows as floating ms. */
export interface RuleStart {
  start: number;
  floating: number;
}

/** The starts of occurrences in [from, to), ascending. */
export function ruleStarts(compiled: CompiledRule, from: number, to: number): RuleStart[] {
  // Wall-clock time is within ±18 h of UTC: widen the window by that, then cut by instant.
  const starts: RuleStart[] = [];
  for (const at of compiled.expansion.between(from - 18 * HOUR, to + 18 * HOUR)) {
    const start = instantOfFloatingTime(at, compiled.zone);
    if (start < from || start >= to) continue;
    if (compiled.untilInstant !== null && start > compiled.untilInstant) break;
    starts.push({ start, floating: at });
  }
  return starts;
}

/** The first occurrence's start, or null for a rule that never occurs (COUNT=0, UNTIL before start, 30 February). */
export function firstStart(compiled: CompiledRule): number | null {
  const first = compiled.expansion.first();
  if (first === null) return null;
  const start = instantOfFloatingTime(first, compiled.zone);
  if (compiled.untilInstant !== null && start > compiled.untilInstant) return null;
  return start;
}
