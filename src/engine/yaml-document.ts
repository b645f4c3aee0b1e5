import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import type { Problem, ProblemSource } from "./problems.js";

/** Aliases a document may expand: ample for real config, fatal for a billion-laughs block. */
const MAX_ALIAS_COUNT = 100;
/** Levels of nesting a document may have: real config needs a handful; far deeper exhausts the parser's stack. */
export const MAX_NESTING_DEPTH = 64;
const TOO_DEEP = `nested too deeply (more than ${MAX_NESTING_DEPTH} levels of mappings and lists)`;

export interface Position {
  line: number;
  column: number;
}

/**
 * A parsed YAML text that remembers where each value came from, so validation errors can
 * name the line and column in the original source (a policy file, or a PR description
 * when the text is a block embedded in it).
 */
export interface YamlText {
  value: unknown;
  /** Position of the value at `path`, or of its nearest existing ancestor. */
  locate(path: readonly PropertyKey[]): Position | null;
  /** Position of the key `key` inside the mapping at `path` (for unknown-key errors). */
  locateKey(path: readonly PropertyKey[], key: string): Position | null;
}

export interface YamlOrigin {
  source: ProblemSource;
  file: string;
  /** Lines before the text in its file (a block inside a PR description). */
  lineOffset?: number;
  /** Columns before the text on every line (an indented fenced block). */
  columnOffset?: number;
}

export type YamlParse = { ok: true; text: YamlText } | { ok: false; problems: Problem[] };

export function parseYaml(source: string, origin: YamlOrigin): YamlParse {
  const lineCounter = new LineCounter();
  const lineOffset = origin.lineOffset ?? 0;
  const columnOffset = origin.columnOffset ?? 0;
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: line + lineOffset, column: col + columnOffset };
  };
  const problem = (offset: number | null, message: string, suggestion?: string): Problem => {
    const at = offset === null ? null : position(offset);
    return {
      source: origin.source,
      file: origin.file,
      path: "",
      line: at?.line ?? null,
      column: at?.column ?? null,
      message,
      ...(suggestion === undefined ? {} : { suggestion }),
    };
  };

  // YAML 1.2 core schema: `no`/`on` stay strings; duplicate keys are errors. The library's
  // own logging off: whatever matters reaches the user as a problem, not on stderr.
  let document: ReturnType<typeof parseDocument>;
  try {
    document = parseDocument(source, {
      lineCounter,
      logLevel: "error",
      version: "1.2",
      schema: "core",
      uniqueKeys: true,
      prettyErrors: false,
    });
  } catch (error) {
    if (error instanceof RangeError) return { ok: false, problems: [problem(0, TOO_DEEP, "flatten the structure: changegate's files need only a few levels")] };
    throw error;
  }
  // The parser recurses per level: a document nested thousands deep ends its stack. One problem says so.
  const overflow = document.errors.find((error) => /call stack/i.test(error.message));
  if (overflow !== undefined) return { ok: false, problems: [problem(overflow.pos[0], TOO_DEEP, "flatten the structure: changegate's files need only a few levels")] };
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) =>
        problem(error.pos[0], describeYamlError(error.code, error.message), suggestionForYamlError(error.code)),
      ),
    };
  }

  const deep = deepestNode(document.contents);
  if (deep !== null) return { ok: false, problems: [problem(deep.range?.[0] ?? 0, TOO_DEEP, "flatten the structure: changegate's files need only a few levels")] };

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // The yaml library throws only for alias resource exhaustion (and unresolvable aliases).
    const message = error instanceof Error && /alias/i.test(error.message)
      ? `too many alias expansions (more than ${MAX_ALIAS_COUNT}): this looks like a YAML "billion laughs" block`
      : "the YAML could not be turned into data";
    return { ok: false, problems: [problem(0, message, "write the values out instead of using anchors and aliases")] };
  }

  const nodeAt = (path: readonly PropertyKey[]): Node | null => {
    let current: unknown = document.contents;
    let found: Node | null = isNodeLike(current) ? current : null;
    for (const segment of path) {
      const next = childOf(current, segment);
      if (next === undefined) break;
      current = next;
      if (isNodeLike(next)) found = next;
    }
    return found;
  };

  return {
    ok: true,
    text: {
      value,
      locate(path) {
        const node = nodeAt(path);
        return node?.range ? position(node.range[0]) : null;
      },
      locateKey(path, key) {
        const node = nodeAt(path);
        if (node && isMap(node)) {
          for (const pair of node.items) {
            if (isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) {
              return position(pair.key.range[0]);
            }
          }
        }
        return node?.range ? position(node.range[0]) : null;
      },
    },
  };
}

/** The first node nested past MAX_NESTING_DEPTH, found without recursion (so without a stack to exhaust); null when none. */
function deepestNode(root: unknown): Node | null {
  const pending: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }];
  while (pending.length > 0) {
    const { node, depth } = pending.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth >= MAX_NESTING_DEPTH) return node;
    for (const item of node.items) {
      if (isPair(item)) pending.push({ node: item.value, depth: depth + 1 }, { node: item.key, depth: depth + 1 });
      else pending.push({ node: item, depth: depth + 1 });
    }
  }
  return null;
}

function isNodeLike(value: unknown): value is Node {
  return typeof value === "object" && value !== null && "range" in value;
}

function childOf(node: unknown, segment: PropertyKey): unknown {
  if (isMap(node)) {
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
    return pair?.value ?? undefined;
  }
  if (isSeq(node) && typeof segment === "number") return node.items[segment];
  return undefined;
}

function describeYamlError(code: string, message: string): string {
  const firstLine = message.split("\n")[0] ?? message;
  switch (code) {
    case "DUPLICATE_KEY":
      return "duplicate key: a key may appear only once in a mapping";
    case "TAB_AS_INDENT":
      return "tab used for indentation: YAML indents with spaces";
    default:
      return firstLine.replace(/ at line \d+, column \d+:?$/, "");
  }
}

function suggestionForYamlError(code: string): string | undefined {
  switch (code) {
    case "DUPLICATE_KEY":
      return "remove or rename one of them";
    case "TAB_AS_INDENT":
      return "replace the tabs with spaces";
    case "BAD_INDENT":
    case "MISSING_CHAR":
      return "check the indentation of this line and the one above";
    default:
      return undefined;
  }
}

