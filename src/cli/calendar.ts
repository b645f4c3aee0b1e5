import { parsePolicy, POLICY_PATH } from "../engine/policy.js";
import { summarizeProblems } from "../engine/problems.js";
import { attachCliCalendar } from "./calendar-inputs.js";
import { defaultBaseRef, fileAtRef, isGitCheckout } from "./git.js";
import { parseInstant, parsePermissions, parseTeams, readInput } from "./inputs.js";
import { parseFlags, type CommandDeclaration } from "./command.js";
import { EXIT, UsageError, type CliIo } from "./io.js";
import { plural } from "../report/text.js";

const CALENDAR_FLAGS = {
  policy: { type: "string", value: "FILE", help: "the policy (default: .github/changegate.yml on the base branch)" },
  from: { type: "string", value: "TIME", help: "the range's start: ISO 8601 with offset or a date (default now)" },
  to: { type: "string", value: "TIME", help: "the range's end (default 90 days after --from; at most five years)" },
  ics: { type: "boolean", help: "an RFC 5545 calendar that calendar apps subscribe to" },
  json: { type: "boolean", help: "as JSON: [{ kind, name, start, end }], UTC" },
  releases: { type: "string", value: "FILE", help: "releases as JSON, for after_release entries" },
  issues: { type: "string", value: "FILE", help: "issues as JSON, for while_issues_open entries" },
  teams: { type: "string", value: "FILE", help: 'team members as JSON, e.g. {"sre": ["alice"]}' },
  permissions: { type: "string", value: "FILE", help: 'permissions as JSON, e.g. {"alice": "write"}' },
  base: { type: "string", value: "REF", help: "the base branch in a git checkout" },
  now: { type: "string", value: "TIME", help: "the instant taken as now" },
} as const;

export const CALENDAR_COMMAND: CommandDeclaration = {
  name: "calendar",
  summary: "the windows, blackouts and freezes of a time range, as text, JSON or an ICS feed",
  flags: CALENDAR_FLAGS,
  run: runCalendar,
};

const DAY = 86_400_000;

/**
 * `changegate calendar`: the windows, blackouts and freeze occurrences in a range (default
 * the next 90 days), as text, JSON (`[{ kind, name, start, end }]`, UTC) or an RFC 5545
 * calendar (`--ics`) that calendar apps subscribe to.
 */
export async function runCalendar(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags("calendar", CALENDAR_FLAGS, args);
  if (values.ics && values.json) throw new UsageError("--ics and --json: choose one");
  const now = values.now === undefined ? Date.now() : parseInstant(values.now, "--now");
  const from = values.from === undefined ? now : parseInstant(values.from, "--from");
  const to = values.to === undefined ? from + 90 * DAY : parseInstant(values.to, "--to");
  if (to <= from) throw new UsageError("--to must be after --from");
  if (to - from > 5 * 366 * DAY) throw new UsageError("a range of at most five years");

  const inCheckout = values.policy === undefined && isGitCheckout(io.cwd);
  const base = values.base ?? (inCheckout ? defaultBaseRef(io.cwd, io.env) : null);
  let text: string;
  if (values.policy !== undefined) text = await readInput(io, values.policy, "policy");
  else {
    const fromBase = base === null ? null : fileAtRef(io.cwd, base, POLICY_PATH);
    if (fromBase === null) throw new UsageError(`no policy: pass --policy FILE (or run inside a checkout whose base branch has ${POLICY_PATH})`);
    text = fromBase;
  }
  const parsed = parsePolicy({ file: values.policy ?? POLICY_PATH, text });
  if (!parsed.ok) throw new UsageError(`invalid policy: ${summarizeProblems(parsed.problems)}`);
  const attached = await attachCliCalendar(io, parsed.policy, {
    policyFile: values.policy,
    base,
    releases: values.releases,
    issues: values.issues,
    teams: values.teams === undefined ? {} : parseTeams(await readInput(io, values.teams, "teams"), values.teams),
    permissions: values.permissions === undefined ? null : parsePermissions(await readInput(io, values.permissions, "permissions"), values.permissions),
  });
  if (!attached.ok) throw new UsageError(`invalid policy: ${summarizeProblems(attached.problems)}`);
  const policy = attached.policy;

  const { calendarEvents, calendarEventsJsonText } = await import("../calendar/events.js");
  const events = calendarEvents(policy, from, to);
  if (values.json) io.stdout.write(calendarEventsJsonText(events));
  else if (values.ics) {
    const { calendarFeed } = await import("../calendar/feed.js");
    io.stdout.write(calendarFeed(events));
  } else {
    // The check's renderer, only for the text listing (its module is the check command's).
    const { formatInstant } = await import("../report/checks.js");
    const at = (instant: number) => formatInstant(instant, policy.timezone);
    io.stdout.write(`${plural(events.length, "event")} from ${at(from)} to ${at(to)}\n`);
    for (const event of events) io.stdout.write(`${event.kind.padEnd(8)} ${at(event.start)} - ${event.untilClosed ? "until closed" : at(event.end)}  ${event.name}\n`);
    const kinds = new Set([...policy.freezes, ...policy.blackouts].map((entry) => entry.form.kind));
    for (const missing of policy.calendar?.missing ?? []) {
      if (missing === "releases" && kinds.has("after_release")) io.stdout.write("(releases not given: --releases FILE; after_release entries list nothing)\n");
      if (missing === "issues" && kinds.has("while_issues_open")) io.stdout.write("(issues not given: --issues FILE; while_issues_open entries list nothing)\n");
    }
  }
  return EXIT.ok;
}
