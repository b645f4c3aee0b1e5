/**
 * A problem is an error as a value: what is wrong, where (field path, line and column in
 * its own source) and, where one helps, a suggestion. Only the edges (CLI, check runs,
 * Action annotations) turn problems into text.
 */
export type ProblemSource = "change-request" | "policy" | "input";

export interface Problem {
  source: ProblemSource;
  /** The file the line refers to: the policy's path, or "PR description". */
  file: string;
  /** Dotted field path, e.g. `change_request.type` or `freezes[0].end`; "" for the whole. */
  path: string;
  /** 1-based line in `file`, when known. */
  line: number | null;
  /** 1-based column in `file`, when known. */
  column: number | null;
  message: string;
  suggestion?: string;
}

export function formatPath(segments: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** One line, e.g. `.github/changegate.yml:12:3: freezes[0].end: ... (did you mean "start"?)`. */
export function formatProblem(problem: Problem): string {
  const where = problem.line === null ? problem.file : `${problem.file}:${problem.line}:${problem.column ?? 1}`;
  const field = problem.path === "" ? "" : `${problem.path}: `;
  const hint = problem.suggestion === undefined ? "" : ` (${problem.suggestion})`;
  return `${where}: ${field}${problem.message}${hint}`;
}

/** The first problem, and how many more there are: one line for a usage error. */
export function summarizeProblems(problems: readonly Problem[]): string {
  const first = formatProblem(problems[0]!);
  return problems.length === 1 ? first : `${first} (and ${problems.length - 1} more)`;
}

/** Levenshtein distance, small inputs only (keys and zone names). */
function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/** The candidate closest to `word`, when it is close enough to be a plausible typo. */
export function nearestName(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const tolerance = Math.max(2, Math.floor(Math.max(word.length, best.length) / 3));
  return bestDistance <= tolerance ? best : undefined;
}
