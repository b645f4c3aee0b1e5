/** Whether dist/ is at least as new as every source it is built from. */
export function isBuildCurrent(): boolean;
/** Builds dist/ when a source is newer than the built command line; true when it built. */
export function ensureBuilt(): boolean;
