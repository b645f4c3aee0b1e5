import type { ChangegateService } from "../service.js";
import type { HandlerContext } from "./delivery.js";

/** A new installation, or one that gained repositories: its open pull requests get their checks without waiting for an event. */
export const INSTALLATION_EVENTS = ["installation.created", "installation_repositories.added"] as const;

export function onInstallation(service: ChangegateService, context: HandlerContext<(typeof INSTALLATION_EVENTS)[number]>): void {
  void service.reconcileInstallation(context.payload.installation.id);
}
