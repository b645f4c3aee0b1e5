import type * as z from "zod/mini";
import { formatPath, nearestName, type Problem } from "./problems.js";
import type { YamlOrigin, YamlText } from "./yaml-document.js";

/**
 * Turns zod issues into problems located in the YAML source, with an unknown key
 * suggesting the nearest known one and a bad enum value the nearest allowed one.
 */
export function schemaProblems(
  issues: readonly z.core.$ZodIssue[],
  schema: z.ZodMiniType,
  value: unknown,
  text: YamlText,
  origin: YamlOrigin,
): Problem[] {
  const problems: Problem[] = [];
  for (const issue of flattenUnions(issues)) {
    const path = issue.path;
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, path);
      for (const key of issue.keys) {
        const at = text.locateKey(path, key);
        const nearest = nearestName(key, known);
        problems.push({
          source: origin.source,
          file: origin.file,
          path: formatPath([...path, key]),
          line: at?.line ?? null,
          column: at?.column ?? null,
          message: `unknown key "${key}"`,
          suggestion: nearest !== undefined
            ? `did you mean "${nearest}"?`
            : known.length > 0 ? `expected one of: ${known.join(", ")}` : undefined,
        });
      }
      continue;
    }
    const at = text.locate(path);
    const { message, suggestion } = describeIssue(issue, valueAt(value, path));
    problems.push({
      source: origin.source,
      file: origin.file,
      path: formatPath(path),
      line: at?.line ?? null,
      column: at?.column ?? null,
      message,
      ...(suggestion === undefined ? {} : { suggestion }),
    });
  }
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/**
 * A union's issue is replaced by the issues of the branch the value was meant for (the
 * one that failed below the root); when every branch failed at the root, by one issue
 * listing what the branches accept.
 */
function flattenUnions(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const out: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    if (issue.code !== "invalid_union" || issue.errors.length === 0) {
      out.push(issue);
      continue;
    }
    const deeper = issue.errors.find((branch) => branch.length > 0 && branch.every((nested) => nested.path.length > 0));
    if (deeper) {
      out.push(...flattenUnions(deeper.map((nested) => ({ ...nested, path: [...issue.path, ...nested.path] }))));
      continue;
    }
    const values: unknown[] = [];
    const kinds: string[] = [];
    for (const nested of issue.errors.flat()) {
      if (nested.code === "invalid_value") values.push(...nested.values);
      else if (nested.code === "invalid_type") kinds.push(nested.expected);
    }
    out.push({ ...issue, code: "invalid_value", values: values as never, message: kinds.join("|") } as z.core.$ZodIssue);
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue, actual: unknown): { message: string; suggestion?: string } {
  switch (issue.code) {
    case "invalid_type":
      if (actual === undefined) return { message: `required, expected ${article(issue.expected)}` };
      return {
        message: `expected ${article(issue.expected)}, got ${describeValue(actual)}`,
        ...(issue.expected === "string" && (typeof actual === "number" || typeof actual === "boolean")
          ? { suggestion: `put the value in quotes: "${String(actual)}"` }
          : {}),
      };
    case "invalid_value": {
      const allowed = issue.values.map((value) => JSON.stringify(value));
      // A flattened union carries the other branches' expected types in its message.
      const kinds = issue.message.split("|").filter((kind) => /^[a-z]+$/.test(kind)).map(article);
      // A missing key says so, and lists what it takes as a reader would write it.
      if (actual === undefined) return { message: `required: ${oneOf([...issue.values.map(String), ...kinds])}` };
      const nearest = typeof actual === "string" ? nearestName(actual, issue.values.map(String)) : undefined;
      return {
        message: `expected ${oneOf([...allowed, ...kinds])}, got ${describeValue(actual)}`,
        ...(nearest === undefined ? {} : { suggestion: `did you mean "${nearest}"?` }),
      };
    }
    case "too_small":
    case "too_big": {
      const bound = String(issue.code === "too_small" ? issue.minimum : issue.maximum);
      const side = issue.code === "too_small" ? "at least" : "at most";
      if (issue.origin === "number" || issue.origin === "int") return { message: `expected ${side} ${bound}, got ${describeValue(actual)}` };
      if (issue.origin === "array") return { message: `expected ${side} ${bound} item${bound === "1" ? "" : "s"}, got ${Array.isArray(actual) ? actual.length : describeValue(actual)}` };
      if (issue.origin === "string") return { message: bound === "1" && side === "at least" ? "must not be empty" : `expected ${side} ${bound} characters` };
      return { message: issue.message };
    }
    case "invalid_union":
      return { message: issue.message.startsWith("Invalid input") ? `unexpected value ${describeValue(actual)}` : issue.message };
    default:
      return { message: issue.message };
  }
}

function oneOf(options: readonly string[]): string {
  if (options.length <= 2) return options.join(" or ");
  return `one of ${options.join(", ")}`;
}

function article(type: string): string {
  switch (type) {
    case "array":
      return "a list";
    case "object":
      return "a mapping";
    case "int":
      return "a whole number";
    default:
      return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}

/** The value at a path of plain data (own keys only), or undefined. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** The keys an object schema at `path` knows, walking through optional, default, array and record. */
export function knownKeysAt(schema: z.ZodMiniType, path: readonly PropertyKey[]): string[] {
  let current: z.core.$ZodType | undefined = schema;
  const segments = [...path];
  while (current !== undefined) {
    const def: z.core.$ZodTypeDef & Record<string, unknown> = current._zod.def as never;
    switch (def.type) {
      case "optional":
      case "nullable":
      case "default":
      case "prefault":
      case "readonly":
      case "nonoptional":
      case "catch":
        current = def["innerType"] as z.core.$ZodType;
        continue;
      case "pipe":
        current = def["in"] as z.core.$ZodType;
        continue;
      case "union": {
        const options = def["options"] as z.core.$ZodType[];
        current = options.find((option) => option._zod.def.type === "object" || option._zod.def.type === "array") ?? options[0];
        continue;
      }
      case "object": {
        const shape = def["shape"] as Record<string, z.core.$ZodType>;
        if (segments.length === 0) return Object.keys(shape);
        current = shape[String(segments.shift())];
        continue;
      }
      case "array":
        if (segments.length === 0) return [];
        segments.shift();
        current = def["element"] as z.core.$ZodType;
        continue;
      case "record":
        if (segments.length === 0) return [];
        segments.shift();
        current = def["valueType"] as z.core.$ZodType;
        continue;
      default:
        return [];
    }
  }
  return [];
}
