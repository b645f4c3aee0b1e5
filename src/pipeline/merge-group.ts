import type { Policy } from "../engine/policy.js";
import { renderChecks, type RenderedCheck } from "../report/checks.js";
import { combineGroupChecks, type GroupMember } from "../report/merge-group.js";
import { gatherAndEvaluate, type GatherOptions } from "./gather.js";
import type { PullRequestFields, PullRequestReader } from "./reader.js";

/**
 * A merge queue's group (SPEC §9), the same way in the App and the Action: each pull
 * request in it (`numbers`, read by the door's `readPull`) is gathered through the reader
 * and judged by `policy`, the policy of the branch the group merges into; the group's head
 * gets the three checks, each the worst of its pull requests'.
 */
export async function mergeGroupChecks(
  reader: PullRequestReader,
  readPull: (number: number) => Promise<PullRequestFields>,
  numbers: readonly number[],
  policy: Policy,
  options: GatherOptions,
): Promise<RenderedCheck[]> {
  const members: GroupMember[] = [];
  for (const number of numbers) {
    const pull = await readPull(number);
    const { decision } = await gatherAndEvaluate(reader, pull, policy, options);
    members.push({ number, title: pull.title, checks: renderChecks(decision, { timezone: policy.timezone }) });
  }
  return combineGroupChecks(members);
}
