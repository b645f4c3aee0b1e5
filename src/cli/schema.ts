import { toJSONSchema } from "zod/mini";
import { changeRequestSchema } from "../engine/change-request.js";
import { policySchema } from "../engine/policy.js";
import { UsageError, type CliIo } from "./io.js";

export const SCHEMA_USAGE = "usage: changegate schema policy|change-request";

/** JSON Schema of what users write (inputs: defaults optional), generated from the zod schemas. */
export function jsonSchemaOf(kind: string): Record<string, unknown> {
  const schema = kind === "policy" ? policySchema : kind === "change-request" ? changeRequestSchema : null;
  if (schema === null) throw new UsageError(`unknown schema "${kind}": expected policy or change-request`);
  const generated = toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return {
    ...generated,
    title: kind === "policy" ? "changegate policy (.github/changegate.yml)" : "changegate change request (PR description block)",
    ...(kind === "policy" ? { properties: { ...(generated["properties"] as object), _extends: { type: "string", description: "Org defaults: a repository such as \".github\" or \"org/.github\"" } } } : {}),
  };
}

export function runSchema(args: string[], io: CliIo): number {
  if (args.length !== 1) throw new UsageError(SCHEMA_USAGE);
  io.stdout.write(`${JSON.stringify(jsonSchemaOf(args[0]!), null, 2)}\n`);
  return 0;
}
