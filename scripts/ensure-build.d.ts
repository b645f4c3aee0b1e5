/** Builds dist/ when a source is newer than the built command line; true when it built. */
export function ensureBuilt(): boolean;
