import { attachCalendar, noCalendarInputs, type CalendarInputs } from "../../src/calendar/build.js";
import type { Policy } from "../../src/engine/policy.js";
import { formatProblem, type Problem } from "../../src/engine/problems.js";
import { evaluateSchedule, type ScheduleDecision, type ScheduleInput } from "../../src/engine/schedule.js";
import { policyFrom } from "../support/policy.js";

/** A policy from YAML with its calendar attached (the test's policy must be valid). */
export async function calendarPolicy(text: string, inputs: Partial<CalendarInputs> = {}): Promise<Policy> {
  const result = await attachCalendar(policyFrom(text), { ...noCalendarInputs(), ...inputs });
  if (!result.ok) throw new Error(`test calendar is invalid:\n${result.problems.map(formatProblem).join("\n")}`);
  return result.policy;
}

/** The calendar's problems for a policy (which must parse). */
export async function calendarProblems(text: string, inputs: Partial<CalendarInputs> = {}): Promise<Problem[]> {
  const result = await attachCalendar(policyFrom(text), { ...noCalendarInputs(), ...inputs });
  return result.ok ? [] : result.problems;
}

export function scheduleAt(policy: Policy, at: string | number, overrides: Partial<ScheduleInput> = {}): ScheduleDecision {
  return evaluateSchedule({
    policy,
    type: "normal",
    environment: "production",
    services: [],
    labels: [],
    approvers: [],
    at: typeof at === "number" ? at : Date.parse(at),
    ...overrides,
  });
}

export const iso = (instant: number | null | undefined) => (instant == null ? null : new Date(instant).toISOString());
