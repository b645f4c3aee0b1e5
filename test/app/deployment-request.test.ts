import { describe, expect, it } from "vitest";
import { protectionRequest } from "../../src/app/handlers/deployment-protection-rule.js";

/** What the App takes from a deployment_protection_rule payload: user-controlled text is never a URL it posts to. */
const payload = (overrides: Record<string, unknown> = {}) => ({
  installation: { id: 7 },
  repository: { name: "shop", owner: { login: "acme" }, default_branch: "trunk" },
  environment: "production",
  event: "push",
  sha: "A".repeat(40),
  ref: "refs/heads/trunk",
  deployment_callback_url: "https://api.github.com/repos/acme/shop/actions/runs/4242/deployment_protection_rule",
  deployment: { id: 99, sha: "b".repeat(40), ref: "trunk", environment: "production" },
  ...overrides,
});

describe("protectionRequest", () => {
  it("takes the run id from the callback URL and everything else from the event", () => {
    expect(protectionRequest(payload())).toEqual({
      installationId: 7,
      owner: "acme",
      repo: "shop",
      defaultBranch: "trunk",
      environment: "production",
      sha: "b".repeat(40),
      ref: "trunk",
      runId: 4242,
      deploymentId: 99,
      event: "push",
    });
  });

  it("answers the event's own repository even when the callback URL names another host or repository", () => {
    const request = protectionRequest(payload({ deployment_callback_url: "https://evil.example/repos/other/repo/actions/runs/1/deployment_protection_rule" }));
    expect(request).toMatchObject({ owner: "acme", repo: "shop", runId: 1 });
  });

  it("refuses a payload it cannot answer: no run in the callback, no installation, no commit", () => {
    expect(protectionRequest(payload({ deployment_callback_url: "https://api.github.com/repos/acme/shop/actions/runs/abc/deployment_protection_rule" }))).toBeNull();
    expect(protectionRequest(payload({ deployment_callback_url: undefined }))).toBeNull();
    expect(protectionRequest(payload({ installation: undefined }))).toBeNull();
    expect(protectionRequest(payload({ deployment: null, sha: "not-a-sha" }))).toBeNull();
  });

  it("falls back to the event's sha and ref when the deployment is not in it", () => {
    expect(protectionRequest(payload({ deployment: null }))).toMatchObject({ sha: "a".repeat(40), ref: "refs/heads/trunk", deploymentId: null });
  });
});
