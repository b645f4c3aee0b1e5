import { toJSONSchema } from "zod/mini";
import { changeRequestSchema } from "../engine/change-request.js";
import { policySchema } from "../engine/policy.js";
import { nearestName } from "../engine/problems.js";
import { CHANGE_REQUEST_DESCRIPTIONS, NON_BLANK_PATTERN, POLICY_DESCRIPTIONS, type KeyDescription } from "../engine/schema-descriptions.js";
import { knownZones, UTC_ZONES } from "../engine/wall-clock.js";
import type { CommandDeclaration } from "./command.js";
import { UsageError, type CliIo } from "./io.js";

export const SCHEMA_COMMAND: CommandDeclaration = {
  name: "schema",
  summary: "print the JSON Schema of the policy or of the change-request block (for editors)",
  operands: "policy|change-request",
  details:
    "Every key is described (meaning, unit, example); formats are patterns and enums where JSON Schema\n" +
    "can say them. For VS Code's YAML extension: changegate schema policy > changegate.schema.json, then\n" +
    "`# yaml-language-server: $schema=./changegate.schema.json` atop .github/changegate.yml.",
  run: runSchema,
};
const SCHEMA_KINDS = ["policy", "change-request"];

type JsonSchema = Record<string, unknown>;

/** JSON Schema of what users write (inputs: defaults optional), generated from the zod schemas and described key by key. */
export function jsonSchemaOf(kind: string): JsonSchema {
  const schema = kind === "policy" ? policySchema : kind === "change-request" ? changeRequestSchema : null;
  if (schema === null) {
    const nearest = nearestName(kind, SCHEMA_KINDS);
    throw new UsageError(`unknown schema "${kind}"${nearest === undefined ? "" : `: did you mean "${nearest}"?`} (expected policy or change-request)`);
  }
  const generated = toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  if (kind === "policy") {
    const properties = generated["properties"] as Record<string, JsonSchema>;
    properties["_extends"] = { type: "string" };
    // Canonical IANA names (and UTC's): what an editor can complete. Links such as US/Eastern,
    // which validate also accepts, are not enumerable from Intl.
    properties["timezone"] = { ...properties["timezone"], enum: [...new Set([...UTC_ZONES, ...knownZones()])].sort() };
    describe(generated, "", POLICY_DESCRIPTIONS);
    return { ...generated, title: "changegate policy (.github/changegate.yml)" };
  }
  describe(generated, "", CHANGE_REQUEST_DESCRIPTIONS);
  const fields = (generated["properties"] as Record<string, JsonSchema>)["change_request"]!;
  // §1's requirements by type, which the zod schema checks in a refinement JSON Schema cannot see.
  const requires = (type: string | string[], required: string[]) => ({
    if: { properties: { type: Array.isArray(type) ? { enum: type } : { const: type } }, required: ["type"] },
    then: { required, properties: Object.fromEntries(required.map((field) => [field, { type: "string", pattern: NON_BLANK_PATTERN }])) },
  });
  fields["required"] = ["type", "rollback_plan"];
  fields["allOf"] = [requires(["normal", "emergency"], ["implementation_plan"]), requires("emergency", ["incident"]), requires("standard", ["standard_change"])];
  return { ...generated, required: ["change_request"], title: "changegate change request (PR description block)" };
}

/** Adds each path's description, examples and pattern from `table`, walking properties, items, map values and unions. */
function describe(schema: JsonSchema, path: string, table: Readonly<Record<string, KeyDescription>>, branch = false): void {
  const entry = table[path];
  if (entry !== undefined) {
    if (!branch) schema["description"] = entry.description;
    if (entry.examples !== undefined && !branch) schema["examples"] = entry.examples;
    if (entry.pattern !== undefined && schema["type"] === "string") schema["pattern"] = entry.pattern;
  }
  const join = (key: string) => (path === "" ? key : `${path}.${key}`);
  for (const [key, inner] of Object.entries((schema["properties"] as Record<string, JsonSchema> | undefined) ?? {})) describe(inner, join(key), table);
  const items = schema["items"];
  if (items !== null && typeof items === "object") describe(items as JsonSchema, `${path}[]`, table);
  const values = schema["additionalProperties"];
  if (values !== null && typeof values === "object") describe(values as JsonSchema, join("*"), table);
  // A union's branches are the same key: each takes the key's pattern, not its description again.
  for (const option of (schema["anyOf"] as JsonSchema[] | undefined) ?? []) describe(option, path, table, true);
}

export function runSchema(args: string[], io: CliIo): number {
  if (args.length !== 1) throw new UsageError("schema takes one of: policy, change-request (see changegate schema --help)");
  io.stdout.write(`${JSON.stringify(jsonSchemaOf(args[0]!), null, 2)}\n`);
  return 0;
}
