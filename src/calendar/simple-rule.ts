/**
 * The recurrence rules release managers write (FREQ DAILY, WEEKLY, MONTHLY or YEARLY with
 * INTERVAL, COUNT or UNTIL, BYMONTH, BYMONTHDAY and BYDAY, WKST), expanded by arithmetic on
 * day numbers instead of by rrule. rrule builds a year's masks and a Date per candidate; on a
 * cold process that was most of `changegate calendar`'s time (20 freezes and 100 ICS series:
 * 26–39 ms cold, 9–11 ms warm for 2,253 occurrences), where this takes a few. Any other
 * rule (BYSETPOS, BYWEEKNO, BYYEARDAY, BYHOUR..., sub-daily FREQ, BYDAY mixing plain and
 * numbered days) is rrule's: `simpleRule` answers null for it.
 *
 * The answers are rrule's (2.8), which follows python-dateutil, tested against it over
 * generated rules (test/calendar/simple-rule.test.ts), quirks included:
 * - DTSTART counts only when it matches the rule; COUNT counts occurrences from DTSTART;
 * - without BYMONTHDAY or BYDAY, WEEKLY takes DTSTART's weekday, MONTHLY its day, YEARLY its
 *   day (and its month unless BYMONTH is given); YEARLY with only BYMONTHDAY is every month;
 * - a numbered BYDAY (-1FR) counts within the month for MONTHLY, and for YEARLY with BYMONTH,
 *   within the year for YEARLY without; DAILY and WEEKLY ignore the number;
 * - a date that does not exist (30 February) is no occurrence; nothing after year 9999.
 *
 * Times are "floating" (a Date's UTC fields are the wall-clock time), as recurrence.ts gives
 * rrule: ms since the epoch of the wall-clock time, every occurrence at DTSTART's time of day.
 */
/** A rule's occurrences as floating times (simple-rule.ts's own, or rrule's: rrule-expansion.ts). */
export interface RuleExpansion {
  /** Occurrences in [from, to], both included (as rrule's `between(..., true)`), ascending. */
  between(from: number, to: number): number[];
  /** The first occurrence, or null for a rule that never occurs. */
  first(): number | null;
}

const DAY = 86_400_000;
const MAX_YEAR = 9999;
const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
type Freq = "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY";

interface Parts {
  freq: Freq;
  interval: number;
  count: number | null;
  /** Floating ms, included. */
  until: number | null;
  months: Set<number> | null;
  monthDays: Set<number>;
  negativeMonthDays: Set<number>;
  weekdays: Set<number> | null;
  /** Weekday (MO = 0) -> the numbers it is given (-1: the last). */
  numbered: Map<number, Set<number>> | null;
  wkst: number;
}

/** `body` (FREQ=...; checked part by part before) starting at floating `dtstart`, or null: rrule's to expand. `until`: in place of the rule's UNTIL. */
export function simpleRule(body: string, dtstart: number, until?: number): RuleExpansion | null {
  const parts = parse(body, dtstart);
  if (parts === null) return null;
  if (until !== undefined) parts.until = until;
  return new DayRule(parts, dtstart);
}

function parse(body: string, dtstart: number): Parts | null {
  const values = new Map<string, string>();
  for (const part of body.split(";")) {
    const [name, value] = part.split("=");
    values.set(name!.trim().toUpperCase(), value!.trim().toUpperCase());
  }
  const freq = values.get("FREQ");
  if (freq !== "DAILY" && freq !== "WEEKLY" && freq !== "MONTHLY" && freq !== "YEARLY") return null;
  for (const name of values.keys()) if (!["FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYMONTHDAY", "BYDAY", "WKST"].includes(name)) return null;
  const numbers = (name: string): number[] | null => (values.has(name) ? values.get(name)!.split(",").map(Number) : null);
  const months = numbers("BYMONTH");
  const monthDays = numbers("BYMONTHDAY");
  if (months !== null && months.some((month) => !(month >= 1 && month <= 12))) return null;
  if (monthDays !== null && monthDays.some((day) => day === 0 || !(Math.abs(day) <= 31))) return null;
  let weekdays: Set<number> | null = null;
  let numbered: Map<number, Set<number>> | null = null;
  for (const day of values.get("BYDAY")?.split(",") ?? []) {
    const match = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(day);
    if (match === null) return null;
    const weekday = WEEKDAYS.indexOf(match[2]!);
    const n = match[1] === undefined ? 0 : Number(match[1]);
    if (n === 0 || freq === "DAILY" || freq === "WEEKLY") (weekdays ??= new Set()).add(weekday);
    else (numbered ??= new Map()).set(weekday, (numbered.get(weekday) ?? new Set()).add(n));
  }
  // rrule requires both kinds at once (a quirk no user means): left to it.
  if (weekdays !== null && numbered !== null) return null;
  const until = values.get("UNTIL");
  const untilMs = until === undefined ? null : ruleDateMs(until);
  if (until !== undefined && untilMs === null) return null;
  const start = new Date(dtstart);
  const parts: Parts = {
    freq,
    interval: Number(values.get("INTERVAL") ?? 1),
    count: values.has("COUNT") ? Number(values.get("COUNT")) : null,
    until: untilMs,
    months: months === null ? null : new Set(months),
    monthDays: new Set((monthDays ?? []).filter((day) => day > 0)),
    negativeMonthDays: new Set((monthDays ?? []).filter((day) => day < 0)),
    weekdays,
    numbered,
    wkst: values.has("WKST") ? WEEKDAYS.indexOf(values.get("WKST")!) : 0,
  };
  if (monthDays === null && weekdays === null && numbered === null) {
    // rrule's defaults from DTSTART.
    if (freq === "YEARLY") {
      parts.months ??= new Set([start.getUTCMonth() + 1]);
      parts.monthDays = new Set([start.getUTCDate()]);
    } else if (freq === "MONTHLY") parts.monthDays = new Set([start.getUTCDate()]);
    else if (freq === "WEEKLY") parts.weekdays = new Set([weekdayOf(Math.floor(dtstart / DAY))]);
  }
  return parts;
}

