import { Octokit } from "@octokit/rest";
import { describe, expect, it } from "vitest";
import { startFakeGitHub } from "../fake-github/index.js";

/** What the calendar reads from GitHub, as the fake answers it: GitHub's response schemas, newest releases first, issues by label. */
describe("the fake GitHub's releases and issues", () => {
  it("lists releases newest first and open issues by every label, in GitHub's response schemas", async () => {
    const fake = await startFakeGitHub({ validateResponses: true });
    try {
      const quiet = () => undefined;
      const api = new Octokit({ baseUrl: fake.url, auth: "ghs_test", log: { debug: quiet, info: quiet, warn: console.warn, error: quiet } });
      fake.addRepository({ owner: "acme", name: "svc", files: { "a.txt": "a\n" } });
      fake.addRelease("acme", "svc", { tag: "v1.0.0", publishedAt: "2026-01-01T00:00:00Z" });
      fake.addRelease("acme", "svc", { tag: "v2.0.0-rc.1", prerelease: true });
      fake.addRelease("acme", "svc", { tag: "v2.0.0", draft: true });
      fake.createIssue("acme", "svc", { title: "Outage", labels: ["incident", "sev1"], user: "alice" });
      fake.createIssue("acme", "svc", { title: "Minor", labels: ["incident"], user: "bob" });
      const releases = await api.repos.listReleases({ owner: "acme", repo: "svc", per_page: 100 });
      expect(releases.data.map((release) => [release.tag_name, release.draft, release.prerelease, release.published_at === null])).toEqual([
        ["v2.0.0", true, false, true],
        ["v2.0.0-rc.1", false, true, false],
        ["v1.0.0", false, false, false],
      ]);
      const issues = await api.issues.listForRepo({ owner: "acme", repo: "svc", state: "open", labels: "incident,sev1", per_page: 100 });
      expect(issues.data.map((issue) => issue.title)).toEqual(["Outage"]);
      expect(fake.responseProblems()).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
