// A merge group's three checks, from the checks of the pull requests it holds.
import { annotationKey } from "../github/check-runs.js";
import { CHECK_NAMES, fitBytes, MAX_OUTPUT_BYTES, MAX_TITLE_CHARS, type CheckName, type Conclusion, type RenderedCheck } from "./checks.js";
import { plural, truncate } from "./text.js";

export interface GroupMember {
  number: number;
  title: string;
  checks: readonly RenderedCheck[];
}

/** The group's three checks from its pull requests' checks: the worst conclusion of each, saying which pull request decided it. */
export function combineGroupChecks(members: readonly GroupMember[]): [RenderedCheck, RenderedCheck, RenderedCheck] {
  const names: CheckName[] = [CHECK_NAMES.risk, CHECK_NAMES.schedule, CHECK_NAMES.approvals];
  return names.map((name) => combineOne(name, members)) as [RenderedCheck, RenderedCheck, RenderedCheck];
}

const RANK: Record<Conclusion, number> = { failure: 2, neutral: 1, success: 0 };

function combineOne(name: CheckName, members: readonly GroupMember[]): RenderedCheck {
  if (members.length === 0) {
    return { name, conclusion: "failure", title: "No pull request found in this merge group", summary: "changegate could not tell which pull requests this merge group holds, so it fails closed.", annotations: [], enforcedConclusion: "failure" };
  }
  const rows = members.map((member) => ({ member, check: member.checks.find((check) => check.name === name)! }));
  const worst = rows.reduce((a, b) => (RANK[b.check.conclusion] > RANK[a.check.conclusion] ? b : a));
  const enforced = rows.reduce((a, b) => (RANK[b.check.enforcedConclusion] > RANK[a.check.enforcedConclusion] ? b : a)).check.enforcedConclusion;
  const deciding = rows.filter((row) => row.check.conclusion === worst.check.conclusion);
  const title =
    members.length === 1
      ? worst.check.title
      : `#${worst.member.number}: ${worst.check.title}${deciding.length > 1 ? ` (and ${deciding.length - 1} more)` : ""}`;
  const summary = [
    `Merge group of ${plural(members.length, "pull request")}: it passes when each passes.`,
    "",
    "| Pull request | Conclusion | |",
    "|---|---|---|",
    ...rows.map((row) => `| #${row.member.number} ${row.member.title.replace(/[|\n]/g, " ")} | ${row.check.conclusion} | ${row.check.title.replace(/[|\n]/g, " ")} |`),
    "",
    `#### #${worst.member.number}`,
    "",
    worst.check.summary,
  ].join("\n");
  const seen = new Set<string>();
  const annotations = rows
    .flatMap((row) => row.check.annotations)
    .filter((annotation) => {
      const key = annotationKey(annotation);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return { name, conclusion: worst.check.conclusion, title: truncate(title, MAX_TITLE_CHARS), summary: fitBytes(summary, MAX_OUTPUT_BYTES), annotations, enforcedConclusion: enforced };
}