/** A rule's date or date-time (UNTIL: 20261231, 20261231T235959, with or without Z) as ms of its fields read in UTC; null when it is none. */
export function ruleDateMs(text: string): number | null {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/i.exec(text);
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((value) => Number(value ?? 0)) as [number, number, number, number, number, number];
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** MO = 0 (1970-01-01 was a Thursday). */
function weekdayOf(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

const MONTH_LENGTHS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : MONTH_LENGTHS[month - 1]!;
}

function dayNumber(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / DAY;
}

/** The longest COUNT whose occurrences are kept rather than walked again for each range. */
const MAX_KEPT = 10_000;
const YEAR = 366 * DAY;

/** The index of the first of `sorted` at or after `at`. */
function firstAtOrAfter(sorted: readonly number[], at: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < at) low = middle + 1;
    else high = middle;
  }
  return low;
}

class DayRule implements RuleExpansion {
  readonly #parts: Parts;
  readonly #dtstart: number;
  readonly #startDay: number;
  readonly #timeOfDay: number;
  readonly #startYear: number;
  readonly #startMonth: number;
  readonly #monthDayLists = new Map<number, readonly number[]>();
  /** A rule with a COUNT of at most MAX_KEPT: its occurrences up to `to` (floating ms; Infinity: all of them), once walked. */
  #kept: { to: number; all: number[] } | null = null;

  constructor(parts: Parts, dtstart: number) {
    this.#parts = parts;
    this.#dtstart = dtstart;
    this.#startDay = Math.floor(dtstart / DAY);
    this.#timeOfDay = dtstart - this.#startDay * DAY;
    const start = new Date(dtstart);
    this.#startYear = start.getUTCFullYear();
    this.#startMonth = start.getUTCMonth() + 1;
  }

