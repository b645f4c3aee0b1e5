import type { Deployment, FakeState } from "./state.js";

/**
 * Custom deployment protection rules as GitHub runs them: a workflow job that targets an
 * environment with the App's rule enabled creates a deployment and waits; GitHub sends
 * `deployment_protection_rule` and holds the job until the App answers through
 * `POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule`. While it
 * waits, `GET .../actions/runs/{run_id}/pending_deployments` lists the environment.
 *
 * Kept beside the fake's state (not in it) so the state file stays about repositories.
 * Every answer is kept, so that a test sees a second one; only the first decides.
 */
export interface ProtectionAnswer {
  state: "approved" | "rejected" | null;
  comment: string;
  installationId: number | null;
  at: string;
}

export interface ProtectionGate {
  owner: string;
  repo: string;
  runId: number;
  environment: string;
  environmentId: number;
  deployment: Deployment;
  /** The triggering event ("push", "workflow_dispatch"...). */
  event: string;
  state: "waiting" | "approved" | "rejected";
  answers: ProtectionAnswer[];
}

const gates = new WeakMap<FakeState, ProtectionGate[]>();

export function protectionGates(state: FakeState): ProtectionGate[] {
  let list = gates.get(state);
  if (list === undefined) gates.set(state, (list = []));
  return list;
}

/** A workflow run's job asks to deploy `sha` to `environment`: the deployment is created and waits for the App. */
export function requestDeployment(
  state: FakeState,
  target: { owner: string; repo: string; sha: string; environment?: string; ref?: string; event?: string; runId?: number },
): ProtectionGate {
  const environment = target.environment ?? "production";
  const deployment = state.addDeployment(target.owner, target.repo, { sha: target.sha, ref: target.ref ?? "main", environment, creator: "github-actions[bot]" });
  const existing = protectionGates(state).find((gate) => gate.owner === target.owner && gate.repo === target.repo && gate.environment === environment);
  const gate: ProtectionGate = {
    owner: target.owner,
    repo: target.repo,
    runId: target.runId ?? state.nextId(),
    environment,
    environmentId: existing?.environmentId ?? state.nextId(),
    deployment,
    event: target.event ?? "push",
    state: "waiting",
    answers: [],
  };
  protectionGates(state).push(gate);
  return gate;
}

export function findGate(state: FakeState, owner: string, repo: string, runId: number, environment?: string): ProtectionGate[] {
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  return protectionGates(state).filter((gate) => same(gate.owner, owner) && same(gate.repo, repo) && gate.runId === runId && (environment === undefined || gate.environment === environment));
}
