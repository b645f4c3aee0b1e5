import { cutChars, GITHUB_LIMITS } from "./bounded-text.js";
import type { ApprovalDecision } from "../engine/approvals.js";
import { changeRequestTemplate } from "../engine/change-request.js";
import type { Decision, EvaluatedDecision } from "../engine/evaluate.js";
import { DIMENSIONS, type Dimension } from "../engine/policy.js";
import { formatProblem, type Problem } from "../engine/problems.js";
import type { DimensionAssessment, RiskReason } from "../engine/risk.js";
import type { ScheduleBlocker } from "../engine/schedule.js";
import { notGivenNote, occurrenceNotes, untilText } from "./calendar-texts.js";
import { wallTimeAt, zoneOffsetMinutes } from "../engine/wall-clock.js";
import { capitalize, plural, truncate } from "./text.js";

/**
 * One decision, rendered as the three check runs. The CLI prints them, the App and the
 * Action publish them: every door shows the same words.
 */
export const CHECK_NAMES = {
  risk: "changegate/risk",
  schedule: "changegate/schedule",
  approvals: "changegate/approvals",
} as const;
export type CheckName = (typeof CHECK_NAMES)[keyof typeof CHECK_NAMES];
export type Conclusion = "success" | "failure" | "neutral";

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "notice" | "warning" | "failure";
  title: string;
  message: string;
}

export interface RenderedCheck {
  name: CheckName;
  conclusion: Conclusion;
  title: string;
  summary: string;
  annotations: CheckAnnotation[];
  /** Under `enforcement: report`, what the check would have concluded. */
  enforcedConclusion: Conclusion;
}

export interface RenderOptions {
  /** The zone times are shown in (the policy's); UTC when the policy could not be read. */
  timezone: string;
}

/** GitHub's cap on a check run's summary and text, in bytes. */
export const MAX_OUTPUT_BYTES = 65_535;
/** A title GitHub shows whole in the checks list. */
export const MAX_TITLE_CHARS = 200;
/** Annotations kept in one rendering: publishers send them 50 a request. */
const MAX_ANNOTATIONS = 500;

const DIMENSION_LABELS: Record<Dimension, string> = {
  blast_radius: "Blast radius",
  reversibility: "Reversibility",
  confidence: "Confidence",
  timing: "Timing",
};

export function renderChecks(decision: Decision, options: RenderOptions): [RenderedCheck, RenderedCheck, RenderedCheck] {
  switch (decision.kind) {
    case "policy-invalid":
      return failAll(
        `Invalid changegate policy: ${plural(decision.problems.length, "problem")}${decision.problems[0] === undefined ? "" : ` · ${problemInTitle(decision.problems[0])}`}`,
        [
          "changegate cannot decide while the policy is invalid, so every check fails closed.",
          "Fix the policy on the base branch:",
          "",
          problemList(decision.problems),
        ].join("\n"),
        problemAnnotations(decision.problems),
      );
    case "unavailable":
      return failAll(
        `Could not evaluate: ${decision.reason}`,
        [
          `changegate could not evaluate this pull request: ${decision.reason}.`,
          "",
          "The check fails closed until an evaluation succeeds. changegate retries on its own;",
          "the **Re-evaluate** button (or any edit, push or review) asks for one now.",
        ].join("\n"),
        [],
      );
    case "evaluated":
      return [withPolicyWarnings(renderRisk(decision, options), decision.policyWarnings), renderSchedule(decision, options), renderApprovals(decision)].map((check) =>
        applyEnforcement(check, decision.enforcement),
      ) as [RenderedCheck, RenderedCheck, RenderedCheck];
  }
}

function failAll(title: string, summary: string, annotations: CheckAnnotation[]): [RenderedCheck, RenderedCheck, RenderedCheck] {
  const make = (name: CheckName, withAnnotations: boolean): RenderedCheck =>
    check(name, "failure", title, summary, withAnnotations ? annotations : []);
  // Annotations once, on the risk check: three copies would only repeat them.
  return [make(CHECK_NAMES.risk, true), make(CHECK_NAMES.schedule, false), make(CHECK_NAMES.approvals, false)];
}

