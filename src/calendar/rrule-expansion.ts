import * as rruleModule from "rrule";
import { EXAMPLE } from "./recurrence.js";
import type { RuleExpansion } from "./simple-rule.js";

/**
 * The rules simple-rule.ts leaves (BYSETPOS, BYWEEKNO, sub-daily FREQ, ...), expanded by the
 * `rrule` library. Its own file, loaded only when a policy or calendar file has such a rule.
 */
// rrule ships CommonJS under `main`: Node's ES module loader puts it on `default`, bundlers may not.
const { RRule } = (rruleModule as unknown as { default?: typeof rruleModule }).default?.RRule ? (rruleModule as unknown as { default: typeof rruleModule }).default : rruleModule;
type RRuleInstance = InstanceType<typeof RRule>;

/** A rule simpleRule leaves (BYSETPOS, sub-daily, ...), expanded by rrule. */
export function rruleExpansion(body: string, dtstart: Date, until: number | undefined): RuleExpansion | { message: string; suggestion: string } {
  let options: ReturnType<typeof RRule.parseString>;
  try {
    // RFC 5545's names and values are case-insensitive; rrule reads upper case only (`byday=mo` became no weekday).
    options = RRule.parseString(body.toUpperCase());
  } catch (error) {
    return { message: `not an RFC 5545 recurrence rule: ${(error as Error).message}`, suggestion: `e.g. ${EXAMPLE}` };
  }
  if (options.freq === undefined || options.freq === null) return { message: "a recurrence rule needs FREQ", suggestion: `e.g. ${EXAMPLE}` };
  if (until !== undefined) options.until = new Date(until);
  let rule: RRuleInstance;
  try {
    rule = new RRule({ ...options, dtstart, tzid: null });
  } catch (error) {
    return { message: `not an RFC 5545 recurrence rule: ${(error as Error).message}`, suggestion: `e.g. ${EXAMPLE}` };
  }
  return {
    between: (from, to) => rule.between(new Date(from), new Date(to), true).map((date) => date.getTime()),
    first: () => rule.after(new Date(dtstart.getTime() - 1), true)?.getTime() ?? null,
  };
}

