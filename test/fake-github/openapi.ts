import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv8";
import { fullFormats } from "ajv-formats/dist/formats.js";
import type { ValidationIssue } from "./http.js";

/**
 * GitHub's OpenAPI description (`@octokit/openapi`, api.github.com, dereferenced): loaded
 * once per process on first use and shared by every fake server; a route table built from
 * its `paths`; request (and optionally response) validators compiled per operation on
 * first use and cached.
 */

type Schema = Record<string, unknown>;

interface RawParameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: Schema;
}

interface RawOperation {
  operationId?: string;
  parameters?: RawParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

interface Spec {
  paths: Record<string, Record<string, RawOperation>>;
}

export interface Operation {
  method: string;
  template: string;
  /** "METHOD /template": how routes and the request log name it. */
  key: string;
  operationId: string;
  raw: RawOperation;
  pattern: RegExp;
  names: string[];
  /** Sort key: more literal segments first, then fewer parameters. */
  rank: [number, number, number];
}

export interface RouteMatch {
  operation: Operation;
  params: Record<string, string>;
}

export interface OpenApi {
  /** The operation for a method and a raw (still percent-encoded) path, or undefined. */
  match(method: string, rawPath: string): RouteMatch | undefined;
  /** Schema problems of a request, as GitHub's "Validation Failed" errors. */
  validateRequest(operation: Operation, params: Record<string, string>, query: URLSearchParams, body: unknown): ValidationIssue[];
  /** Problems of an answer against the operation's response schema (for the fake's own tests). */
  validateResponse(operation: Operation, status: number, body: unknown): string[];
  /** Every operation the description has. */
  operations(): Operation[];
}

const SPEC_MODULE = "@octokit/openapi/generated/api.github.com.deref.json";
const METHODS = ["get", "post", "put", "patch", "delete", "head"];

let loading: Promise<OpenApi> | null = null;

/** GitHub's OpenAPI description, parsed once per process (about half a second) and shared. */
export function loadOpenApi(): Promise<OpenApi> {
  loading ??= (async () => {
    const file = createRequire(import.meta.url).resolve(SPEC_MODULE);
    const spec = JSON.parse(await readFile(file, "utf8")) as Spec;
    return buildOpenApi(spec);
  })();
  return loading;
}

function compileTemplate(template: string, raw: RawOperation): { pattern: RegExp; names: string[]; rank: [number, number, number] } {
  const multi = new Set((raw.parameters ?? []).filter((parameter) => (parameter as { "x-multi-segment"?: boolean })["x-multi-segment"] === true).map((parameter) => parameter.name));
  const names: string[] = [];
  let literalSegments = 0;
  let multiCount = 0;
  const segments = template
    .split("/")
    .slice(1)
    .map((segment) => {
      if (!segment.includes("{")) {
        literalSegments++;
        return segment.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
      }
      return segment
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const name = /^\{([^}]+)\}$/.exec(part)?.[1];
          if (name === undefined) return part.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
          names.push(name);
          if (multi.has(name)) {
            multiCount++;
            return "(.+)";
          }
          return "([^/]+?)";
        })
        .join("");
    });
  return { pattern: new RegExp(`^/${segments.join("/")}/?$`), names, rank: [-literalSegments, multiCount, names.length] };
}