function check(name: CheckName, conclusion: Conclusion, title: string, summary: string, annotations: CheckAnnotation[] = []): RenderedCheck {
  return {
    name,
    conclusion,
    title: truncate(title, MAX_TITLE_CHARS),
    summary: fitBytes(summary, MAX_OUTPUT_BYTES),
    annotations: annotations.slice(0, MAX_ANNOTATIONS),
    enforcedConclusion: conclusion,
  };
}

/** Policy warnings (a repository's attempt to change a locked key) on the risk check: annotations at their lines and a note. */
function withPolicyWarnings(rendered: RenderedCheck, warnings: readonly Problem[]): RenderedCheck {
  if (warnings.length === 0) return rendered;
  const note = [`**Policy ${warnings.length === 1 ? "warning" : "warnings"}** (the policy is valid; these values are not used):`, "", problemList(warnings)].join("\n");
  return {
    ...rendered,
    summary: fitBytes(`${rendered.summary}\n\n${note}`, MAX_OUTPUT_BYTES),
    annotations: [...problemAnnotations(warnings, "warning"), ...rendered.annotations].slice(0, MAX_ANNOTATIONS),
  };
}

function applyEnforcement(rendered: RenderedCheck, enforcement: EvaluatedDecision["enforcement"]): RenderedCheck {
  if (enforcement !== "report" || rendered.conclusion === "neutral") return rendered;
  const verdict = rendered.conclusion === "failure" ? "would block" : "would pass";
  return {
    ...rendered,
    conclusion: "neutral",
    title: truncate(`Report only (${verdict}): ${rendered.title}`, MAX_TITLE_CHARS),
    summary: fitBytes(
      `> **Report only.** The policy sets \`enforcement: report\`: this check ${verdict} under \`enforce\`.\n\n${rendered.summary}`,
      MAX_OUTPUT_BYTES,
    ),
  };
}

// ---------------------------------------------------------------------------- risk

function renderRisk(decision: EvaluatedDecision, options: RenderOptions): RenderedCheck {
  const { risk, change } = decision;
  const name = CHECK_NAMES.risk;
  const table = riskTable(decision, options);

  if (decision.changeRequest.status === "invalid") {
    const problems = decision.changeRequest.problems;
    const first = problems[0]!;
    return check(
      name,
      "failure",
      `Invalid change request: ${problemInTitle(first)}`,
      [
        "The `change_request` block in the PR description has " + plural(problems.length, "problem") + ":",
        "",
        problemList(problems),
        "",
        "Edit the PR description to fix it; changegate re-evaluates on every edit.",
      ].join("\n"),
    );
  }
  if (change === null) {
    const template = changeRequestTemplate({
      services: decision.derivedServices,
      dimensions: Object.fromEntries(DIMENSIONS.map((dimension) => [dimension, risk.dimensions[dimension].score])),
    });
    return check(
      name,
      "failure",
      "No change request in the PR description",
      [
        "This repository's policy asks every pull request for a `change_request` block.",
        "Paste this into the PR description and complete it (pre-filled with what changegate sees in this PR):",
        "",
        template,
        "",
        "What the changed files already imply:",
        "",
        table,
      ].join("\n"),
    );
  }
  if (decision.standard !== null && !decision.standard.matches) {
    const standard = decision.standard;
    const why = !standard.known
      ? `\`${standard.catalogId}\` is not in the policy's \`standard_changes\` catalog`
      : !standard.filesComplete
        ? "the list of changed files is incomplete (GitHub lists at most 3,000), so changegate cannot show that every file is in the catalog entry"
        : `files outside the \`${standard.catalogId}\` catalog entry: ${standard.unmatchedPaths.map(code).join(", ")}`;
    return check(
      name,
      "failure",
      `Not a standard change: ${stripMarkdown(why)}`,
      [
        `**Not a standard change:** ${why}.`,
        "",
        "A standard change must name a catalog entry and touch only the paths it lists. Use `type: normal` otherwise.",
        "",
        table,
      ].join("\n"),
    );
  }
  if (decision.proposedPolicyProblems.length > 0) {
    const problems = decision.proposedPolicyProblems;
    return check(
      name,
      "failure",
      `This PR's changegate policy is invalid: ${plural(problems.length, "problem")}`,
      [
        "This pull request edits the changegate policy. Merged as it is, it would fail every check on every pull request:",
        "",
        problemList(problems),
        "",
        "(This PR itself is judged by the policy on its base branch.)",
        "",
        table,
      ].join("\n"),
      problemAnnotations(problems),
    );
  }

  const raised = risk.effectiveTier !== risk.tier ? ` (declared ${risk.effectiveTier})` : "";
  return check(
    name,
    "success",
    `Risk ${risk.score}/16: ${risk.effectiveTier}${raised}`,
    [changeHeader(decision), "", table].join("\n"),
  );
}

