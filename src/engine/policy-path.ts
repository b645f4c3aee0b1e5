/**
 * Where a repository keeps its policy. A module of its own so that code which only reads
 * the file (the Action's first requests) does not load the schemas with it.
 */
export const POLICY_PATH = ".github/changegate.yml";