  between(from: number, to: number): number[] {
    // With COUNT every answer walks from DTSTART: a short series is walked once, a year past
    // the range asked (not to its end: a rule may never occur), and kept for the next ranges.
    const count = this.#parts.count;
    if (count !== null && count <= MAX_KEPT) {
      if (this.#kept === null || this.#kept.to < to) {
        const horizon = to + YEAR;
        const all: number[] = [];
        this.#walk(this.#startDay, (at) => all.push(at) > 0, horizon);
        this.#kept = { to: all.length >= count ? Infinity : horizon, all };
      }
      const { all } = this.#kept;
      return all.slice(firstAtOrAfter(all, from), firstAtOrAfter(all, to + 1));
    }
    const out: number[] = [];
    // Without COUNT the set does not depend on where the walk starts: start at `from`.
    const fromDay = this.#parts.count === null ? Math.max(this.#startDay, Math.ceil((from - this.#timeOfDay) / DAY)) : this.#startDay;
    this.#walk(fromDay, (at) => {
      if (at >= from) out.push(at);
      return true;
    }, to);
    return out;
  }

  first(): number | null {
    let first: number | null = null;
    // The calendar repeats every 400 years (146,097 days, whole weeks), the rule's periods
    // every INTERVAL of them: a rule with none in 400 × INTERVAL years has none at all.
    this.#walk(this.#startDay, (at) => {
      first = at;
      return false;
    }, Date.UTC(this.#startYear + 400 * this.#parts.interval, 0, 1));
    return first;
  }

  /** Visits occurrences from day `fromDay` to `last` (floating ms), ascending, while `visit` answers true (and COUNT, UNTIL, year 9999 allow). */
  #walk(fromDay: number, visit: (at: number) => boolean, last: number): void {
    const { freq, interval } = this.#parts;
    let left = this.#parts.count ?? Infinity;
    if (left <= 0) return;
    const end = Math.min(last, this.#parts.until ?? Infinity);
    const lastDay = Math.min(Math.floor((end - this.#timeOfDay) / DAY), dayNumber(MAX_YEAR, 12, 31));
    // Days of another weekday or month are passed over before their date is worked out: most days, for most rules.
    const { weekdays, months } = this.#parts;
    /** One day of a period: false stops the walk. */
    const day = (number: number, year: number, month: number, monthDay: number): boolean => {
      const at = number * DAY + this.#timeOfDay;
      if (at > end) return false;
      if (number < fromDay || !this.#matches(number, year, month, monthDay)) return true;
      if (at < this.#dtstart) return true;
      if (!visit(at)) return false;
      return --left > 0;
    };
    if (freq === "DAILY" || freq === "WEEKLY") {
      const length = freq === "DAILY" ? 1 : 7;
      const first = freq === "DAILY" ? this.#startDay : this.#startDay - ((weekdayOf(this.#startDay) - this.#parts.wkst + 7) % 7);
      // The first period at or before `fromDay` that the interval keeps.
      const skipped = Math.max(0, Math.floor((fromDay - first) / length));
      for (let period = first + (skipped - (skipped % interval)) * length; ; period += interval * length) {
        for (let number = period; number < period + length; number++) {
          if (number > lastDay) return;
          if (weekdays !== null && !weekdays.has(weekdayOf(number))) continue;
          const date = new Date(number * DAY);
          if (!day(number, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())) return;
        }
      }
    }
    const monthly = freq === "MONTHLY";
    const onlyMonthDays = weekdays === null && this.#parts.numbered === null && (this.#parts.monthDays.size > 0 || this.#parts.negativeMonthDays.size > 0) ? (days: number) => this.#monthDaysIn(days) : null;
    const from = new Date(fromDay * DAY);
    const step = monthly ? interval : 12 * interval;
    const firstMonth = monthly ? this.#startYear * 12 + this.#startMonth - 1 : this.#startYear * 12;
    const skipped = Math.max(0, from.getUTCFullYear() * 12 + from.getUTCMonth() - firstMonth);
    for (let period = firstMonth + skipped - (skipped % step); ; period += step) {
      for (let index = period; index < period + (monthly ? 1 : 12); index++) {
        const year = Math.floor(index / 12);
        const month = (index % 12) + 1;
        const start = dayNumber(year, month, 1);
        if (start > lastDay) return;
        if (months !== null && !months.has(month)) continue;
        const days = daysInMonth(year, month);
        if (start + days <= fromDay) continue;
        // A rule of month days alone (BYMONTHDAY=-1): only those days, not the whole month.
        const candidates = onlyMonthDays === null ? null : onlyMonthDays(days);
        if (candidates !== null) {
          for (const monthDay of candidates) if (!day(start + monthDay - 1, year, month, monthDay)) return;
          continue;
        }
        for (let monthDay = 1; monthDay <= days; monthDay++) {
          const number = start + monthDay - 1;
          if (weekdays !== null && !weekdays.has(weekdayOf(number))) continue;
          if (!day(number, year, month, monthDay)) return;
        }
      }
    }
  }

  /** The rule's month days (BYMONTHDAY, negative ones counted from the end) in a month of `days` days, ascending, each once; memoised per length. */
  #monthDaysIn(days: number): readonly number[] {
    const known = this.#monthDayLists.get(days);
    if (known !== undefined) return known;
    const { monthDays, negativeMonthDays } = this.#parts;
    const list = [...new Set([...monthDays, ...[...negativeMonthDays].map((day) => days + day + 1)])].filter((day) => day >= 1 && day <= days).sort((a, b) => a - b);
    this.#monthDayLists.set(days, list);
    return list;
  }

  #matches(number: number, year: number, month: number, monthDay: number): boolean {
    const parts = this.#parts;
    if (parts.months !== null && !parts.months.has(month)) return false;
    if (parts.monthDays.size > 0 || parts.negativeMonthDays.size > 0) {
      if (!parts.monthDays.has(monthDay) && !parts.negativeMonthDays.has(monthDay - daysInMonth(year, month) - 1)) return false;
    }
    const weekday = weekdayOf(number);
    if (parts.weekdays !== null && !parts.weekdays.has(weekday)) return false;
    if (parts.numbered !== null) {
      const numbers = parts.numbered.get(weekday);
      if (numbers === undefined) return false;
      // Counted within the month (MONTHLY; YEARLY with BYMONTH) or within the year.
      const inMonth = parts.freq === "MONTHLY" || parts.months !== null;
      const index = inMonth ? monthDay - 1 : number - dayNumber(year, 1, 1);
      const length = inMonth ? daysInMonth(year, month) : dayNumber(year + 1, 1, 1) - dayNumber(year, 1, 1);
      if (!numbers.has(Math.floor(index / 7) + 1) && !numbers.has(-(Math.floor((length - 1 - index) / 7) + 1))) return false;
    }
    return true;
  }
}
