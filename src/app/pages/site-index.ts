import { memoryTrail } from "../../audit/chain.js";
import { hashOfCanonicalText, isCanonicalText } from "../../audit/canonical.js";
import type { TrailLocation } from "../../audit/github-trail.js";
import { readTrailArchive } from "../../audit/trail-archive.js";
import { HEAD_PATH, recordPath, type ChainHead } from "../../audit/layout.js";
import { trailOf } from "../../audit/merge.js";
import type { AuditRecord } from "../../audit/record.js";
import type { GitHubClient } from "../../github/access.js";
import { formatProblem } from "../../engine/problems.js";
import { attachCalendarFromGitHub } from "../../github/calendar-inputs.js";
import { loadPolicy } from "../../github/policy-source.js";
import { icsCalendar } from "../../site/ics.js";
import type { ChangeDetails, SiteData, TrailStatus } from "../../site/model.js";
import { SiteBuilder, siteDataScript } from "../../site/site-data.js";
import { visitVerifiedRecords } from "../../site/verified-records.js";

/** What the pages of one repository answer from. */
export interface RepositoryPages {
  data: SiteData;
  /** data/site.js, rendered once per change of the index. */
  script: string;
  details: Map<number, Record<number, ChangeDetails>>;
  ics: string;
}

interface Entry {
  trail: TrailLocation;
  builder: SiteBuilder;
  details: Map<number, Record<number, ChangeDetails>>;
  head: ChainHead | null;
  status: TrailStatus;
  pages: RepositoryPages;
  checkedAt: number;
  refreshing: Promise<void> | null;
  /** The trail's history is not the one indexed: the entry is to be built again. */
  rewritten: boolean;
}

export interface SiteIndexOptions {
  /** An installation client for a repository (the App's own token, never the user's). */
  client(owner: string, repo: string): Promise<GitHubClient>;
  now?: () => number;
  /** How often a request may look for records appended since (one request for head.json). */
  refreshMs?: number;
  failureWindowMs?: number;
}

/**
 * Each repository's pages, from the trail its policy names (on its default branch): built
 * from the whole trail (one archive download) on first need after start, then brought up to date when a request
 * comes and the trail's head has moved (one request for head.json at most every
 * `refreshMs`, then one per record appended since, each checked against its hash and link).
 * A trail whose history changed under it is read again. Each replica keeps its own.
 */
export class SiteIndex {
  private readonly entries = new Map<string, Promise<Entry | null>>();
  private readonly now: () => number;
  private readonly refreshMs: number;
  private readonly failureWindowMs: number;

  constructor(private readonly options: SiteIndexOptions) {
    this.now = options.now ?? Date.now;
    this.refreshMs = options.refreshMs ?? 30_000;
    this.failureWindowMs = options.failureWindowMs ?? 24 * 3_600_000;
  }

  /** The pages of `owner/repo`; null when it is not enrolled (no valid policy on its default branch). */
  async pages(owner: string, repo: string): Promise<RepositoryPages | null> {
    const key = `${owner}/${repo}`.toLowerCase();
    let pending = this.entries.get(key);
    if (pending === undefined) {
      pending = this.build(owner, repo);
      this.entries.set(key, pending);
      pending.catch(() => this.entries.delete(key));
    }
    const entry = await pending;
    if (entry === null) {
      this.entries.delete(key);
      return null;
    }
    if (this.now() - entry.checkedAt >= this.refreshMs) {
      entry.refreshing ??= this.refresh(owner, repo, entry).finally(() => (entry.refreshing = null));
      await entry.refreshing;
      if (entry.rewritten) {
        // The history is not the one indexed: read it again, whole.
        if (this.entries.get(key) === pending) this.entries.delete(key);
        return this.pages(owner, repo);
      }
    }
    return entry.pages;
  }

