/**
 * Holiday rules parsed at build time: scripts/holiday-data.js writes each country's file with
 * date-holidays-parser's own tokens for every rule (`parsed`), and the bundles give its rule
 * parser (scripts/esbuild-plugins.js, holidayFiles) a look-up here first. Parsing a country's
 * rules tries a few dozen regular expressions on each, compiled on first use: most of what
 * building a calendar cost a cold run (issue 13). The table is set only while one calendar is
 * built from its file, so each calendar's tokens are its own, as parsing would make them.
 */
let table: Readonly<Record<string, unknown[]>> | null = null;

/** `build()` with `parsed` (rule -> tokens) taken for the rules it parses. */
export function withParsedRules<T>(parsed: Readonly<Record<string, unknown[]>> | undefined, build: () => T): T {
  table = parsed ?? null;
  try {
    return build();
  } finally {
    table = null;
  }
}

/** The tokens a rule parsed to at build time, if it was among them. */
export function parsedRule(rule: string): unknown[] | undefined {
  return table !== null && Object.prototype.hasOwnProperty.call(table, rule) ? table[rule] : undefined;
}
