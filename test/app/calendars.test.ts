import { describe, expect, it } from "vitest";
import { webhookEvent } from "../fake-github/index.js";
import { Renderer } from "../fake-github/render.js";
import { appSuite, checks, conclusions, waitFor } from "./harness.js";

/**
 * Calendars in the App (SPEC §10): a recurring freeze flips open pull requests at its
 * occurrence's edges with no webhook, and an issue with the freeze label freezes them at
 * once and lifts the freeze when it is closed.
 */
const POLICY = "version: 1\ntimezone: UTC\napprovals: { low: { count: 1 }, medium: { count: 1 } }\n";

const { fake, app, repository, greenPull } = await appSuite("cal");

const iso = (instant: number) => new Date(instant).toISOString();

describe("calendars in the App", () => {
  it("a recurring freeze blocks at its occurrence's start and opens at its end, with no webhook", async () => {
    const target = await app();
    const start = Math.ceil((Date.now() + 4_000) / 1_000) * 1_000;
    const repo = repository(POLICY + `freezes:\n  - { name: "Nightly", start: "${iso(start)}", duration: "3s", rrule: "FREQ=DAILY" }\n`);
    const pull = await greenPull(target, repo);
    expect(conclusions(fake, "acme", repo, pull.head.sha)).toEqual(["success", "success", "success"]);
    await waitFor(() => conclusions(fake, "acme", repo, pull.head.sha)[1], (value) => value === "failure", 6_000, "the occurrence to block");
    expect(Date.now()).toBeLessThan(start);
    expect(checks(fake, "acme", repo, pull.head.sha)["changegate/schedule"]!.title).toMatch(/^Freeze “Nightly” until/);
    expect(checks(fake, "acme", repo, pull.head.sha)["changegate/schedule"]!.summary).toContain("the next occurrence starts");
    await waitFor(() => conclusions(fake, "acme", repo, pull.head.sha)[1], (value) => value === "success", 8_000, "the occurrence to end");
    expect(Date.now()).toBeGreaterThanOrEqual(start + 3_000);
  });

  it("an issue with the freeze label blocks open pull requests at once; closing it lifts the freeze", async () => {
    const target = await app();
    const repo = repository(POLICY + `freezes:\n  - name: "Incident"\n    while_issues_open: { labels: ["incident"] }\n`);
    const pulls = [await greenPull(target, repo, "a.txt"), await greenPull(target, repo, "b.txt")];
    for (const pull of pulls) expect(conclusions(fake, "acme", repo, pull.head.sha)[1]).toBe("success");

    // Someone without write access cannot freeze the repository.
    const render = new Renderer(fake, fake.url);
    const stranger = fake.createIssue("acme", repo, { title: "Please freeze", user: "mallory", labels: ["incident"] });
    await target.deliver(webhookEvent(fake, "issues", "opened", { owner: "acme", repo, sender: "mallory" }, { issue: render.issue(fake.repository("acme", repo), stranger) }));
    await target.service.idle();
    for (const pull of pulls) expect(conclusions(fake, "acme", repo, pull.head.sha)[1]).toBe("success");

    const incident = fake.createIssue("acme", repo, { title: "Checkout is down", user: "alice", labels: ["incident"] });
    const opened = Date.now();
    await target.deliver(webhookEvent(fake, "issues", "opened", { owner: "acme", repo, sender: "alice" }, { issue: render.issue(fake.repository("acme", repo), incident) }));
    for (const pull of pulls) await waitFor(() => conclusions(fake, "acme", repo, pull.head.sha)[1], (value) => value === "failure", 5_000, "the issue to freeze");
    expect(Date.now() - opened).toBeLessThan(5_000);
    const schedule = checks(fake, "acme", repo, pulls[0]!.head.sha)["changegate/schedule"]!;
    expect(schedule.title).toBe(`Freeze “Incident: #${incident.number} Checkout is down” until #${incident.number} is closed`);
    expect(schedule.summary).toContain(`(https://github.com/acme/${repo}/issues/${incident.number}), opened by @alice`);

    incident.state = "closed";
    incident.closedAt = new Date().toISOString();
    await target.deliver(webhookEvent(fake, "issues", "closed", { owner: "acme", repo, sender: "alice" }, { issue: render.issue(fake.repository("acme", repo), incident) }));
    for (const pull of pulls) await waitFor(() => conclusions(fake, "acme", repo, pull.head.sha)[1], (value) => value === "success", 5_000, "closing the issue to lift the freeze");
  });

  it("a release freeze decides from the repository's releases, read once per policy read for all its pull requests", async () => {
    const target = await app();
    const repo = repository(POLICY + `freezes:\n  - name: "After a major release"\n    after_release: { tags: ["v*.0.0"], for: "48h" }\n`);
    fake.addRelease("acme", repo, { tag: "v1.0.0", publishedAt: new Date(Date.now() - 72 * 3_600_000).toISOString() });
    fake.addRelease("acme", repo, { tag: "v2.0.0", draft: true });
    fake.addRelease("acme", repo, { tag: "v2.1.0", publishedAt: new Date(Date.now() - 3_600_000).toISOString() });
    fake.resetRequests();
    const pulls = [await greenPull(target, repo, "a.txt"), await greenPull(target, repo, "b.txt"), await greenPull(target, repo, "c.txt")];
    for (const pull of pulls) expect(conclusions(fake, "acme", repo, pull.head.sha)[1]).toBe("success");
    expect(fake.requests((record) => record.route === "GET /repos/{owner}/{repo}/releases")).toHaveLength(1);

    fake.addRelease("acme", repo, { tag: "v3.0.0" });
    target.service.forgetAllPolicies();
    const pull = await greenPull(target, repo, "d.txt");
    const schedule = checks(fake, "acme", repo, pull.head.sha)["changegate/schedule"]!;
    expect(schedule.conclusion).toBe("failure");
    expect(schedule.title).toMatch(/^Freeze “After a major release: v3\.0\.0” until .* · opens /);
  });
});