function changeHeader(decision: EvaluatedDecision): string {
  const change = decision.change!;
  const lines = [
    `${change.title.trim() === "" ? "" : `**${escapeMarkdown(change.title)}** · `}\`${change.id}\` · ${change.type} change to ${code(change.environment)}` +
      (change.source === "policy-default" ? " (no change-request block; the policy's defaults apply)" : ""),
  ];
  if (change.services.length > 0) {
    lines.push(
      "",
      `Services: ${change.services.map((service) => (change.derivedServices.includes(service) ? `${code(service)} (from changed paths)` : code(service))).join(", ")}`,
    );
  }
  if (change.type === "standard" && decision.standard) lines.push("", `Standard change \`${decision.standard.catalogId}\`: every changed file is in its catalog entry.`);
  if (change.type === "emergency" && change.request?.incident) lines.push("", `Emergency for incident ${code(change.request.incident)}.`);
  return lines.join("\n");
}

function riskTable(decision: EvaluatedDecision, options: RenderOptions): string {
  const { risk } = decision;
  const rows = DIMENSIONS.map((dimension) => {
    const assessment = risk.dimensions[dimension];
    return `| ${DIMENSION_LABELS[dimension]} | **${assessment.score}** | ${setBy(assessment, decision, options)} |`;
  });
  const tierLine = risk.effectiveTier !== risk.tier
    ? `**Score ${risk.score}/16 → ${risk.tier}**; effective tier **${risk.effectiveTier}**, raised by the declared \`risk_level\`.`
    : `**Score ${risk.score}/16 → ${risk.tier}**.`;
  const notes: string[] = [];
  if (!risk.filesComplete) {
    notes.push("", "> GitHub could not list every changed file (it lists at most 3,000), so every path rule is taken as matching.");
  }
  return ["| Dimension | Score | Set by |", "|---|---|---|", ...rows, "", tierLine, ...notes].join("\n");
}

function setBy(assessment: DimensionAssessment, decision: EvaluatedDecision, options: RenderOptions): string {
  const top = assessment.reasons.filter((reason) => reason.score === assessment.score).map((reason) => describeReason(reason, decision, options));
  const lower = assessment.reasons.filter((reason) => reason.score < assessment.score).map((reason) => `${describeReason(reason, decision, options)}: ${reason.score}`);
  return top.join("; ") + (lower.length > 0 ? ` <sub>(raised from ${lower.join(", ")})</sub>` : "");
}

function describeReason(reason: RiskReason, _decision: EvaluatedDecision, options: RenderOptions): string {
  switch (reason.source) {
    case "declared":
      return "declared";
    case "default":
      return "policy default";
    case "traffic":
      // Not the instant: a text that changes every evaluation would be a write every evaluation.
      return `${reason.trafficClass} traffic now (traffic calendar, ${options.timezone})`;
    case "rule": {
      const what = reason.unlistedFiles
        ? "incomplete file list"
        : [...reason.paths.map(code), ...reason.labels.map((label) => `label ${code(label)}`)].join(", ");
      return `rule “${escapeMarkdown(reason.rule)}” (${what})`;
    }
  }
}

// ------------------------------------------------------------------------ schedule

