import * as z from "zod/mini";
import "./zod-setup.js";
import { CHANGE_TYPES, DIMENSIONS, TIERS, type ChangeType, type Dimension, type Tier } from "./policy.js";
import type { Problem } from "./problems.js";
import { schemaProblems } from "./schema-problems.js";
import { parseYaml, type YamlOrigin } from "./yaml-document.js";

/** How problems in a PR description name their file. */
export const BODY_FILE = "PR description";

const text = z.string();
const names = z.array(z.string().check(z.minLength(1)));
const score = z.int().check(z.gte(1), z.lte(4));
const trigger = z.union([z.string(), z.strictObject({ condition: z.string(), duration: z.optional(z.string()) })]);

const changeRequestFields = z
  .strictObject({
    id: z.optional(text),
    title: z.optional(text),
    requester: z.optional(text),
    type: z.enum(CHANGE_TYPES),
    risk_level: z.optional(z.enum(TIERS)),
    environment: z.optional(z.string().check(z.minLength(1))),
    services_affected: z.optional(names),
    risk: z.optional(
      z.strictObject({
        blast_radius: z.optional(score),
        reversibility: z.optional(score),
        confidence: z.optional(score),
        timing: z.optional(score),
      }),
    ),
    implementation_plan: z.optional(text),
    rollback_plan: z.optional(text),
    // A list of conditions, or the grouped form (`immediate:`, `time_bounded:`, ...).
    rollback_triggers: z.optional(z.union([z.array(trigger), z.record(z.string(), z.array(trigger))])),
    change_window: z.optional(text),
    approvers: z.optional(names),
    estimated_duration: z.optional(text),
    incident: z.optional(text),
    standard_change: z.optional(text),
  })
  .check(
    z.superRefine((request, context) => {
      const require = (field: keyof typeof request, why: string) => {
        const value = request[field];
        if (value === undefined || (typeof value === "string" && value.trim() === "")) {
          context.addIssue({ code: "custom", path: [field], message: `required ${why}` });
        }
      };
      require("rollback_plan", "for every change: how to undo it");
      if (request.type !== "standard") require("implementation_plan", `for ${request.type === "emergency" ? "an" : "a"} ${request.type} change`);
      if (request.type === "emergency") require("incident", "for an emergency change: the incident it responds to");
      if (request.type === "standard") require("standard_change", "for a standard change: the id of its catalog entry in the policy");
    }),
  );

export const changeRequestSchema = z.strictObject({ change_request: changeRequestFields });

export type ChangeRequest = z.infer<typeof changeRequestFields>;

export type ChangeRequestResult =
  | { status: "absent"; /** A line holding `change_request:` outside any fence, if one does. */ unfencedLine?: number }
  | { status: "invalid"; problems: Problem[] }
  | { status: "valid"; request: ChangeRequest; /** Line of the block's first line in the body. */ line: number };

interface FencedBlock {
  info: string;
  content: string;
  /** 1-based line of the block's first content line. */
  firstLine: number;
  indent: number;
}

/**
 * Finds the change-request block in a PR description and validates it. Never throws:
 * whatever the text, the answer is absent, invalid (problems with lines in the body) or
 * valid.
 */
export function parseChangeRequest(body: string): ChangeRequestResult {
  /** First lines of the blocks that count as the change request, valid or not. */
  const counted: number[] = [];
  let valid: { request: ChangeRequest; line: number } | undefined;
  const problems: Problem[] = [];
  for (const block of fencedBlocks(body)) {
    const kind = block.info.toLowerCase();
    const explicit = kind === "change-request";
    if (!explicit && !((kind === "yaml" || kind === "yml") && block.content.includes("change_request"))) continue;

    const origin: YamlOrigin = { source: "change-request", file: BODY_FILE, lineOffset: block.firstLine - 1, columnOffset: block.indent };
    const parsed = parseYaml(block.content, origin);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      continue;
    }
    const value = parsed.text.value;
    const isMapping = value !== null && typeof value === "object" && !Array.isArray(value);
    if (!isMapping || !Object.prototype.hasOwnProperty.call(value, "change_request")) {
      if (explicit) {
        problems.push({
          source: "change-request",
          file: BODY_FILE,
          path: "",
          line: block.firstLine,
          column: block.indent + 1,
          message: "a change-request block must be a mapping with the top-level key `change_request`",
          suggestion: "start the block with `change_request:` and indent its fields below it",
        });
      }
      continue;
    }
    if (isUntouchedTemplate((value as Record<string, unknown>)["change_request"])) continue;
    if (counted.length > 0) {
      problems.push({
        source: "change-request",
        file: BODY_FILE,
        path: "change_request",
        line: block.firstLine,
        column: block.indent + 1,
        message: `a second change-request block (the first starts at line ${counted[0]}); exactly one is allowed`,
        suggestion: "merge the two blocks into one",
      });
      continue;
    }
    counted.push(block.firstLine);
    const validation = changeRequestSchema.safeParse(value);
    if (validation.success) valid = { request: validation.data.change_request, line: block.firstLine };
    else problems.push(...schemaProblems(validation.error.issues, changeRequestSchema, value, parsed.text, origin));
  }
  if (problems.length > 0) return { status: "invalid", problems };
  if (valid !== undefined) return { status: "valid", ...valid };
  const unfencedLine = unfencedChangeRequestLine(body);
  return unfencedLine === null ? { status: "absent" } : { status: "absent", unfencedLine };
}

