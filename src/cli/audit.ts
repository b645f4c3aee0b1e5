import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { Octokit } from "@octokit/rest";
import { parseDuration } from "../engine/duration.js";
import { memoryTrail, verifyTrail, type TrailSource } from "../audit/chain.js";
import { readTrailFromGitHub } from "../audit/github-trail.js";
import { checkPostedHashes, readPostedHashes, type PostedHash } from "../audit/posted-hashes.js";
import { localTrail, recordPathsInOrder } from "../audit/local-trail.js";
import { changeLine, changeMetrics, changesTouching, CSV_COLUMNS, csvRow, deliveryMetrics, recordsInRange, servicesOf, type DeliveryFigures, type TimeRange } from "../audit/query.js";
import { isDeploymentRecord, type DeploymentRecord } from "../audit/deployment-record.js";
import type { AuditRecord } from "../audit/record.js";
import { parseInstant } from "./inputs.js";
import { EXIT, UsageError, type CliIo } from "./io.js";
import { plural, nounFor } from "../report/text.js";

const SOURCE = "[--dir CHECKOUT | --repo OWNER/NAME [--branch B]]";
export const AUDIT_USAGE = `usage: changegate audit verify ${SOURCE} [--prs OWNER/NAME [--prs-limit 100]]
       changegate audit export ${SOURCE} [--since T] [--until T] [--format jsonl|csv]
       changegate changes ${SOURCE} [--service NAME] [--since T] [--until T] [--json]
       changegate metrics ${SOURCE} [--since T] [--until T] [--failure-window 24h] [--json]
  metrics reports the merged changes and, from the deployment records, per environment and
  per week: deployment frequency, lead time to production, change failure rate, time to restore.
  The trail is read from a local checkout of the audit branch (--dir, default .) or through
  the API (--repo; token from GITHUB_TOKEN or GH_TOKEN, API from GITHUB_API_URL).
  T is a duration back from now (2h, 30d) or an ISO 8601 instant with its offset.
  verify --prs also holds the trail against the hashes posted on that repository's recently
  merged PRs (through the API), which catches newest records cut off with head.json rewritten.`;

export const SOURCE_OPTIONS = {
  dir: { type: "string" },
  repo: { type: "string" },
  branch: { type: "string", default: "changegate/audit" },
} as const;
const RANGE_OPTIONS = { since: { type: "string" }, until: { type: "string" } } as const;

/** Records are appended after their merge; a record more than this older than `since` ends a newest-first scan. */
const RECORDING_SLACK_MS = 24 * 3_600_000;

export async function runAudit(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "verify") return verify(rest, io);
  if (sub === "export") return exportTrail(rest, io);
  throw new UsageError(`audit expects "verify" or "export"; got ${sub === undefined ? "nothing" : `"${sub}"`}`);
}

async function verify(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, strict: true, allowPositionals: false, options: { ...SOURCE_OPTIONS, prs: { type: "string" }, "prs-limit": { type: "string", default: "100" } } });
  const trail = await readTrail(values, io);
  const where = trail.where;
  const report = verifyTrail(trail);
  if (!report.intact) {
    io.stdout.write(`${where}: BROKEN at record ${report.broken.seq}: ${report.broken.path} ${report.broken.problem}\n`);
    return EXIT.blocked;
  }
  let against = "";
  if (values.prs !== undefined) {
    const [owner, repo] = ownerAndName(values.prs, "--prs");
    const limit = Number(values["prs-limit"]);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new UsageError(`--prs-limit expects a whole number of pull requests from 1 to 100; got "${values["prs-limit"]}"`);
    let posted: PostedHash[];
    try {
      posted = await readPostedHashes(apiClient(io), owner, repo, limit);
    } catch (error) {
      throw new UsageError(`cannot read the pull requests of ${values.prs}: ${(error as Error).message}`);
    }
    const { checked, problem } = checkPostedHashes(trail, report.head, posted, `${values.repo ?? values.prs}@${values.branch}`);
    if (problem !== null) {
      io.stdout.write(`${where}: BROKEN: ${problem}\n`);
      return EXIT.blocked;
    }
    against = `; the hashes posted on ${checked} ${nounFor(checked, "merged PR")} of ${values.prs} match`;
  }
  io.stdout.write(report.count === 0 ? `${where}: the trail is empty${against}\n` : `${where}: intact, ${report.count} records; newest ${report.head!.seq} (hash ${report.head!.hash})${against}\n`);
  return EXIT.ok;
}

