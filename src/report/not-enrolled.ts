import { POLICY_PATH } from "../engine/policy-path.js";
import type { CheckName, RenderedCheck } from "./checks.js";

/** The checks a branch without a policy leaves on a head that had changegate's runs (from when it had one): neutral, saying why. */
export function renderNotEnrolled(baseRef: string, names: readonly CheckName[]): RenderedCheck[] {
  const title = `Not enrolled: ${baseRef} has no ${POLICY_PATH}`;
  const summary = `The base branch \`${baseRef}\` has no changegate policy, so changegate does not gate this pull request.`;
  return names.map((name) => ({ name, conclusion: "neutral", title, summary, annotations: [], enforcedConclusion: "neutral" }));
}
