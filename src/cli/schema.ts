import { toJSONSchema } from "zod/mini";
import { changeRequestSchema } from "../engine/change-request.js";
import { policySchema } from "../engine/policy.js";
import type { CommandDeclaration } from "./command.js";
import { nearestName } from "../engine/problems.js";
import { UsageError, type CliIo } from "./io.js";

export const SCHEMA_COMMAND: CommandDeclaration = {
  name: "schema",
  summary: "print the JSON Schema of the policy or of the change-request block (for editors)",
  operands: "policy|change-request",
  details: "For the YAML extension: `# yaml-language-server: $schema=./changegate.schema.json` atop the file.",
  run: runSchema,
};
const SCHEMA_KINDS = ["policy", "change-request"];

/** JSON Schema of what users write (inputs: defaults optional), generated from the zod schemas. */
export function jsonSchemaOf(kind: string): Record<string, unknown> {
  const schema = kind === "policy" ? policySchema : kind === "change-request" ? changeRequestSchema : null;
  if (schema === null) {
    const nearest = nearestName(kind, SCHEMA_KINDS);
    throw new UsageError(`unknown schema "${kind}"${nearest === undefined ? "" : `: did you mean "${nearest}"?`} (expected policy or change-request)`);
  }
  const generated = toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return {
    ...generated,
    title: kind === "policy" ? "changegate policy (.github/changegate.yml)" : "changegate change request (PR description block)",
    ...(kind === "policy" ? { properties: { ...(generated["properties"] as object), _extends: { type: "string", description: "Org defaults: a repository such as \".github\" or \"org/.github\"" } } } : {}),
  };
}

export function runSchema(args: string[], io: CliIo): number {
  if (args.length !== 1) throw new UsageError("schema takes one of: policy, change-request (see changegate schema --help)");
  io.stdout.write(`${JSON.stringify(jsonSchemaOf(args[0]!), null, 2)}\n`);
  return 0;
}
