import picomatch from "picomatch";

/** A changed file as GitHub lists it; a rename carries its old name too. */
export interface ChangedFile {
  path: string;
  previousPath?: string | undefined;
}

export interface ChangedFiles {
  files: readonly ChangedFile[];
  /** False when GitHub could not list them all (it stops at 3,000): every path rule then matches. */
  complete: boolean;
}

export type PathMatcher = (path: string) => boolean;

// Policies are parsed once and evaluated many times: compile each pattern list once.
const compiled = new WeakMap<readonly string[], PathMatcher>();

/** A matcher for glob patterns; dotfiles match like any other file. */
export function pathMatcher(patterns: readonly string[]): PathMatcher {
  let matcher = compiled.get(patterns);
  if (matcher === undefined) {
    if (patterns.length === 0) matcher = () => false;
    else {
      const expressions = patterns.map((pattern) => picomatch.makeRe(pattern, { dot: true }).source);
      const combined = new RegExp(expressions.map((source) => `(?:${source})`).join("|"));
      matcher = (path) => combined.test(path);
    }
    compiled.set(patterns, matcher);
  }
  return matcher;
}

const touched = new WeakMap<ChangedFiles, string[]>();

/** Every name a change touches: each path, and the old name of each rename (once per list). */
export function touchedPaths(changed: ChangedFiles): readonly string[] {
  let names = touched.get(changed);
  if (names === undefined) {
    names = [];
    for (const file of changed.files) {
      names.push(file.path);
      if (file.previousPath !== undefined && file.previousPath !== file.path) names.push(file.previousPath);
    }
    touched.set(changed, names);
  }
  return names;
}

/** The touched names that match, up to `limit` of them (for reasons shown to people). */
export function matchingPaths(paths: readonly string[], matcher: PathMatcher, limit = Infinity): string[] {
  const out: string[] = [];
  for (const path of paths) {
    if (matcher(path)) {
      out.push(path);
      if (out.length >= limit) break;
    }
  }
  return out;
}