/** The first line outside fences and comments that starts `change_request:`: a block someone forgot to fence. */
function unfencedChangeRequestLine(body: string): number | null {
  let found = null as number | null;
  // Reading every block runs the callback over every line outside them.
  void [...fencedBlocks(body, (line, number) => {
    if (found === null && /^\s*change_request\s*:/.test(line)) found = number;
  })];
  return found;
}

/** A template left as it was: every field empty. */
function isUntouchedTemplate(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "string") return value.trim() === "";
  if (Array.isArray(value)) return value.every(isUntouchedTemplate);
  if (typeof value === "object") return Object.values(value).every(isUntouchedTemplate);
  return false;
}

const OPENING_FENCE = /^( {0,3})(`{3,}|~{3,})[ \t]*(.*)$/;

/** Fenced code blocks of a markdown text, outside HTML comments, CRLF or LF; `outside` sees every other line. */
function* fencedBlocks(markdown: string, outside?: (line: string, number: number) => void): Generator<FencedBlock> {
  const lines = markdown.split(/\r\n|\r|\n/);
  let inComment = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (inComment) {
      if (line.includes("-->")) inComment = afterLastCommentClose(line).includes("<!--");
      continue;
    }
    const opening = OPENING_FENCE.exec(line);
    if (opening && !(opening[2]!.startsWith("`") && opening[3]!.includes("`"))) {
      const indent = opening[1]!.length;
      const fence = opening[2]!;
      const info = (opening[3] ?? "").trim().split(/\s+/)[0] ?? "";
      const closing = new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}[ \\t]*$`);
      const content: string[] = [];
      const firstLine = index + 2;
      index++;
      while (index < lines.length && !closing.test(lines[index]!)) {
        content.push(stripIndent(lines[index]!, indent));
        index++;
      }
      yield { info, content: content.join("\n"), firstLine, indent };
      continue;
    }
    if (line.includes("<!--")) inComment = !afterLastCommentOpen(line).includes("-->");
    else outside?.(line, index + 1);
  }
}

function afterLastCommentOpen(line: string): string {
  return line.slice(line.lastIndexOf("<!--") + 4);
}

function afterLastCommentClose(line: string): string {
  return line.slice(line.lastIndexOf("-->") + 3);
}

function stripIndent(line: string, indent: number): string {
  let strip = 0;
  while (strip < indent && line[strip] === " ") strip++;
  return line.slice(strip);
}

export interface TemplatePrefill {
  title?: string;
  services?: readonly string[];
  dimensions?: Partial<Record<Dimension, number>>;
  tier?: Tier;
}

/** A change-request block to paste into a PR description, pre-filled with what is known. */
export function changeRequestTemplate(prefill: TemplatePrefill = {}, type: ChangeType = "normal"): string {
  const quote = (value: string) => JSON.stringify(value);
  const services = prefill.services ?? [];
  const dims = prefill.dimensions ?? {};
  const lines = [
    "```yaml",
    "change_request:",
    `  type: ${quote(type)}                # standard | normal | emergency`,
    ...(prefill.title ? [`  title: ${quote(prefill.title)}`] : []),
    `  environment: "production"`,
    services.length > 0
      ? `  services_affected: [${services.map(quote).join(", ")}]`
      : `  services_affected: []         # the services this change touches`,
    "  risk:                          # 1 (low) .. 4 (critical); rules may raise these",
    ...DIMENSIONS.map((dimension) => `    ${dimension}: ${dims[dimension] ?? ""}`),
    "  implementation_plan: |",
    "    1. ",
    "  rollback_plan: |",
    "    1. ",
    "```",
  ];
  return lines.join("\n");
}
