import type { Permission } from "../engine/approvals.js";
import { nominalMs, type CalendarDuration, type CalendarForm, type FieldLocation } from "../engine/calendar-forms.js";
import { OPEN_ENDED, type CalendarList, type CalendarOccurrences, type MissingInput, type Occurrence } from "../engine/occurrences.js";
import type { Policy } from "../engine/policy.js";
import type { Problem } from "../engine/problems.js";
import { floatingTimeAt, floatingTimeOf, instantOfDateTimeText, instantOfWallTime, wallTimeAt } from "../engine/wall-clock.js";
import type * as HolidaysModule from "./holidays.js";
import type * as IcsModule from "./ics.js";
import type { IcsEvent, IcsTime } from "./ics.js";
import type * as RecurrenceModule from "./recurrence.js";
import type { CompiledRule, RruleLibrary, RuleStart } from "./recurrence.js";
import type * as WindowsZonesModule from "./windows-zones.js";
import { overlapping, Series } from "./series.js";

/**
 * The calendar of a policy: every freeze's and blackout's occurrences, from its form and
 * from what the edge read (iCalendar files, releases, issues), as the engine asks for them
 * (CalendarOccurrences). Invalid rules, unknown regions and malformed files are problems at
 * their line, which make the policy invalid. Expansions are kept per (rule, zone) across
 * policy reads, so a policy read again (the App's cache, every minute) expands nothing twice.
 */
export interface Release {
  tag_name: string;
  name?: string | null;
  published_at: string | null;
  created_at?: string | null;
  draft: boolean;
  prerelease: boolean;
  html_url?: string;
}

export interface Issue {
  number: number;
  title: string;
  state: string;
  labels: readonly (string | { name?: string | null })[];
  user: { login: string } | null;
  created_at: string;
  html_url?: string;
  /** Present on pull requests, which the issues API lists too: never a freeze. */
  pull_request?: unknown;
}

export interface CalendarInputs {
  /** iCalendar files by path from the repository root; null: the file is not there. */
  files: ReadonlyMap<string, string | null>;
  /** The repository's releases; null: not given (those forms match nothing). */
  releases: readonly Release[] | null;
  /** Its open issues with the labels a `while_issues_open` entry names; null: not given. */
  issues: readonly Issue[] | null;
  /** Members of the teams `opened_by` names. */
  teams: Readonly<Record<string, readonly string[]>>;
  /** Issue authors' permissions, for entries without `opened_by` (write or more counts); null: every author counts. */
  permissions: Readonly<Record<string, Permission>> | null;
  /** For links to issues: `https://github.com/owner/repo`. */
  repositoryUrl?: string;
}

export type CalendarResult = { ok: true; calendar: CalendarOccurrences } | { ok: false; problems: Problem[] };

/** What a policy's calendar needs read: the files, and whether releases and issues matter (and which labels, teams). */
export interface CalendarNeeds {
  files: string[];
  releases: boolean;
  /** The longest `after_release` freeze: a release published longer ago than this freezes nothing now or later. */
  releasesWithinMs: number;
  issueLabels: string[][];
  teams: string[];
  /** Whether an entry counts only authors with write access (no `opened_by`). */
  authorPermissions: boolean;
}