function buildOpenApi(spec: Spec): OpenApi {
  const byMethod = new Map<string, Operation[]>();
  const all: Operation[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const upper = method.toUpperCase();
      const operation: Operation = { method: upper, template, key: `${upper} ${template}`, operationId: raw.operationId ?? `${upper} ${template}`, raw, ...compileTemplate(template, raw) };
      all.push(operation);
      const list = byMethod.get(upper) ?? [];
      list.push(operation);
      byMethod.set(upper, list);
    }
  }
  const compare = (a: Operation, b: Operation) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.rank[2] - b.rank[2];
  for (const list of byMethod.values()) list.sort(compare);

  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true });
  const coercing = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true, coerceTypes: "array" });
  for (const instance of [ajv, coercing]) {
    for (const [name, format] of Object.entries(fullFormats)) instance.addFormat(name, format);
    // GitHub sends and accepts "" for unset URLs (deployment statuses' target_url, log_url...).
    const uri = fullFormats.uri as (value: string) => boolean;
    instance.addFormat("uri", (value: string) => value === "" || uri(value));
    instance.addFormat("repo.nwo", /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/);
  }

  interface Compiled {
    params: ValidateFunction | null;
    query: ValidateFunction | null;
    queryArrays: Set<string>;
    body: ValidateFunction | null;
  }
  const requestValidators = new Map<string, Compiled>();
  const responseValidators = new Map<string, ValidateFunction | null>();

  const compileRequest = (operation: Operation): Compiled => {
    const cached = requestValidators.get(operation.key);
    if (cached !== undefined) return cached;
    const parameters = operation.raw.parameters ?? [];
    const objectSchema = (place: "path" | "query") => {
      const declared = parameters.filter((parameter) => parameter.in === place);
      if (declared.length === 0) return null;
      return coercing.compile({
        type: "object",
        properties: Object.fromEntries(declared.map((parameter) => [parameter.name, toAjvSchema(parameter.schema ?? {})])),
        required: declared.filter((parameter) => parameter.required === true).map((parameter) => parameter.name),
      });
    };
    const bodySchema = operation.raw.requestBody?.content?.["application/json"]?.schema;
    const compiled: Compiled = {
      params: objectSchema("path"),
      query: objectSchema("query"),
      queryArrays: new Set(parameters.filter((parameter) => parameter.in === "query" && parameter.schema?.["type"] === "array").map((parameter) => parameter.name)),
      body: bodySchema === undefined ? null : ajv.compile(toAjvSchema(bodySchema)),
    };
    requestValidators.set(operation.key, compiled);
    return compiled;
  };

  const resource = resourceName;

  return {
    operations: () => all,
    match(method, rawPath) {
      for (const operation of byMethod.get(method.toUpperCase()) ?? []) {
        const found = operation.pattern.exec(rawPath);
        if (found === null) continue;
        const params: Record<string, string> = {};
        let decodable = true;
        operation.names.forEach((name, index) => {
          try {
            params[name] = decodeURIComponent(found[index + 1] ?? "");
          } catch {
            decodable = false;
          }
        });
        if (decodable) return { operation, params };
      }
      return undefined;
    },
    validateRequest(operation, params, query, body) {
      const compiled = compileRequest(operation);
      const issues: ValidationIssue[] = [];
      const name = resource(operation);
      if (compiled.params !== null) {
        const data: Record<string, unknown> = { ...params };
        if (!compiled.params(data)) issues.push(...toIssues(compiled.params.errors ?? [], name));
      }
      if (compiled.query !== null) {
        const data: Record<string, unknown> = {};
        for (const key of new Set(query.keys())) {
          const bare = key.endsWith("[]") ? key.slice(0, -2) : key;
          data[bare] = compiled.queryArrays.has(bare) ? query.getAll(key) : query.get(key);
        }
        if (!compiled.query(data)) issues.push(...toIssues(compiled.query.errors ?? [], name));
      }
      if (compiled.body !== null && !compiled.body(body ?? {})) issues.push(...toIssues(compiled.body.errors ?? [], name));
      return issues;
    },
    validateResponse(operation, status, body) {
      const key = `${operation.key} ${status}`;
      let validate = responseValidators.get(key);
      if (validate === undefined) {
        const schema = operation.raw.responses?.[String(status)]?.content?.["application/json"]?.schema;
        validate = schema === undefined ? null : ajv.compile(toAjvSchema(schema));
        responseValidators.set(key, validate);
      }
      if (validate === null || validate(body)) return [];
      return (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? error.keyword}`);
    },
  };
}

const RESOURCES: Record<string, string> = { checks: "CheckRun", pulls: "PullRequest", issues: "Issue", git: "Git", repos: "Repository", apps: "Integration", teams: "Team" };

function resourceName(operation: Operation): string {
  const prefix = operation.operationId.split("/")[0] ?? "";
  return RESOURCES[prefix] ?? prefix.replace(/(^|-)(\w)/g, (_, _dash: string, letter: string) => letter.toUpperCase());
}

/** Ajv errors as GitHub's `errors` entries; the failing alternatives of an anyOf/oneOf collapse into one. */
function toIssues(errors: ErrorObject[], resource: string): ValidationIssue[] {
  const unions = errors.filter((error) => error.keyword === "anyOf" || error.keyword === "oneOf").map((error) => error.schemaPath);
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    if (unions.some((path) => error.schemaPath.startsWith(`${path}/`))) continue;
    const base = error.instancePath.split("/").slice(1).map(unescapePointer).join(".");
    const join = (name: string) => (base === "" ? name : `${base}.${name}`);
    const params = error.params as Record<string, unknown>;
    if (error.keyword === "required") {
      const missing = String(params["missingProperty"]);
      issues.push({ resource, field: join(missing), code: "missing_field", message: `"${join(missing)}" wasn't supplied.` });
      continue;
    }
    const field = base === "" ? "(body)" : base;
    const detail =
      error.keyword === "enum" ? `must be one of: ${(params["allowedValues"] as unknown[]).map((value) => JSON.stringify(value)).join(", ")}` : (error.message ?? error.keyword);
    issues.push({ resource, field, code: "invalid", message: `"${field}" ${detail}.` });
  }
  return issues;
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}

const DROPPED = new Set(["example", "examples", "xml", "externalDocs", "discriminator", "deprecated"]);
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "definitions", "$defs"]);

/**
 * An OpenAPI 3.0 schema as Ajv (JSON Schema draft 7) understands it: annotations and
 * vendor extensions dropped; `nullable: true` also admits null where Ajv's own support
 * does not reach (inside an `enum`, or on a schema without `type`).
 */
export function toAjvSchema(schema: unknown): Schema {
  return convert(schema) as Schema;
}

function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (node === null || typeof node !== "object") return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node as Schema)) {
    if (DROPPED.has(key) || key.startsWith("x-")) continue;
    if (SCHEMA_MAPS.has(key) && value !== null && typeof value === "object") {
      out[key] = Object.fromEntries(Object.entries(value as Schema).map(([name, child]) => [name, convert(child)]));
    } else if (key === "enum" || key === "const" || key === "default" || key === "required") out[key] = value;
    else out[key] = convert(value);
  }
  if (out["nullable"] === true) {
    if (Array.isArray(out["enum"]) && !out["enum"].includes(null)) out["enum"] = [...(out["enum"] as unknown[]), null];
    if (out["type"] === undefined) {
      delete out["nullable"];
      return { anyOf: [out, { type: "null" }] };
    }
  } else if (out["nullable"] === false) delete out["nullable"];
  return out;
}
