import type { Conclusion, RenderedCheck } from "../report/checks.js";
import { formatInstant } from "../report/checks.js";
import type { GateDecision } from "../engine/gate.js";
import { describeGateBlocker, gateReason } from "../report/gate.js";
import { plural } from "../report/text.js";

/**
 * The job summaries (markdown for `core.summary`): the decision as a table, in words a
 * reader of the workflow run understands without opening the check runs.
 */
const ICONS: Record<Conclusion, string> = { success: "✅", failure: "❌", neutral: "⚪" };

/** The job summary of a merge group's checks. */
export function mergeGroupSummary(repository: string, headSha: string, numbers: readonly number[], checks: readonly RenderedCheck[]): string {
  const lines = [
    `### changegate · ${repository} merge group`,
    "",
    `Evaluated the merge group \`${headSha.slice(0, 7)}\` (${numbers.length === 0 ? "no pull request found in it" : numbers.map((number) => `#${number}`).join(", ")}) and published the three check runs.`,
    "",
    "| Check | Result | Title |",
    "|---|---|---|",
    ...checks.map((check) => `| \`${check.name}\` | ${ICONS[check.conclusion]} ${check.conclusion} | ${cell(check.title)} |`),
  ];
  return lines.join("\n") + "\n";
}

export function checkSummary(target: { repository: string; number: number; headSha: string }, checks: readonly RenderedCheck[]): string {
  const lines = [
    `### changegate · ${target.repository}#${target.number}`,
    "",
    `Evaluated head \`${target.headSha.slice(0, 7)}\` and published the three check runs.`,
    "",
    "| Check | Result | Title |",
    "|---|---|---|",
    ...checks.map((check) => `| \`${check.name}\` | ${ICONS[check.conclusion]} ${check.conclusion} | ${cell(check.title)} |`),
  ];
  return lines.join("\n") + "\n";
}

export interface RecheckRow {
  number: number;
  title: string;
  /** Null when it was not re-evaluated (its decision cannot have changed). */
  checks: readonly RenderedCheck[] | null;
  note: string;
}

export function recheckSummary(repository: string, rows: readonly RecheckRow[]): string {
  const evaluated = rows.filter((row) => row.checks !== null).length;
  const lines = [
    `### changegate · re-evaluated open pull requests of ${repository}`,
    "",
    rows.length === 0
      ? "No open pull requests."
      : `${evaluated} of ${plural(rows.length, "open pull request")} re-evaluated; the others' decisions cannot have changed since they were published.`,
  ];
  if (rows.length > 0) {
    lines.push("", "| PR | Risk | Schedule | Approvals | Note |", "|---|---|---|---|---|");
    for (const row of rows) {
      const cells = row.checks === null ? ["", "", ""] : row.checks.map((check) => `${ICONS[check.conclusion]} ${cell(check.title)}`);
      lines.push(`| #${row.number} ${cell(row.title)} | ${cells.join(" | ")} | ${cell(row.note)} |`);
    }
  }
  return lines.join("\n") + "\n";
}

export function gateSummary(decision: GateDecision, zone: string, extra: readonly string[] = []): string {
  const at = (instant: number) => formatInstant(instant, zone);
  const verdict = decision.allowed
    ? decision.wouldAllow
      ? "✅ **May deploy now.**"
      : "⚪ **Report only: would block.** The policy sets `enforcement: report`, so the step passes."
    : "❌ **Blocked.**";
  const basis =
    decision.basis.kind === "since-deployment"
      ? `Weighed what was merged since the last successful deployment to \`${decision.environment}\` (\`${decision.basis.sha.slice(0, 7)}\`).`
      : `No earlier successful deployment to \`${decision.environment}\` to compare with: weighed the pull request that brought this commit.`;
  const lines = [
    `### changegate gate · \`${decision.environment}\` · \`${decision.sha.slice(0, 7)}\``,
    "",
    `${verdict} ${cell(gateReason(decision, zone))}`,
    "",
    `${basis} Evaluated at ${at(decision.at)}.`,
  ];
  if (decision.items.length > 0) {
    lines.push("", "| Change | Type | Risk (at merge) | Approvals (at merge) | Schedule now |", "|---|---|---|---|---|");
    for (const item of decision.items) {
      const pull = item.pull;
      const name = pull === null ? "commits pushed without a PR" : `#${pull.number} ${cell(pull.title)}`;
      const risk = pull === null ? "" : `${pull.atMerge.risk.score}/16 ${pull.atMerge.risk.effectiveTier}`;
      const approvals = pull === null ? (item.approved ? "✅ direct pushes allowed" : "❌ direct pushes not allowed") : item.approved ? "✅ satisfied" : pull.atMerge.approvals === null ? "❌ no valid change request" : "❌ not satisfied";
      const schedule = item.schedule === null ? "" : !item.schedule.gated ? "⚪ not gated" : item.schedule.allowed ? "✅ open" : `❌ ${item.schedule.opensAt === null ? "closed" : `opens ${at(item.schedule.opensAt)}`}`;
      lines.push(`| ${name} | ${item.type ?? "?"} | ${risk} | ${approvals} | ${schedule} |`);
    }
  }
  if (decision.blockers.length > 0) {
    lines.push("", "**What blocks:**", "", ...decision.blockers.map((blocker) => `- ${cell(describeGateBlocker(blocker, zone))}`));
  }
  if (decision.opensAt !== null) lines.push("", `**Next allowed:** ${at(decision.opensAt)} (\`${new Date(decision.opensAt).toISOString()}\`).`);
  else if (decision.closesAt !== null) lines.push("", `The schedule closes at ${at(decision.closesAt)}.`);
  if (extra.length > 0) lines.push("", ...extra);
  return lines.join("\n") + "\n";
}

/** Text for a markdown table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}