export function calendarNeeds(policy: Policy): CalendarNeeds {
  const needs: CalendarNeeds = { files: [], releases: false, releasesWithinMs: 0, issueLabels: [], teams: [], authorPermissions: false };
  for (const entry of [...policy.freezes, ...policy.blackouts]) {
    const form = entry.form;
    if (form.kind === "ics" && !needs.files.includes(form.path)) needs.files.push(form.path);
    if (form.kind === "after_release") {
      needs.releases = true;
      needs.releasesWithinMs = Math.max(needs.releasesWithinMs, form.forMs);
    }
    if (form.kind === "while_issues_open") {
      needs.issueLabels.push(form.labels);
      for (const team of form.openedBy) if (!needs.teams.includes(team)) needs.teams.push(team);
      if (form.openedBy.length === 0) needs.authorPermissions = true;
    }
  }
  return needs;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * The libraries behind the forms, loaded on first need, so that a policy without a form pays
 * for none of theirs: recurrence.ts (with simple-rule.ts) for recurrences and calendar files,
 * date-holidays for holidays, ical.js for calendar files; and only when a rule or a file
 * needs them, rrule (a rule simple-rule.ts leaves) and windows-iana (a Windows TZID).
 */
const libraries: {
  recurrence: typeof RecurrenceModule | null;
  holidays: typeof HolidaysModule | null;
  ics: typeof IcsModule | null;
  rrule: RruleLibrary | null;
  windowsZones: typeof WindowsZonesModule | null;
} = { recurrence: null, holidays: null, ics: null, rrule: null, windowsZones: null };

/** A library a rule or a file turned out to need (the calendar is built again with it). */
type Needed = "rrule" | "windows-zones";

async function loadLibraries(policy: Policy, needed: ReadonlySet<Needed>): Promise<void> {
  const kinds = new Set([...policy.freezes, ...policy.blackouts].map((entry) => entry.form.kind));
  if (libraries.recurrence === null && (kinds.has("recurring") || kinds.has("ics"))) libraries.recurrence = await import("./recurrence.js");
  if (libraries.holidays === null && kinds.has("holidays")) libraries.holidays = await import("./holidays.js");
  if (libraries.ics === null && kinds.has("ics")) libraries.ics = await import("./ics.js");
  if (libraries.rrule === null && needed.has("rrule")) libraries.rrule = await import("./rrule-expansion.js");
  if (libraries.windowsZones === null && needed.has("windows-zones")) libraries.windowsZones = await import("./windows-zones.js");
}

/** The calendar, once the libraries its forms need are loaded (attachCalendar loads them); or the libraries it found it needs. */
function buildCalendar(policy: Policy, inputs: CalendarInputs): CalendarResult | { ok: false; needed: Set<Needed> } {
  const problems: Problem[] = [];
  const needed = new Set<Needed>();
  const sources: Record<CalendarList, (Source | null)[]> = { freezes: [], blackouts: [] };
  for (const list of ["freezes", "blackouts"] as const) {
    for (const entry of policy[list]) {
      sources[list].push(entry.form.kind === "dated" ? null : sourceOf(entry.form, policy.timezone, inputs, problems, needed));
    }
  }
  if (needed.size > 0) return { ok: false, needed };
  if (problems.length > 0) return { ok: false, problems };
  const missing: MissingInput[] = [...(inputs.releases === null ? ["releases" as const] : []), ...(inputs.issues === null ? ["issues" as const] : [])];
  return {
    ok: true,
    calendar: {
      between: (list, index, from, to) => sources[list][index]?.between(from, to) ?? [],
      longest: (list, index) => sources[list][index]?.longest ?? 0,
      missing,
    },
  };
}

interface Source {
  between(from: number, to: number): readonly Occurrence[];
  longest: number;
}

function problemAt(where: FieldLocation, message: string, suggestion?: string): Problem {
  return { ...where, message, ...(suggestion === undefined ? {} : { suggestion }) };
}

function sourceOf(form: CalendarForm, zone: string, inputs: CalendarInputs, problems: Problem[], needed: Set<Needed>): Source | null {
  switch (form.kind) {
    case "recurring": {
      const start = form.start.offset === null ? form.start.wall : wallTimeAt(instantOfDateTimeText(form.start, zone), zone);
      const key = `rule|${zone}|${JSON.stringify(start)}|${form.rrule}|${form.duration.days}|${form.duration.ms}`;
      const cached = remembered(key);
      if (cached !== undefined) return cached;
      const compiled = libraries.recurrence!.compileRule(form.rrule, start, zone, libraries.rrule);
      if (!compiled.ok) {
        if ("library" in compiled) needed.add(compiled.library);
        else problems.push(problemAt(form.at.rrule, compiled.message, compiled.suggestion));
        return null;
      }
      if (libraries.recurrence!.firstStart(compiled.rule) === null) {
        problems.push(problemAt(form.at.rrule, "this rule never occurs (its COUNT, UNTIL or BY... parts leave no date after `start`)", "check UNTIL against `start`, and days that do not exist (BYMONTHDAY=30 in February)"));
        return null;
      }
      return remember(key, ruleSeries(compiled.rule, form.duration, [], []));
    }
    case "holidays": {
      const check = libraries.holidays!.checkHolidayRegion(form.country, form.region);
      if (!check.ok) {
        problems.push(problemAt(check.field === "country" ? form.at.country : form.at.region, check.message, check.suggestion));
        return null;
      }
      const key = `holidays|${zone}|${form.country.toUpperCase()}|${form.region?.toUpperCase() ?? ""}`;
      return remembered(key) ?? remember(key, new Series((from, to) => holidaysBetween(form.country, form.region, from, to, zone), 25 * HOUR));
    }
    case "ics": {
      const text = inputs.files.get(form.path);
      if (text === undefined || text === null) {
        problems.push(problemAt(form.at.ics, `${form.path} is not in the repository (read from the base branch)`, "commit the exported .ics file, or fix the path (relative to the repository root)"));
        return null;
      }
      const key = `ics|${zone}|${text}`;
      const cached = remembered(key);
      if (cached !== undefined) return cached;
      const parsed = libraries.ics!.parseIcs(text, libraries.windowsZones?.windowsZone ?? null);
      if (!parsed.ok && "library" in parsed) {
        needed.add(parsed.library);
        return null;
      }
      if (!parsed.ok) {
        problems.push({
          source: "policy",
          file: form.path,
          path: form.at.ics.path,
          line: parsed.line,
          column: parsed.column,
          message: parsed.message,
          ...(parsed.suggestion === undefined ? {} : { suggestion: parsed.suggestion }),
        });
        return null;
      }
      const series = icsSeries(parsed.events, zone, form, problems, needed);
      return series === null ? null : remember(key, series);
    }
    case "after_release": {
      const occurrences = (inputs.releases ?? [])
        .filter((release) => (form.drafts || !release.draft) && (form.prereleases || !release.prerelease))
        .filter((release) => form.tags.some((tag) => globMatches(tag, release.tag_name)))
        .flatMap((release): Occurrence[] => {
          const published = Date.parse(release.published_at ?? (release.draft ? release.created_at ?? "" : ""));
          return Number.isNaN(published) ? [] : [{ start: published, end: published + form.forMs, label: release.tag_name }];
        })
        .sort((a, b) => a.start - b.start);
      return { between: (from, to) => overlapping(occurrences, from, to), longest: form.forMs };
    }
    case "while_issues_open": {
      const occurrences = (inputs.issues ?? [])
        .filter((issue) => issue.state === "open" && issue.pull_request === undefined)
        .filter((issue) => {
          const names = issue.labels.map((label) => (typeof label === "string" ? label : label.name ?? ""));
          return form.labels.every((label) => names.includes(label));
        })
        .filter((issue) => mayDeclareFreeze(issue.user?.login ?? null, form.openedBy, inputs))
        .map((issue): Occurrence => ({
          start: Date.parse(issue.created_at),
          end: OPEN_ENDED,
          // Anyone who may open an issue writes its title: it becomes plain words in check titles and summaries.
          label: `#${issue.number} ${plainTitle(issue.title)}`,
          issue: {
            number: issue.number,
            title: issue.title,
            url: issue.html_url ?? `${inputs.repositoryUrl ?? ""}/issues/${issue.number}`,
            author: issue.user?.login ?? "ghost",
          },
        }))
        .filter((occurrence) => !Number.isNaN(occurrence.start))
        .sort((a, b) => a.start - b.start);
      return { between: (from, to) => overlapping(occurrences, from, to), longest: OPEN_ENDED };
    }
  }
}

/** An issue title as plain words: no markup, no line breaks, at most 100 characters. */
function plainTitle(title: string): string {
  const plain = [...title].map((character) => (character < " " || "<>[]`*_|\\#!".includes(character) ? " " : character)).join("").replace(/\s+/g, " ").trim();
  return plain.length > 100 ? `${plain.slice(0, 99)}…` : plain;
}

/** Opened by a member of one of `teams`, or, with none listed, by someone with write access. */
function mayDeclareFreeze(login: string | null, teams: readonly string[], inputs: CalendarInputs): boolean {
  if (login === null) return false;
  if (teams.length > 0) return teams.some((team) => inputs.teams[team]?.some((member) => member.toLowerCase() === login.toLowerCase()) ?? false);
  if (inputs.permissions === null) return true;
  const permission = inputs.permissions[login];
  return permission === "admin" || permission === "maintain" || permission === "write";
}

/** `v*.0.0`: `*` any run of characters, `?` one; the rest literal. */
function globMatches(pattern: string, text: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`).test(text);
}

function holidaysBetween(country: string, region: string | null, from: number, to: number, zone: string): Occurrence[] {
  const out: Occurrence[] = [];
  for (let year = new Date(from - DAY).getUTCFullYear(); year <= new Date(to + DAY).getUTCFullYear(); year++) {
    for (const holiday of holidaysOfYearMemo(country, region, year, zone)) if (holiday.start >= from && holiday.start < to) out.push(holiday);
  }
  return out;
}

const holidayYears = new Map<string, Occurrence[]>();
function holidaysOfYearMemo(country: string, region: string | null, year: number, zone: string): Occurrence[] {
  const key = `${country}|${region}|${year}|${zone}`;
  let days = holidayYears.get(key);
  if (days === undefined) {
    if (holidayYears.size > 2_000) holidayYears.clear();
    days = libraries.holidays!.holidaysOfYear(country, region, year, zone);
    holidayYears.set(key, days);
  }
  return days;
}

/** A rule's occurrences, less `excluded` starts, plus `extra` ones (EXDATE, RDATE). */
function ruleSeries(rule: CompiledRule, duration: CalendarDuration, excluded: readonly number[], extra: readonly RuleStart[], label: string | null = null): Series {
  const skip = new Set(excluded);
  return new Series((from, to) => {
    const starts = libraries.recurrence!.ruleStarts(rule, from, to).filter((start) => !skip.has(start.start));
    for (const added of extra) if (added.start >= from && added.start < to && !skip.has(added.start)) starts.push(added);
    starts.sort((a, b) => a.start - b.start);
    return starts.map(({ start, floating }) => ({ start, end: libraries.recurrence!.occurrenceEnd(floating, start, duration, rule.zone), label }));
  }, nominalMs(duration) + 2 * HOUR);
}

function instantOf(time: IcsTime, zone: string): number {
  return instantOfWallTime(time.wall, time.zone ?? zone);
}

/** Every VEVENT of a file as one series: its single occurrence, or its RRULE less EXDATEs and changed instances, plus RDATEs. */
function icsSeries(events: readonly IcsEvent[], policyZone: string, form: Extract<CalendarForm, { kind: "ics" }>, problems: Problem[], needed: Set<Needed>): Series | null {
  const parts: { series: Series | null; single: Occurrence | null }[] = [];
  let longest = 0;
  // A changed instance (RECURRENCE-ID) replaces the one it names.
  const replaced = new Map<string, number[]>();
  for (const event of events) {
    if (event.recurrenceId !== null && event.uid !== null) {
      replaced.set(event.uid, [...(replaced.get(event.uid) ?? []), instantOf(event.recurrenceId, event.start.zone ?? policyZone)]);
    }
  }
  for (const event of events) {
    const zone = event.start.zone ?? policyZone;
    const start = instantOf(event.start, zone);
    const duration: CalendarDuration = event.end === null
      ? event.duration
      : event.start.allDay
        ? { days: Math.round((Date.UTC(event.end.wall.year, event.end.wall.month - 1, event.end.wall.day) - Date.UTC(event.start.wall.year, event.start.wall.month - 1, event.start.wall.day)) / DAY), ms: 0 }
        : { days: 0, ms: instantOf(event.end, zone) - start };
    if (duration.days < 0 || duration.ms < 0) {
      const end = event.places["dtend"] ?? { line: event.line, column: 1 };
      problems.push({ source: "policy", file: form.path, path: form.at.ics.path, line: end.line, column: end.column, message: `event "${event.summary}" ends before it starts`, suggestion: "check its DTEND" });
      return null;
    }
    if (nominalMs(duration) === 0) continue; // an instant blocks nothing
    longest = Math.max(longest, nominalMs(duration) + 2 * HOUR);
    if (event.rrule === null) {
      parts.push({ series: null, single: { start, end: libraries.recurrence!.occurrenceEnd(floatingTimeOf(event.start.wall), start, duration, zone), label: event.summary } });
      for (const rdate of event.rdates) {
        const at = instantOf(rdate, zone);
        parts.push({ series: null, single: { start: at, end: libraries.recurrence!.occurrenceEnd(floatingTimeAt(at, zone), at, duration, zone), label: event.summary } });
      }
      continue;
    }
    const compiled = libraries.recurrence!.compileRule(event.rrule, event.start.zone === null || event.start.zone === zone ? event.start.wall : wallTimeAt(start, zone), zone, libraries.rrule);
    if (!compiled.ok && "library" in compiled) {
      needed.add(compiled.library);
      return null;
    }
    if (!compiled.ok) {
      const rule = event.places["rrule"] ?? { line: event.line, column: 1 };
      problems.push({ source: "policy", file: form.path, path: form.at.ics.path, line: rule.line, column: rule.column, message: `event "${event.summary}": ${compiled.message}`, suggestion: compiled.suggestion });
      return null;
    }
    const excluded = [...event.exdates.map((time) => instantOf(time, zone)), ...(event.uid === null ? [] : replaced.get(event.uid) ?? [])];
    const extra = event.rdates.map((time) => {
      const at = instantOf(time, zone);
      return { start: at, floating: floatingTimeAt(at, zone) };
    });
    parts.push({ series: ruleSeries(compiled.rule, duration, excluded, extra, event.summary), single: null });
  }
  const singles = parts.flatMap((part) => (part.single === null ? [] : [part.single])).sort((a, b) => a.start - b.start);
  const series = parts.flatMap((part) => (part.series === null ? [] : [part.series]));
  return new Series((from, to) => {
    const out = singles.filter((occurrence) => occurrence.start >= from && occurrence.start < to);
    for (const each of series) for (const occurrence of each.expand(from, to)) out.push(occurrence);
    return out.sort((a, b) => a.start - b.start);
  }, longest);
}

/** Expansions kept across policy reads: the same rule in the same zone is the same series. */
const seriesMemo = new Map<string, Series>();
const SERIES_MEMO_LIMIT = 2_000;

function remembered(key: string): Series | undefined {
  return seriesMemo.get(key);
}

function remember(key: string, series: Series): Series {
  if (seriesMemo.size >= SERIES_MEMO_LIMIT) seriesMemo.delete(seriesMemo.keys().next().value!);
  seriesMemo.set(key, series);
  return series;
}

export type AttachedResult = { ok: true; policy: Policy } | { ok: false; problems: Problem[] };

/** The policy with its calendar attached (what the engine reads), or the calendar's problems. */
export async function attachCalendar(policy: Policy, inputs: CalendarInputs): Promise<AttachedResult> {
  await loadLibraries(policy, new Set());
  let built = buildCalendar(policy, inputs);
  // A rule or a file that needs rrule or windows-iana: once more with them (each is loaded once a process).
  if (!built.ok && "needed" in built) {
    await loadLibraries(policy, built.needed);
    built = buildCalendar(policy, inputs);
  }
  if (!built.ok && "needed" in built) throw new Error(`calendar libraries still missing after loading: ${[...built.needed].join(", ")}`);
  return built.ok ? { ok: true, policy: { ...policy, calendar: built.calendar } } : built;
}

/** Inputs with nothing read: for a policy whose forms need no files, releases or issues, or to list a calendar offline. */
export function noCalendarInputs(): CalendarInputs {
  return { files: new Map(), releases: null, issues: null, teams: {}, permissions: null };
}
