import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseDuration } from "../engine/duration.js";
import { parsePolicy, type Policy } from "../engine/policy.js";
import { formatProblem } from "../engine/problems.js";
import { SiteBuilder } from "../site/site-data.js";
import { visitVerifiedRecords } from "../site/verified-records.js";
import { detailsFiles, prepareSiteFolder, writeSiteData } from "../site/write-site.js";
import { memoryTrail } from "../audit/chain.js";
import { readTrailArchive } from "../audit/trail-archive.js";
import { apiClient, ownerAndName, readTrail, SOURCE_OPTIONS, type SourceValues } from "./audit.js";
import { attachCliCalendar } from "./calendar-inputs.js";
import { parseInstant } from "./inputs.js";
import { EXIT, UsageError, type CliIo } from "./io.js";

export const SITE_USAGE = `usage: changegate site [--dir CHECKOUT | --repo OWNER/NAME [--branch B]] [--policy FILE [--releases FILE] [--issues FILE]]
                       [--failure-window 24h] --out DIR
  Writes a static site of the trail to DIR (index.html, investigate.html, calendar.html,
  metrics.html, calendar.ics) that opens from disk with no network. --policy adds its
  windows, blackouts and freeze occurrences to the calendar (its ICS files read from the
  repository root; --releases and --issues as for changegate check). A trail that does not verify is shown up to
  its first broken record, the page says what does not verify, and the exit status is 1.`;

export async function runSite(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: { ...SOURCE_OPTIONS, policy: { type: "string" }, releases: { type: "string" }, issues: { type: "string" }, out: { type: "string" }, "failure-window": { type: "string", default: "24h" } },
  });
  if (values.out === undefined) throw new UsageError("--out DIR is required: the folder to write the site to");
  const window = parseDuration(values["failure-window"]);
  if (window === null) throw new UsageError(`--failure-window expects a duration such as 24h or 7d; got "${values["failure-window"]}"`);
  if (values.policy === undefined && (values.releases !== undefined || values.issues !== undefined)) throw new UsageError("--releases and --issues go with --policy (they feed its calendar)");
  const policy = values.policy === undefined ? null : await withCalendar(io, readPolicy(resolve(io.cwd, values.policy), values.policy), { policyFile: values.policy, releases: values.releases, issues: values.issues });
  const trail = await siteTrail(values, io);
  const now = io.env["CHANGEGATE_NOW"] === undefined ? Date.now() : parseInstant(io.env["CHANGEGATE_NOW"], "CHANGEGATE_NOW");
  const out = resolve(io.cwd, values.out);
  const failed = (error: unknown) => new UsageError(`cannot write the site to ${values.out}: ${(error as Error).message}`);
  try {
    prepareSiteFolder(out);
  } catch (error) {
    throw failed(error);
  }
  const builder = new SiteBuilder(policy, { now, failureWindowMs: window }, detailsFiles(out));
  const status = visitVerifiedRecords(trail, trail.where, (record) => builder.add(record));
  const data = builder.finish(status);
  try {
    writeSiteData(out, data, `changegate: ${trail.where}`);
  } catch (error) {
    throw failed(error);
  }
  const count = data.changes.length;
  io.stdout.write(`${values.out}/index.html: ${count} change${count === 1 ? "" : "s"}, ${data.events.length} calendar events, ${data.weeks.length} weeks of metrics\n`);
  if (count === 0 && status.problem === null) io.stderr.write(`changegate site: ${trail.where} holds no record (is it the audit branch?): the site is empty\n`);
  if (status.problem !== null) io.stderr.write(`changegate site: the trail does not verify: ${status.problem}\n`);
  return status.problem === null ? EXIT.ok : EXIT.blocked;
}

/** The policy with its calendar attached (SPEC §10), as changegate calendar reads it. */
async function withCalendar(io: CliIo, policy: Policy, sources: { policyFile: string; releases: string | undefined; issues: string | undefined }): Promise<Policy> {
  const attached = await attachCliCalendar(io, policy, { ...sources, base: null, teams: {}, permissions: null });
  if (!attached.ok) throw new UsageError(`invalid policy: ${formatProblem(attached.problems[0]!)}${attached.problems.length > 1 ? ` (and ${attached.problems.length - 1} more)` : ""}`);
  return attached.policy;
}

function readPolicy(path: string, shown: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read the policy ${shown}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  const result = parsePolicy({ file: shown, text });
  if (!result.ok) throw new UsageError(`invalid policy: ${formatProblem(result.problems[0]!)}${result.problems.length > 1 ? ` (and ${result.problems.length - 1} more)` : ""}`);
  return result.policy;
}

/** Through the API, the branch's archive (one download; `audit verify --repo` reads record by record); else the checkout. */
async function siteTrail(values: SourceValues, io: CliIo): ReturnType<typeof readTrail> {
  if (values.repo === undefined || values.dir !== undefined) return readTrail(values, io);
  const [owner, repo] = ownerAndName(values.repo, "--repo");
  try {
    const { files, head } = await readTrailArchive(apiClient(io), { owner, repo, branch: values.branch });
    return { ...memoryTrail(files, head), where: `${owner}/${repo}@${values.branch}` };
  } catch (error) {
    throw new UsageError(`cannot read the trail from ${values.repo}@${values.branch}: ${(error as Error).message}`);
  }
}