export function ownerAndName(text: string, flag: string): [string, string] {
  const [owner, repo, extra] = text.split("/");
  if (owner === undefined || repo === undefined || owner === "" || repo === "" || extra !== undefined) throw new UsageError(`${flag} expects OWNER/NAME; got "${text}"`);
  return [owner, repo];
}

export function apiClient(io: CliIo): Octokit {
  const token = io.env["GITHUB_TOKEN"] ?? io.env["GH_TOKEN"];
  return new Octokit({ ...(token === undefined ? {} : { auth: token }), baseUrl: io.env["GITHUB_API_URL"] ?? "https://api.github.com", userAgent: "changegate-cli", log: QUIET });
}

const QUIET = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

async function exportTrail(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, strict: true, allowPositionals: false, options: { ...SOURCE_OPTIONS, ...RANGE_OPTIONS, format: { type: "string", default: "jsonl" } } });
  if (values.format !== "jsonl" && values.format !== "csv") throw new UsageError(`--format expects jsonl or csv; got "${values.format}"`);
  const range = timeRange(values, io);
  if (values.format === "jsonl") {
    // Every kind of record, merges and deployments, in the order of the chain.
    const all = (await readAllRecords(values, io, range)).filter((record) => inRangeAt(isDeploymentRecord(record) ? record.at : record.merged.at, range));
    for (const record of all) io.stdout.write(`${JSON.stringify(record)}\n`);
    return EXIT.ok;
  }
  const records = recordsInRange(await readRecords(values, io, range), range);
  if (values.format === "csv") {
    io.stdout.write(`${CSV_COLUMNS.join(",")}\n`);
    for (const record of records) io.stdout.write(`${csvRow(record)}\n`);
  } else {
    for (const record of records) io.stdout.write(`${JSON.stringify(record)}\n`);
  }
  return EXIT.ok;
}

export async function runChanges(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, strict: true, allowPositionals: false, options: { ...SOURCE_OPTIONS, ...RANGE_OPTIONS, service: { type: "string" }, json: { type: "boolean", default: false } } });
  const range = timeRange(values, io);
  const found = changesTouching(await readRecords(values, io, range), values.service ?? null, range);
  if (values.json) {
    io.stdout.write(`${JSON.stringify(found.map(changeSummary), null, 2)}\n`);
    return EXIT.ok;
  }
  if (found.length === 0) {
    io.stdout.write(`no recorded change${values.service === undefined ? "" : ` touched ${values.service}`} ${describeRange(range)}\n`);
    return EXIT.ok;
  }
  io.stdout.write(`${plural(found.length, "change")}${values.service === undefined ? "" : ` touched ${values.service}`} ${describeRange(range)}, newest first:\n`);
  for (const record of found) io.stdout.write(`${changeLine(record)}\n`);
  return EXIT.ok;
}

