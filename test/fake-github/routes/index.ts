import type { Routes } from "../http.js";
import { appRoutes } from "./app.js";
import { checkRoutes } from "./checks.js";
import { deploymentRoutes } from "./deployments.js";
import { gitRoutes } from "./git.js";
import { issueRoutes } from "./issues.js";
import { protectionRuleRoutes } from "./protection-rules.js";
import { pullRoutes } from "./pulls.js";
import { releaseRoutes } from "./releases.js";
import { repoRoutes } from "./repos.js";
import { teamRoutes } from "./teams.js";
import { archiveRoutes } from "../archive.js";
import { userRoutes } from "../oauth.js";

export { JWT_ROUTES, TOKEN_ROUTE } from "./app.js";

/** Every route the fake implements, by "METHOD /template" as GitHub's OpenAPI description names it. */
export const ROUTES: Routes = {
  ...appRoutes,
  ...repoRoutes,
  ...gitRoutes,
  ...pullRoutes,
  ...checkRoutes,
  ...issueRoutes,
  ...teamRoutes,
  ...deploymentRoutes,
  ...protectionRuleRoutes,
  ...releaseRoutes,
  ...userRoutes,
  ...archiveRoutes,
};
