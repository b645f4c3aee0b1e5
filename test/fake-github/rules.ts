import type { JsonObject, ValidationIssue } from "./http.js";

/**
 * Limits GitHub enforces that its OpenAPI description does not express (or expresses in
 * characters where GitHub counts bytes). Keyed by "METHOD /template".
 */

export const MAX_OUTPUT_BYTES = 65_535;
export const MAX_ANNOTATIONS_PER_REQUEST = 50;
const MAX_ANNOTATION_FIELD_BYTES = 64 * 1024;
const MAX_ANNOTATION_TITLE = 255;

type Rule = (body: JsonObject) => ValidationIssue[];

const bytes = (text: string) => Buffer.byteLength(text, "utf8");

function checkRunRules(creating: boolean): Rule {
  return (body) => {
    const issues: ValidationIssue[] = [];
    const issue = (field: string, code: ValidationIssue["code"], message: string) => issues.push({ resource: "CheckRun", field, code, message });
    if (creating) {
      if (typeof body["name"] !== "string" || body["name"] === "") issue("name", "missing_field", `"name" wasn't supplied.`);
      if (typeof body["head_sha"] !== "string" || body["head_sha"] === "") issue("head_sha", "missing_field", `"head_sha" wasn't supplied.`);
    }
    const completing = body["status"] === "completed" || body["completed_at"] !== undefined;
    if (completing && body["conclusion"] === undefined) issue("conclusion", "missing_field", `"conclusion" wasn't supplied: it is required when "status" is "completed" or "completed_at" is given.`);
    if (body["conclusion"] === "stale") issue("conclusion", "invalid", `"conclusion" cannot be set to "stale"; only GitHub can.`);
    const output = body["output"];
    if (output !== null && typeof output === "object" && !Array.isArray(output)) {
      const fields = output as JsonObject;
      for (const name of ["summary", "text"]) {
        const value = fields[name];
        if (typeof value === "string" && bytes(value) > MAX_OUTPUT_BYTES) {
          issue(`output.${name}`, "custom", `"output.${name}" is too long (${bytes(value)} bytes; maximum is ${MAX_OUTPUT_BYTES} bytes).`);
        }
      }
      const annotations = fields["annotations"];
      if (Array.isArray(annotations)) {
        if (annotations.length > MAX_ANNOTATIONS_PER_REQUEST) {
          issue("output.annotations", "custom", `Only ${MAX_ANNOTATIONS_PER_REQUEST} annotations are allowed per request (got ${annotations.length}).`);
        }
        annotations.forEach((annotation: unknown, index) => {
          if (annotation === null || typeof annotation !== "object") return;
          const entry = annotation as JsonObject;
          for (const name of ["message", "raw_details"]) {
            const value = entry[name];
            if (typeof value === "string" && bytes(value) > MAX_ANNOTATION_FIELD_BYTES) issue(`output.annotations.${index}.${name}`, "custom", `"${name}" of annotation ${index} is over 64 KB.`);
          }
          const title = entry["title"];
          if (typeof title === "string" && [...title].length > MAX_ANNOTATION_TITLE) issue(`output.annotations.${index}.title`, "custom", `"title" of annotation ${index} is over ${MAX_ANNOTATION_TITLE} characters.`);
          const { start_line: start, end_line: end, start_column: startColumn, end_column: endColumn } = entry;
          if (typeof start === "number" && typeof end === "number" && end < start) issue(`output.annotations.${index}.end_line`, "invalid", `"end_line" of annotation ${index} is before "start_line".`);
          if ((startColumn !== undefined || endColumn !== undefined) && start !== end) {
            issue(`output.annotations.${index}.start_column`, "invalid", `Annotation ${index}: columns are only allowed when "start_line" equals "end_line".`);
          }
        });
      }
    }
    return issues;
  };
}

const MAX_ISSUE_TITLE = 256;
const MAX_BODY_CHARS = 65_536;

/** GitHub's answers: "title is too long (maximum is 256 characters)", "body is too long (maximum is 65536 characters)". */
function textRules(resource: "Issue" | "IssueComment", limits: Record<string, number>): Rule {
  return (body) =>
    Object.entries(limits).flatMap(([field, max]) => {
      const value = body[field];
      return typeof value === "string" && [...value].length > max ? [{ resource, field, code: "custom" as const, message: `${field} is too long (maximum is ${max} characters)` }] : [];
    });
}

export const EXTRA_RULES: Record<string, Rule> = {
  "POST /repos/{owner}/{repo}/issues": textRules("Issue", { title: MAX_ISSUE_TITLE, body: MAX_BODY_CHARS }),
  "PATCH /repos/{owner}/{repo}/issues/{issue_number}": textRules("Issue", { title: MAX_ISSUE_TITLE, body: MAX_BODY_CHARS }),
  "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": textRules("IssueComment", { body: MAX_BODY_CHARS }),
  "POST /repos/{owner}/{repo}/check-runs": checkRunRules(true),
  "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}": checkRunRules(false),
};

/** The extra problems of a request (schema problems are found elsewhere). */
export function extraRuleIssues(routeKey: string, body: unknown): ValidationIssue[] {
  const rule = EXTRA_RULES[routeKey];
  if (rule === undefined || body === null || typeof body !== "object" || Array.isArray(body)) return [];
  return rule(body as JsonObject);
}