export async function runMetrics(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: { ...SOURCE_OPTIONS, ...RANGE_OPTIONS, "failure-window": { type: "string", default: "24h" }, json: { type: "boolean", default: false } },
  });
  const window = parseDuration(values["failure-window"]);
  if (window === null) throw new UsageError(`--failure-window expects a duration such as 24h or 7d; got "${values["failure-window"]}"`);
  const range = timeRange(values, io);
  // Every record: a later revert or emergency is evidence about a change inside the range.
  // Merge records from further back name the first commits of what the range deployed.
  const all = await readAllRecords(values, io, { since: range.since === null ? null : range.since - LEAD_TIME_LOOKBACK_MS, until: null });
  const merges = all.filter((record): record is AuditRecord => !isDeploymentRecord(record));
  const metrics = changeMetrics(merges.filter((record) => range.since === null || Date.parse(record.recorded_at) >= range.since - RECORDING_SLACK_MS), range, window);
  const delivery = deliveryMetrics(all.filter(isDeploymentRecord), merges, range);
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ ...metrics, delivery }, null, 2)}\n`);
    return EXIT.ok;
  }
  const percent = (value: number | null) => (value === null ? "-" : `${(value * 100).toFixed(1)}%`);
  const hours = (summary: typeof metrics.leadTimeHours) => (summary === null ? "-" : `median ${summary.median}h, p90 ${summary.p90}h (${summary.count} changes)`);
  const counts = (byKey: Record<string, number>) => Object.entries(byKey).sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => `${key} ${count}`).join(", ") || "-";
  io.stdout.write(
    [
      `changes ${describeRange(range)}: ${metrics.changes}`,
      `  by type:             ${counts(metrics.byType)}`,
      `  by tier:             ${counts(metrics.byTier)}`,
      `  emergency rate:      ${percent(metrics.emergencyRate)}`,
      `  freeze exceptions:   ${metrics.freezeExceptions}`,
      `  merged past a gate:  ${metrics.bypassed}`,
      `  approval wait:       ${hours(metrics.approvalWaitHours)}`,
      `  lead time:           ${hours(metrics.leadTimeHours)}`,
      `  change failure rate: ${percent(metrics.changeFailureRate)} (reverted, or an emergency on the same service within ${values["failure-window"]})`,
      ...metrics.failed.map((failure) => `    ${failure.pull}: ${failure.why}`),
      "",
      ...deliveryLines(delivery.environments, describeRange(range)),
    ].join("\n"),
  );
  return EXIT.ok;
}

/** Lead time looks further back than the range: a change deployed in it may have merged weeks before. */
const LEAD_TIME_LOOKBACK_MS = 90 * 24 * 3_600_000;

function deliveryLines(environments: Record<string, DeliveryFigures & { weeks: Record<string, DeliveryFigures> }>, range: string): string[] {
  const names = Object.keys(environments);
  if (names.length === 0) return [`deployments ${range}: none recorded (the App records them as a deployment protection rule)`, ""];
  const percent = (value: number | null) => (value === null ? "-" : `${(value * 100).toFixed(1)}%`);
  const hours = (summary: DeliveryFigures["leadTimeHours"]) => (summary === null ? "-" : `median ${summary.median}h, p90 ${summary.p90}h (${summary.count})`);
  const lines: string[] = [];
  for (const name of names) {
    const figures = environments[name]!;
    lines.push(
      `deployments to ${name} ${range}: ${figures.deployments} (${figures.successful} successful)`,
      `  frequency:           ${figures.deploymentsPerWeek === null ? "-" : `${figures.deploymentsPerWeek} a week`}`,
      `  lead time:           ${hours(figures.leadTimeHours)} (first commit to successful deployment)`,
      `  change failure rate: ${percent(figures.changeFailureRate)} (${figures.failed} failed or rolled back)`,
      `  time to restore:     ${hours(figures.timeToRestoreHours)}`,
      "  week of      deploys  failed  lead time (median)  restore (median)",
    );
    for (const [week, weekly] of Object.entries(figures.weeks)) {
      const median = (summary: DeliveryFigures["leadTimeHours"]) => (summary === null ? "-" : `${summary.median}h`);
      lines.push(`  ${week}   ${String(weekly.deployments).padStart(7)}  ${String(weekly.failed).padStart(6)}  ${median(weekly.leadTimeHours).padStart(18)}  ${median(weekly.timeToRestoreHours).padStart(16)}`);
    }
    lines.push("");
  }
  return lines;
}

function inRangeAt(text: string, range: TimeRange): boolean {
  const at = Date.parse(text);
  return (range.since === null || at >= range.since) && (range.until === null || at < range.until);
}

function changeSummary(record: AuditRecord): Record<string, unknown> {
  return {
    merged_at: record.merged.at,
    repository: record.repository,
    pull_request: record.pull_request.number,
    title: record.pull_request.title,
    type: record.change?.type ?? null,
    tier: record.risk.effective_tier,
    services: servicesOf(record),
    merge_commit: record.merged.merge_commit_sha,
    bypassed: record.bypassed,
    url: record.pull_request.url,
    seq: record.seq,
  };
}

export interface SourceValues {
  dir?: string | undefined;
  repo?: string | undefined;
  branch: string;
}

export async function readTrail(values: SourceValues, io: CliIo): Promise<TrailSource & { where: string }> {
  if (values.repo !== undefined) {
    if (values.dir !== undefined) throw new UsageError("give --dir or --repo, not both");
    const [owner, repo] = ownerAndName(values.repo, "--repo");
    try {
      const { files, head } = await readTrailFromGitHub(apiClient(io), { owner, repo, branch: values.branch });
      return { ...memoryTrail(files, head), where: `${owner}/${repo}@${values.branch}` };
    } catch (error) {
      throw new UsageError(`cannot read the trail from ${values.repo}@${values.branch}: ${(error as Error).message}`);
    }
  }
  try {
    return { ...localTrail(resolve(io.cwd, values.dir ?? ".")), where: values.dir ?? "." };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * The records a query needs. With a `since`, newest first and only as far back as the range
 * (plus a day's slack for late recording): a query for the last hours reads a handful of
 * files, not the whole trail.
 */
async function readRecords(values: SourceValues, io: CliIo, range: TimeRange): Promise<AuditRecord[]> {
  // Merge records only: deployment records share the chain but not the shape.
  return (await readAllRecords(values, io, range)).filter((record): record is AuditRecord => !isDeploymentRecord(record));
}

async function readAllRecords(values: SourceValues, io: CliIo, range: TimeRange): Promise<(AuditRecord | DeploymentRecord)[]> {
  const trail = await readTrail(values, io);
  const paths = recordPathsInOrder(trail);
  const records: (AuditRecord | DeploymentRecord)[] = [];
  for (let index = paths.length - 1; index >= 0; index--) {
    const record = parseRecord(trail.read(paths[index]!).toString("utf8"), paths[index]!);
    if (range.since !== null && Date.parse(record.recorded_at) < range.since - RECORDING_SLACK_MS) break;
    records.push(record);
  }
  return records.reverse();
}

function parseRecord(text: string, path: string): AuditRecord | DeploymentRecord {
  try {
    return JSON.parse(text) as AuditRecord | DeploymentRecord;
  } catch {
    throw new UsageError(`${path} is not valid JSON: run changegate audit verify`);
  }
}

function timeRange(values: { since?: string | undefined; until?: string | undefined }, io: CliIo): TimeRange {
  const now = io.env["CHANGEGATE_NOW"] === undefined ? Date.now() : parseInstant(io.env["CHANGEGATE_NOW"], "CHANGEGATE_NOW");
  const instant = (text: string | undefined, flag: string): number | null => {
    if (text === undefined) return null;
    const back = parseDuration(text);
    if (back !== null) return now - back;
    if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return Date.parse(`${text}T00:00:00Z`);
    try {
      return parseInstant(text, flag);
    } catch {
      throw new UsageError(`${flag} expects a duration back from now (2h, 30d) or an ISO 8601 instant with its offset (2026-11-02T09:00:00Z); got "${text}"`);
    }
  };
  const range = { since: instant(values.since, "--since"), until: instant(values.until, "--until") };
  if (range.since !== null && range.until !== null && range.until <= range.since) throw new UsageError("--until must be after --since");
  return range;
}

function describeRange(range: TimeRange): string {
  const iso = (at: number) => new Date(at).toISOString().replace(/\.000Z$/, "Z");
  if (range.since === null && range.until === null) return "in the whole trail";
  if (range.until === null) return `since ${iso(range.since!)}`;
  if (range.since === null) return `before ${iso(range.until)}`;
  return `between ${iso(range.since)} and ${iso(range.until)}`;
}
