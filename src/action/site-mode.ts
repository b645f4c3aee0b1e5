import "../zod-jitless.js";
import { resolve } from "node:path";
import { memoryTrail, type TrailSource } from "../audit/chain.js";
import { localTrail } from "../audit/local-trail.js";
import { trailOf } from "../audit/merge.js";
import { readTrailArchive } from "../audit/trail-archive.js";
import type { Policy } from "../engine/policy.js";
import { formatProblem } from "../engine/problems.js";
import { attachCalendarFromGitHub } from "../github/calendar-inputs.js";
import { loadPolicy } from "../github/policy-source.js";
import { SiteBuilder } from "../site/site-data.js";
import { visitVerifiedRecords } from "../site/verified-records.js";
import { detailsFiles, prepareSiteFolder, writeSiteData } from "../site/write-site.js";
import { ActionError } from "./errors.js";
import { actionClient } from "./octokit.js";
import { annotateProblems, type ActionOutcome, type ModeEnvironment } from "./outcome.js";

/**
 * `mode: site`: writes the static site of the audit trail (as `changegate site` does) to
 * `out`, for a following step to publish (GitHub Pages). The policy comes from the default
 * branch: its calendar, and where the trail is. The trail is a checkout (`trail-dir`) or is
 * read through the API as the branch's archive (one download). A trail that does not verify still gets its site, showing what
 * verifies and saying what does not, and the step fails.
 */
export async function runSiteMode({ context, inputs, log, now }: ModeEnvironment): Promise<ActionOutcome> {
  const client = actionClient(inputs.token, context);
  try {
    const { owner, repo } = context;
    const fromPayload = (context.payload["repository"] as { default_branch?: unknown } | undefined)?.default_branch;
    const defaultBranch = typeof fromPayload === "string" ? fromPayload : (await client.octokit.request("GET /repos/{owner}/{repo}", { owner, repo })).data.default_branch;
    const loaded = await loadPolicy(client.octokit, { owner, repo, ref: defaultBranch });
    if (loaded.status === "invalid") {
      annotateProblems(log, loaded.problems, "error");
      throw new ActionError(`the policy on ${defaultBranch} is invalid (see the annotations): the site's calendar and the trail's location come from it. Fix the policy and re-run this job.`);
    }
    let policy: Policy | null = loaded.status === "valid" ? loaded.policy : null;
    const calendarNotes: string[] = [];
    if (policy !== null) {
      // Its calendar as the checks read it; unreadable, the dated entries still show and the page says why.
      const attached = await attachCalendarFromGitHub(client.octokit, { owner, repo, ref: defaultBranch }, policy);
      if (attached.ok) policy = attached.policy;
      else {
        annotateProblems(log, attached.problems, "warning");
        calendarNotes.push(`The policy's calendar could not be read: ${formatProblem(attached.problems[0]!)}`);
      }
    }
    const workspace = process.env["GITHUB_WORKSPACE"] ?? process.cwd();
    let trail: TrailSource;
    let where: string;
    if (inputs.trailDir !== null) {
      try {
        trail = localTrail(resolve(workspace, inputs.trailDir));
      } catch (error) {
        throw new ActionError(`trail-dir: ${(error as Error).message}`);
      }
      where = inputs.trailDir;
    } else {
      if (policy === null) throw new ActionError(`${owner}/${repo} has no changegate policy on ${defaultBranch}, so the trail's location is unknown: give trail-dir (a checkout of the audit branch).`);
      const location = trailOf({ owner, repo, policy });
      const { files, head } = await readTrailArchive(client.octokit, location);
      trail = memoryTrail(files, head);
      where = `${location.owner}/${location.repo}@${location.branch}`;
    }
    const out = resolve(workspace, inputs.out);
    prepareSiteFolder(out);
    const builder = new SiteBuilder(policy, { now: now(), failureWindowMs: 24 * 3_600_000, calendarNotes }, detailsFiles(out));
    const status = visitVerifiedRecords(trail, where, (record) => builder.add(record));
    const data = builder.finish(status);
    writeSiteData(out, data, `changegate: ${owner}/${repo}`);
    const wrote = `wrote the site of ${where} (${data.changes.length} changes) to ${inputs.out}`;
    log.info(wrote);
    if (status.problem !== null) log.error(`the audit trail does not verify: ${status.problem}`, { title: "changegate: broken audit trail" });
    return {
      blocked: status.problem !== null,
      allowed: null,
      riskScore: null,
      riskTier: null,
      reason: status.problem === null ? `${wrote}.` : `${wrote}; the trail does not verify: ${status.problem}.`,
      nextAllowedAt: null,
      summary: ["### changegate site", "", `${data.changes.length} changes from ${where}, ${data.events.length} calendar events, ${data.weeks.length} weeks of metrics.`, status.problem === null ? "Every record verified." : `**The trail does not verify:** ${status.problem}.`, ""].join("\n"),
    };
  } finally {
    client.dispose();
  }
}