  private async build(owner: string, repo: string): Promise<Entry | null> {
    const client = await this.options.client(owner, repo);
    const { data: repository } = await client.request("GET /repos/{owner}/{repo}", { owner, repo });
    const loaded = await loadPolicy(client, { owner, repo, ref: repository.default_branch });
    if (loaded.status !== "valid") return null;
    // Its calendar (recurring, holidays, ICS, releases, issues), read as the checks read it;
    // when it cannot be read, the dated entries still show and the page says why.
    const attached = await attachCalendarFromGitHub(client, { owner, repo, ref: repository.default_branch }, loaded.policy);
    const policy = attached.ok ? attached.policy : loaded.policy;
    const calendarNotes = attached.ok ? [] : [`The policy's calendar could not be read: ${formatProblem(attached.problems[0]!)}`];
    const trail = trailOf({ owner, repo, policy });
    const trailClient = trail.owner.toLowerCase() === owner.toLowerCase() && trail.repo.toLowerCase() === repo.toLowerCase() ? client : await this.options.client(trail.owner, trail.repo);
    const { files, head } = await readTrailArchive(trailClient, trail);
    const details = new Map<number, Record<number, ChangeDetails>>();
    const builder = new SiteBuilder(policy, { now: this.now(), failureWindowMs: this.failureWindowMs, repositories: new Set([`${owner}/${repo}`]), calendarNotes }, (chunk, file) => details.set(chunk, file));
    let last: ChainHead | null = null;
    const status = visitVerifiedRecords(memoryTrail(files, head), `${trail.owner}/${trail.repo}@${trail.branch}`, (record) => {
      builder.add(record);
      last = { seq: record.seq, hash: record.hash };
    });
    const entry: Entry = { trail, builder, details, head: last, status, pages: null as unknown as RepositoryPages, checkedAt: this.now(), refreshing: null, rewritten: false };
    entry.pages = this.render(entry, `${owner}/${repo}`);
    return entry;
  }

  private async refresh(owner: string, repo: string, entry: Entry): Promise<void> {
    entry.checkedAt = this.now();
    if (entry.status.problem !== null) return;
    const client = await this.options.client(entry.trail.owner, entry.trail.repo);
    const head = await readJson<ChainHead>(client, entry.trail, HEAD_PATH);
    if (head === null || (entry.head !== null && head.seq === entry.head.seq && head.hash === entry.head.hash)) return;
    if (entry.head !== null && head.seq <= entry.head.seq) {
      // The newest record changed, or records went.
      entry.rewritten = true;
      return;
    }
    for (let seq = (entry.head?.seq ?? 0) + 1; seq <= head.seq; seq++) {
      const text = await readText(client, entry.trail, recordPath(seq));
      const record = text === null ? null : (JSON.parse(text) as AuditRecord);
      const linked = record !== null && record.seq === seq && record.previous_hash === (entry.head?.hash ?? null) && isCanonicalText(text!, record) && hashOfCanonicalText(text!, record.hash) === record.hash;
      if (!linked) {
        entry.status = { ...entry.status, problem: `record ${seq} (${recordPath(seq)}) does not verify against record ${seq - 1}; records 1 to ${seq - 1} verified and are shown`, unverified: head.seq - seq + 1 };
        break;
      }
      entry.builder.add(record);
      entry.head = { seq, hash: record.hash };
      entry.status = { ...entry.status, verified: entry.status.verified + 1 };
    }
    entry.pages = this.render(entry, `${owner}/${repo}`);
  }

  private render(entry: Entry, repository: string): RepositoryPages {
    const data = entry.builder.finish(entry.status);
    data.generatedAt = this.now();
    return { data, script: siteDataScript(data), details: entry.details, ics: icsCalendar(data.events, `changegate: ${repository}`, data.generatedAt) };
  }
}

async function readText(client: GitHubClient, trail: TrailLocation, path: string): Promise<string | null> {
  try {
    const { data } = await client.request("GET /repos/{owner}/{repo}/contents/{path}", { owner: trail.owner, repo: trail.repo, path, ref: trail.branch });
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return null;
    return Buffer.from(data.content, "base64").toString("utf8");
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}

async function readJson<T>(client: GitHubClient, trail: TrailLocation, path: string): Promise<T | null> {
  const text = await readText(client, trail, path);
  return text === null ? null : (JSON.parse(text) as T);
}