function renderSchedule(decision: EvaluatedDecision, options: RenderOptions): RenderedCheck {
  const name = CHECK_NAMES.schedule;
  const schedule = decision.schedule;
  if (schedule === null) return waitingForChangeRequest(name, decision);
  const at = (instant: number) => formatInstant(instant, options.timezone);

  if (!schedule.gated) {
    return check(
      name,
      "neutral",
      `Environment ${schedule.environment} is not gated`,
      `The policy gates the schedule only for the environments in \`change_request.environments\`, and ${code(schedule.environment)} is not one of them. Risk and approvals still apply, and the merge is still recorded.`,
    );
  }
  const lines: string[] = [];
  if (schedule.allowed) {
    let title: string;
    const bypass = schedule.bypasses[0];
    if (bypass?.kind === "emergency") title = `Emergency: freeze “${bypass.freeze}” bypassed with @${bypass.approver}'s approval`;
    else if (bypass?.kind === "freeze-exception") {
      title = `Freeze exception for “${bypass.freeze}”` + [bypass.label ? ` (label ${bypass.label}` : " (", bypass.approver ? `${bypass.label ? ", " : ""}approved by @${bypass.approver})` : ")"].join("");
    } else if (schedule.window === "always") title = `May merge now: ${schedule.type} changes have no window`;
    else title = `Inside the ${schedule.type} change window`;
    if (schedule.closesAt !== null) title += ` · closes ${at(schedule.closesAt)}`;
    // No "Evaluated at": GitHub shows when a run completed, and a line that changes every evaluation would be a write every evaluation.
    lines.push("**May merge now.**");
    for (const bypassed of schedule.bypasses) {
      lines.push(
        "",
        bypassed.kind === "emergency"
          ? `- Freeze “${escapeMarkdown(bypassed.freeze)}” is in effect; this emergency passes with the approval of @${bypassed.approver} (an incident commander).`
          : `- Freeze “${escapeMarkdown(bypassed.freeze)}” is in effect; its exception holds${bypassed.label ? ` (label ${code(bypassed.label)}` : ""}${bypassed.approver ? `${bypassed.label ? "," : " ("} approved by @${bypassed.approver}` : ""}).`,
      );
    }
    if (schedule.closesAt !== null) lines.push("", `The schedule closes at ${at(schedule.closesAt)}; this check turns blocked then.`);
    if (schedule.notGiven.length > 0) lines.push("", ...notGivenNote(schedule));
    return check(name, "success", title, lines.join("\n"));
  }

  const first = schedule.blockers[0]!;
  const opens = schedule.opensAt === null ? "" : ` · opens ${at(schedule.opensAt)}`;
  const title = describeScheduleBlocker(first, at, true) + opens;
  lines.push("**Blocked.**", "");
  for (const blocker of schedule.blockers) {
    lines.push(`- ${describeScheduleBlocker(blocker, at, false)}`);
    if (blocker.kind === "freeze" || blocker.kind === "blackout") lines.push(...occurrenceNotes(blocker, at));
  }
  if (schedule.notGiven.length > 0) lines.push("", ...notGivenNote(schedule));
  lines.push(
    "",
    schedule.opensAt === null
      ? schedule.blockers.some((blocker) => "issue" in blocker && blocker.issue !== undefined)
        ? "Opens when the issue above is closed (and nothing else blocks then)."
        : "No opening within the next two years under the current policy."
      : `**Opens ${at(schedule.opensAt)}** (${new Date(schedule.opensAt).toISOString()}); this check turns green on its own then.`,
  );
  return check(name, "failure", title, lines.join("\n"));
}

/** A schedule blocker in words; `short` leaves out a freeze's exception (titles). Shared with the Action's gate. */
export function describeScheduleBlocker(blocker: ScheduleBlocker, at: (instant: number) => string, short: boolean): string {
  switch (blocker.kind) {
    case "outside-window":
      return `Outside the ${blocker.type} change window`;
    case "no-window":
      return `${capitalize(blocker.type)} changes have no window (\`windows.${blocker.type}: never\`)`;
    case "blackout":
      return `Blackout “${blocker.name}” ${untilText(blocker, at)}`;
    case "freeze": {
      const base = `Freeze “${blocker.name}” ${untilText(blocker, at)}`;
      if (short || blocker.exception === null) return base;
      const parts = [
        blocker.exception.labels.length > 0 ? `one of the labels ${blocker.exception.labels.map(code).join(", ")}` : null,
        blocker.exception.approvers.length > 0 ? `an approval from ${blocker.exception.approvers.map(code).join(" or ")}` : null,
      ].filter((part) => part !== null);
      return `${base}. Exception: a PR with ${parts.join(" and ")} passes.`;
    }
    case "awaiting-incident-commander":
      return `Freeze “${blocker.name}”: an emergency passes once ${blocker.approvers.length > 0 ? blocker.approvers.join(" or ") : "an incident commander"} approves`;
    case "calendar-unavailable":
      return `“${blocker.name}” cannot be decided: its calendar (recurrence, holidays, file, releases or issues) was not read`;
  }
}

// ----------------------------------------------------------------------- approvals

function renderApprovals(decision: EvaluatedDecision): RenderedCheck {
  const name = CHECK_NAMES.approvals;
  const approvals = decision.approvals;
  if (approvals === null) return waitingForChangeRequest(name, decision);
  const { requirement, counted } = approvals;
  const details = approvalDetails(approvals, decision);

  if (approvals.changesRequested.length > 0) {
    const who = approvals.changesRequested.map((review) => `@${review.login}`).join(", ");
    return check(name, "failure", `Changes requested by ${who}`, [`**Blocked: changes requested by ${who}.**`, "", details].join("\n"));
  }
  if (requirement.basis === "standard") {
    return check(name, "success", `Standard change ${decision.standard?.catalogId ?? ""}: pre-approved`, ["**Pre-approved:** a standard change from the policy's catalog needs no per-instance approval.", "", details].join("\n"));
  }
  const needed = Math.max(requirement.count, requirement.teams.length, requirement.anyOf === null ? 0 : 1);
  const basis = requirement.basis === "emergency" ? "emergency" : `${decision.risk.effectiveTier} risk`;
  if (approvals.satisfied) {
    const teams = Object.entries(approvals.assignment).map(([team, login]) => `${team}: @${login}`);
    return check(
      name,
      "success",
      `Approved: ${plural(counted.length, "approval")}, ${needed} required for ${basis}${teams.length > 0 ? ` · ${teams.join(", ")}` : ""}`,
      [`**Approved** for ${basis}.`, "", details].join("\n"),
    );
  }
  const title = `Needs ${describeMissingApprovals(approvals.missing)} for ${basis}${fromWhom(approvals.missing)}`;
  return check(name, "failure", title, [`**${title}.**`, "", details].join("\n"));
}

/** `2 more approvals`: how many are still missing. Shared with the Action's gate. */
export function describeMissingApprovals(missing: ApprovalDecision["missing"]): string {
  return plural(missing.count, "more approval");
}

/** ` (1 from sre; 1 from incident-commanders)`, or "" when anyone eligible will do. */
export function fromWhom(missing: ApprovalDecision["missing"]): string {
  const from = [...missing.teams.map((team) => `1 from ${team}`), ...(missing.anyOf === null ? [] : [`1 from ${missing.anyOf.join(" or ")}`])];
  return from.length > 0 ? ` (${from.join("; ")})` : "";
}

function approvalDetails(approvals: ApprovalDecision, decision: EvaluatedDecision): string {
  const { requirement } = approvals;
  const lines: string[] = [];
  if (requirement.basis === "tier") {
    lines.push(
      `Required for ${decision.risk.effectiveTier} risk: ${plural(requirement.count, "approval")}` +
        (requirement.teams.length > 0 ? `, including one from each of ${requirement.teams.map(code).join(", ")} (a different person for each)` : "") +
        ".",
    );
  } else if (requirement.basis === "emergency") {
    lines.push(
      requirement.anyOf === null
        ? "Required for an emergency: one approval."
        : `Required for an emergency: one approval from ${requirement.anyOf.map(code).join(" or ")} (an incident commander).`,
    );
  }
  if (approvals.counted.length > 0) {
    lines.push("", "| Counted approval | On commit | Teams |", "|---|---|---|");
    for (const approval of approvals.counted) {
      const assigned = Object.entries(approvals.assignment).find(([, login]) => login === approval.login)?.[0];
      lines.push(
        `| @${approval.login} | ${approval.commitId ? code(approval.commitId.slice(0, 7)) : "?"} | ${approval.teams.map((team) => (team === assigned ? `**${team}**` : team)).join(", ")} |`,
      );
    }
  }
  const reasons: Record<string, string> = {
    author: "the author cannot approve their own change",
    bot: "bots never count",
    "last-pusher": "the last person to push cannot approve it",
    "no-write-access": "no write access to the repository",
    stale: "approved an earlier commit; a push since made it stale",
  };
  if (approvals.ignored.length > 0) {
    lines.push("", "Not counted:");
    for (const ignored of approvals.ignored) lines.push(`- @${ignored.login}: ${reasons[ignored.reason]}`);
  }
  return lines.join("\n");
}

function waitingForChangeRequest(name: CheckName, decision: EvaluatedDecision): RenderedCheck {
  const why = decision.changeRequest.status === "invalid"
    ? "the change request in the PR description is invalid"
    : decision.change === null
      ? "the PR description has no change request"
      : "the change request does not fit the standard-change catalog";
  return check(name, "failure", "Waiting for a valid change request", `Blocked: ${why}. See **${CHECK_NAMES.risk}** for what to fix.`);
}

// -------------------------------------------------------------------------- shared

/** A problem in a title: where, what, and its suggestion (the fix a reader needs most). */
function problemInTitle(problem: Problem): string {
  const suggestion = problem.suggestion ? ` (${problem.suggestion})` : "";
  return `${problem.path === "" ? "" : `${problem.path}: `}${problem.message}${suggestion}${problem.line === null ? "" : ` (line ${problem.line})`}`;
}

function problemList(problems: readonly Problem[]): string {
  return problems.map((problem) => `- ${escapeMarkdown(formatProblem(problem))}`).join("\n");
}

function problemAnnotations(problems: readonly Problem[], level: "failure" | "warning" = "failure"): CheckAnnotation[] {
  return problems
    .filter((problem) => problem.source === "policy" && problem.line !== null)
    .map((problem) => ({
      path: problem.file,
      start_line: problem.line!,
      end_line: problem.line!,
      annotation_level: level,
      title: cutChars(problem.path === "" ? "changegate policy" : problem.path, GITHUB_LIMITS.annotationTitle),
      message: cutChars(problem.message + (problem.suggestion ? ` (${problem.suggestion})` : ""), GITHUB_LIMITS.annotationMessage),
    }));
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `Tue 25 Nov 2026, 02:00 UTC+1`: in the policy's zone, whatever the host's. */
export function formatInstant(instant: number, zone: string): string {
  const wall = wallTimeAt(instant, zone);
  const weekday = capitalize(wall.weekday);
  return `${weekday} ${wall.day} ${MONTHS[wall.month - 1]} ${wall.year}, ${pad2(wall.hour)}:${pad2(wall.minute)} ${offsetLabel(zoneOffsetMinutes(zone, instant))}`;
}

/**
 * `UTC`, `UTC+1`, `UTC-5`, `UTC+5:30`. Named by the offset, not by an abbreviation (CET,
 * EDT): Intl has abbreviations for few zones in most locales (en-GB names New York "GMT-5"),
 * and its formatter's first use costs a cold start ~20 ms.
 */
function offsetLabel(minutes: number): string {
  if (minutes === 0) return "UTC";
  const magnitude = Math.abs(minutes);
  const rest = magnitude % 60;
  return `UTC${minutes < 0 ? "-" : "+"}${Math.floor(magnitude / 60)}${rest === 0 ? "" : `:${pad2(rest)}`}`;
}

function pad2(value: number): string {
  return String(value).padStart(2, "0");
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]<>|])/g, "\\$1");
}

function stripMarkdown(text: string): string {
  return text.replace(/`/g, "");
}

const encoder = new TextEncoder();

/** Cuts markdown to at most `max` UTF-8 bytes, at a line end, saying so. */
export function fitBytes(text: string, max: number): string {
  if (encoder.encode(text).length <= max) return text;
  const note = "\n\n… (truncated to fit GitHub's 65,535-byte limit)";
  const budget = max - encoder.encode(note).length;
  let bytes = 0;
  let cut = 0;
  for (const line of text.split("\n")) {
    const size = encoder.encode(line).length + 1;
    if (bytes + size > budget) break;
    bytes += size;
    cut += line.length + 1;
  }
  if (cut === 0) {
    // A single enormous line: cut by code points.
    let out = "";
    for (const char of text) {
      const size = encoder.encode(char).length;
      if (bytes + size > budget) break;
      bytes += size;
      out += char;
    }
    return out + note;
  }
  return text.slice(0, cut).trimEnd() + note;
}
