import { json, notFound, paginate, type RouteContext, type Routes } from "../http.js";
import { Renderer } from "../render.js";
import type { Team } from "../state.js";

/** Organisation teams: listing, members (active ones only, as GitHub) and memberships (active or pending). */

function teamOf(context: RouteContext): Team {
  const team = context.state.teams.get(`${context.params["org"]}/${context.params["team_slug"]}`.toLowerCase());
  if (team === undefined) throw notFound();
  return team;
}

export const teamRoutes: Routes = {
  "GET /orgs/{org}/teams": (context) => {
    const org = (context.params["org"] ?? "").toLowerCase();
    const render = new Renderer(context.state, context.api);
    const teams = [...context.state.teams.values()].filter((team) => team.org.login.toLowerCase() === org);
    if (teams.length === 0 && context.state.findUser(org)?.type !== "Organization") throw notFound();
    const page = paginate(context, teams);
    return json(
      200,
      page.items.map((team) => render.team(team)),
      page.headers,
    );
  },

  "GET /orgs/{org}/teams/{team_slug}": (context) => json(200, new Renderer(context.state, context.api).team(teamOf(context))),

  "GET /orgs/{org}/teams/{team_slug}/members": (context) => {
    const team = teamOf(context);
    const role = context.query.get("role") ?? "all";
    const render = new Renderer(context.state, context.api);
    const members = [...team.members.values()].filter((member) => member.state === "active" && (role === "all" || member.role === role));
    const page = paginate(context, members);
    return json(
      200,
      page.items.map((member) => render.user(member.user)),
      page.headers,
    );
  },

  "GET /orgs/{org}/teams/{team_slug}/memberships/{username}": (context) => {
    const team = teamOf(context);
    const member = team.members.get((context.params["username"] ?? "").toLowerCase());
    if (member === undefined) throw notFound();
    return json(200, new Renderer(context.state, context.api).membership(team, member));
  },
};
