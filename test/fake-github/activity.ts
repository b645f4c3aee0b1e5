import { json, paginate, repoOf, type Routes } from "./http.js";
import { Renderer } from "./render.js";
import { ROUTES } from "./routes/index.js";
import type { FakeState } from "./state.js";

/**
 * `GET /repos/{owner}/{repo}/activity` (who pushed what), added beside the fake by the App's
 * tests: GitHub's rule that the last pusher's approval does not count needs it. Pushes are
 * recorded by the tests (`recordPush`), newest first in the answer.
 */
export interface Push {
  ref: string;
  before: string;
  after: string;
  actor: string;
  type?: "push" | "force_push";
}

const pushes = new WeakMap<FakeState, Map<string, (Push & { id: number; at: string })[]>>();

export function recordPush(state: FakeState, owner: string, repo: string, push: Push): void {
  const byRepo = pushes.get(state) ?? new Map();
  pushes.set(state, byRepo);
  const key = `${owner}/${repo}`.toLowerCase();
  const ref = push.ref.startsWith("refs/") ? push.ref : `refs/heads/${push.ref}`;
  byRepo.set(key, [...(byRepo.get(key) ?? []), { ...push, ref, id: state.nextId(), at: state.now() }]);
}

export const activityRoutes: Routes = {
  "GET /repos/{owner}/{repo}/activity": (context) => {
    const repo = repoOf(context);
    const render = new Renderer(context.state, context.api);
    const wanted = context.query.get("ref");
    const ref = wanted === null ? null : wanted.startsWith("refs/") ? wanted : `refs/heads/${wanted}`;
    const type = context.query.get("activity_type");
    const actor = context.query.get("actor");
    const list = [...(pushes.get(context.state)?.get(repo.fullName.toLowerCase()) ?? [])]
      .reverse()
      .filter((push) => (ref === null || push.ref === ref) && (type === null || (push.type ?? "push") === type) && (actor === null || push.actor.toLowerCase() === actor.toLowerCase()));
    const page = paginate(context, list);
    return json(
      200,
      page.items.map((push) => ({
        id: push.id,
        node_id: `RA_${push.id}`,
        before: push.before,
        after: push.after,
        ref: push.ref,
        timestamp: push.at,
        activity_type: push.type ?? "push",
        actor: render.user(context.state.user(push.actor)),
      })),
      page.headers,
    );
  },
};

/** Adds the routes to the fake's table (idempotent). */
export function installActivityRoutes(): void {
  Object.assign(ROUTES, activityRoutes);
}
installActivityRoutes();
