import { readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import * as z from "zod/mini";
import "../engine/zod-setup.js";
import type { Permission } from "../engine/approvals.js";
import type { Policy } from "../engine/policy.js";
import type { Problem } from "../engine/problems.js";
import { fileAtRef } from "./git.js";
import { parseJson, readInput, validated } from "./inputs.js";
import type { CliIo } from "./io.js";

/**
 * The CLI's side of a policy's calendar (SPEC §10): iCalendar files from the repository
 * root (the folder holding `.github/` when the policy is `.github/changegate.yml`, else the
 * policy file's own folder; from the base branch when the policy came from git), releases
 * and issues from `--releases` / `--issues` JSON files (without them those forms match
 * nothing, and the summary says so).
 */
export interface CliCalendarSources {
  /** The policy file as given (`--policy`), or undefined when it was read from `base`. */
  policyFile: string | undefined;
  base: string | null;
  releases: string | undefined;
  issues: string | undefined;
  teams: Readonly<Record<string, readonly string[]>>;
  permissions: Readonly<Record<string, Permission>> | null;
  /** OWNER/NAME, for links to issues that the --issues file gives without `html_url`. */
  repository?: string | undefined;
}

export async function attachCliCalendar(io: CliIo, policy: Policy, sources: CliCalendarSources): Promise<{ ok: true; policy: Policy } | { ok: false; problems: Problem[] }> {
  const needsCalendar = [...policy.freezes, ...policy.blackouts].some((entry) => entry.form.kind !== "dated");
  if (!needsCalendar && sources.releases === undefined && sources.issues === undefined) return { ok: true, policy };
  const { attachCalendar, calendarNeeds } = await import("../calendar/build.js");
  const needs = calendarNeeds(policy);
  const files = new Map<string, string | null>();
  for (const path of needs.files) files.set(path, await readRepositoryFile(io, sources, path));
  return attachCalendar(policy, {
    files,
    releases: sources.releases === undefined ? null : parseReleases(await readInput(io, sources.releases, "releases"), sources.releases),
    issues: sources.issues === undefined ? null : parseIssues(await readInput(io, sources.issues, "issues"), sources.issues),
    teams: sources.teams,
    permissions: sources.permissions,
    ...(sources.repository === undefined ? {} : { repositoryUrl: `https://github.com/${sources.repository}` }),
  });
}

async function readRepositoryFile(io: CliIo, sources: CliCalendarSources, path: string): Promise<string | null> {
  if (sources.policyFile === undefined) return sources.base === null ? null : fileAtRef(io.cwd, sources.base, path);
  const policyPath = resolve(io.cwd, sources.policyFile);
  const folder = dirname(policyPath);
  const root = basename(folder) === ".github" ? dirname(folder) : folder;
  try {
    return readFileSync(resolve(root, path), "utf8");
  } catch {
    return null;
  }
}

const timestamp = z.string().check(z.refine((text) => !Number.isNaN(Date.parse(text)), { message: "expected an ISO 8601 time such as 2026-05-04T10:00:00Z" }));

const releaseSchema = z.looseObject({
  tag_name: z.string(),
  name: z.nullish(z.string()),
  published_at: z.nullable(timestamp),
  created_at: z.nullish(timestamp),
  draft: z._default(z.boolean(), false),
  prerelease: z._default(z.boolean(), false),
  html_url: z.optional(z.string()),
});

const issueSchema = z.looseObject({
  number: z.int(),
  title: z.string(),
  state: z.string(),
  labels: z._default(z.array(z.union([z.string(), z.looseObject({ name: z.nullish(z.string()) })])), []),
  user: z.nullable(z.looseObject({ login: z.string() })),
  created_at: timestamp,
  html_url: z.optional(z.string()),
  pull_request: z.optional(z.unknown()),
});

export function parseReleases(text: string, file: string) {
  return validated(z.array(releaseSchema), parseJson(text, file), file, "a JSON array of GitHub release objects: tag_name, published_at, draft, prerelease");
}

export function parseIssues(text: string, file: string) {
  return validated(z.array(issueSchema), parseJson(text, file), file, "a JSON array of GitHub issue objects: number, title, state, labels, user.login, created_at");
}
