import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { canonicalJson } from "../../src/audit/canonical.js";
import { HEAD_PATH, recordPath } from "../../src/audit/layout.js";
import { buildAuditRecord, revertedPull, sealRecord, type AuditRecord, type MergeFacts, type UnsealedRecord } from "../../src/audit/record.js";
import { evaluate } from "../../src/engine/evaluate.js";
import { policyFrom } from "./policy.js";

/**
 * Audit trails for tests and benchmarks: records built by the real engine and record
 * builder (one evaluation, then varied per change), sealed into a valid chain.
 */
const POLICY = policyFrom(
  [
    "version: 1",
    "timezone: UTC",
    "services:",
    '  payments: { paths: ["services/payments/**"] }',
    '  search: { paths: ["services/search/**"] }',
    '  checkout: { paths: ["services/checkout/**"] }',
    "approvals: { medium: { count: 1 } }",
    "",
  ].join("\n"),
);

const BODY = ["```yaml", "change_request:", "  type: normal", "  implementation_plan: deploy", "  rollback_plan: roll back", "```"].join("\n");
const SERVICES = ["payments", "search", "checkout"];

export interface GeneratedChange {
  number: number;
  mergedAt: number;
  type?: "normal" | "standard" | "emergency";
  services?: string[];
  title?: string;
  body?: string;
  repository?: string;
}

let base: UnsealedRecord | null = null;

/** An engine decision for a normal change to payments, approved by bob, as of its merge. */
export function sampleDecision(enforcement: "enforce" | "report" = "enforce", reviews = true) {
  const at = Date.parse("2026-11-02T10:00:00Z");
  return evaluate({
    policy: enforcement === "enforce" ? POLICY : { ...POLICY, enforcement },
    pullRequest: { owner: "acme", repo: "shop", number: 1, title: "Change", author: "carol", body: BODY, labels: [], headSha: "a".repeat(40), lastPusher: "carol" },
    files: { files: [{ path: "services/payments/api.ts" }], complete: true },
    reviews: reviews ? [{ id: 7, login: "bob", isBot: false, state: "APPROVED", commitId: "a".repeat(40), submittedAt: "2026-11-02T09:30:00Z" }] : [],
    teams: {},
    permissions: null,
    at,
  });
}

export function sampleFacts(): MergeFacts {
  return {
    repository: "acme/shop",
    number: 1,
    title: "Change",
    url: "https://github.com/acme/shop/pull/1",
    author: "carol",
    body: BODY,
    labels: [],
    openedAt: "2026-11-02T08:00:00Z",
    readyAt: "2026-11-02T08:00:00Z",
    firstCommitAt: "2026-11-02T07:00:00Z",
    baseRef: "main",
    baseSha: "d".repeat(40),
    headSha: "a".repeat(40),
    mergedAt: "2026-11-02T10:00:00Z",
    mergedBy: "alice",
    mergeCommitSha: "b".repeat(40),
    paths: ["services/payments/api.ts"],
    pathsComplete: true,
    policyPath: ".github/changegate.yml",
    policySha: "c".repeat(40),
    recordedAt: "2026-11-02T10:00:01Z",
    recordedBy: "app",
    retrospectiveIssue: null,
  };
}

function baseRecord(): UnsealedRecord {
  base ??= buildAuditRecord(sampleDecision(), sampleFacts(), "UTC");
  return base;
}

/** One change as a record (unsealed), varied from the engine-built base. */
export function changeRecord(change: GeneratedChange): UnsealedRecord {
  const record = structuredClone(baseRecord());
  const services = change.services ?? [SERVICES[change.number % SERVICES.length]!];
  const merged = new Date(change.mergedAt).toISOString();
  record.repository = change.repository ?? record.repository;
  record.pull_request.number = change.number;
  record.pull_request.title = change.title ?? `Change ${change.number}`;
  record.pull_request.url = `https://github.com/${record.repository}/pull/${change.number}`;
  record.pull_request.opened_at = new Date(change.mergedAt - 5 * 3_600_000).toISOString();
  record.pull_request.ready_at = new Date(change.mergedAt - 4 * 3_600_000).toISOString();
  record.pull_request.first_commit_at = new Date(change.mergedAt - 6 * 3_600_000).toISOString();
  record.approvals!.counted[0]!.at = new Date(change.mergedAt - 3 * 3_600_000).toISOString();
  record.merged.at = merged;
  record.recorded_at = merged;
  record.merged.merge_commit_sha = createHash("sha1").update(`merge ${change.number}`).digest("hex");
  record.change!.type = change.type ?? "normal";
  record.change!.services = services;
  record.change!.derived_services = [];
  record.reverts = revertedPull(change.body ?? "", record.repository);
  return record;
}

/** Seals changes into a chain, in order. */
export function chain(changes: readonly UnsealedRecord[]): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (const change of changes) records.push(sealRecord(change, records.at(-1) ?? null));
  return records;
}

/** `count` changes, one every `everyMs` from `start`, services and types cycling. */
export function generateTrail(count: number, start = Date.parse("2026-01-01T00:00:00Z"), everyMs = 600_000): AuditRecord[] {
  const changes: UnsealedRecord[] = [];
  for (let number = 1; number <= count; number++) changes.push(changeRecord({ number, mergedAt: start + number * everyMs, type: number % 50 === 0 ? "emergency" : number % 7 === 0 ? "standard" : "normal" }));
  return chain(changes);
}

/** Writes records as the audit branch holds them: one canonical file each, and head.json. */
export function writeTrail(dir: string, records: readonly { seq: number; hash: string }[]): void {
  const made = new Set<string>();
  for (const record of records) {
    const file = join(dir, recordPath(record.seq));
    const folder = dirname(file);
    if (!made.has(folder)) {
      mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    writeFileSync(file, canonicalJson(record));
  }
  const last = records.at(-1);
  if (last !== undefined) writeFileSync(join(dir, HEAD_PATH), canonicalJson({ seq: last.seq, hash: last.hash }));
}
