import { parsePolicy, type Policy } from "../../src/engine/policy.js";
import { formatProblem } from "../../src/engine/problems.js";

/** A validated policy from YAML text; a test's policy must be valid, so problems throw. */
export function policyFrom(text: string): Policy {
  const result = parsePolicy({ file: ".github/changegate.yml", text });
  if (!result.ok) throw new Error(`test policy is invalid:\n${result.problems.map(formatProblem).join("\n")}`);
  return result.policy;
}
