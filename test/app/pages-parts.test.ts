import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeedSecrets } from "../../src/app/pages/feed-secrets.js";
import { AccessCache } from "../../src/app/pages/github-user.js";
import { sealer } from "../../src/app/pages/session.js";
import { oauthClientSecret, signInAs, startFakeGitHub, type FakeGitHub } from "../fake-github/index.js";
import type { RedisLike } from "../../src/app/lock.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";

let fake: FakeGitHub;
let redis: RedisServer;
beforeAll(async () => {
  fake = await startFakeGitHub();
  redis = await startRedisServer();
});
afterAll(async () => {
  await fake?.close();
  await redis?.stop();
});

/** A user token for `login`, through the fake's web flow. */
async function userToken(login: string): Promise<string> {
  signInAs(fake, login);
  const redirect = "http://127.0.0.1:9/callback";
  const authorize = await fetch(`${fake.url}/login/oauth/authorize?client_id=${fake.app.clientId}&redirect_uri=${encodeURIComponent(redirect)}&state=s`, { redirect: "manual" });
  const code = new URL(authorize.headers.get("location")!).searchParams.get("code")!;
  const exchange = await fetch(`${fake.url}/login/oauth/access_token`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify({ client_id: fake.app.clientId, client_secret: oauthClientSecret(fake), code, redirect_uri: redirect }) });
  const body = (await exchange.json()) as { access_token: string };
  // A code works once.
  const again = await fetch(`${fake.url}/login/oauth/access_token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: fake.app.clientId, client_secret: oauthClientSecret(fake), code }) });
  expect(await again.json()).toMatchObject({ error: "bad_verification_code" });
  return body.access_token;
}

describe("access, asked of GitHub with the user's token", () => {
  it("is remembered for its time to live, then asked again (a revoked access shows within a minute)", async () => {
    fake.addRepository({ owner: "acme", name: "cached", files: {} });
    fake.setPermission("acme", "cached", "dana", "read");
    let now = 1_000_000;
    const cache = new AccessCache({ web: fake.url, api: fake.url }, 60_000, () => now);
    const token = await userToken("dana");
    const asked = () => fake.countRequests({ route: "GET /repos/{owner}/{repo}" });
    const before = asked();
    expect(await cache.access(token, "acme", "cached")).toBe("read");
    fake.setPermission("acme", "cached", "dana", "none");
    expect(await cache.access(token, "acme", "cached")).toBe("read");
    expect(asked() - before).toBe(1);
    now += 60_000;
    expect(await cache.access(token, "acme", "cached")).toBe("none");
    expect(asked() - before).toBe(2);
  });

  it("an admin is told apart; a repository the App is not installed on is no access, whatever the user's rights", async () => {
    fake.addRepository({ owner: "acme", name: "admined", files: {} });
    fake.setPermission("acme", "admined", "erin", "admin");
    fake.addRepository({ owner: "acme", name: "elsewhere", files: {}, installationId: null });
    fake.setPermission("acme", "elsewhere", "erin", "admin");
    const cache = new AccessCache({ web: fake.url, api: fake.url });
    const token = await userToken("erin");
    expect(await cache.access(token, "acme", "admined")).toBe("admin");
    expect(await cache.access(token, "acme", "elsewhere")).toBe("none");
    expect(await cache.readable(token)).toEqual(["acme/admined"]);
  });

  it("GitHub failing is not an answer: it throws (the page says so) and is not cached", async () => {
    fake.addRepository({ owner: "acme", name: "flaky", files: {} });
    fake.setPermission("acme", "flaky", "finn", "read");
    const cache = new AccessCache({ web: fake.url, api: fake.url });
    const token = await userToken("finn");
    fake.failNext({ status: 502, route: "GET /repos/{owner}/{repo}" });
    await expect(cache.access(token, "acme", "flaky")).rejects.toThrow();
    expect(await cache.access(token, "acme", "flaky")).toBe("read");
  });
});

describe("sealed cookies", () => {
  it("open only with the same secret and purpose, before they expire, and unaltered", () => {
    const sessions = sealer("s3cret", "session");
    const cookie = sessions.seal({ login: "dana", token: "ghu_x" }, 2_000);
    expect(sessions.open(cookie, 1_999)).toEqual({ login: "dana", token: "ghu_x" });
    expect(sessions.open(cookie, 2_000)).toBeNull();
    expect(sealer("s3cret", "oauth-state").open(cookie, 0)).toBeNull();
    expect(sealer("other", "session").open(cookie, 0)).toBeNull();
    for (let at = 0; at < cookie.length; at += 7) {
      const flipped = `${cookie.slice(0, at)}${cookie[at] === "A" ? "B" : "A"}${cookie.slice(at + 1)}`;
      expect(sessions.open(flipped, 0)).toBeNull();
    }
    expect(cookie).not.toContain("ghu_x");
    expect(Buffer.from(cookie, "base64url").toString("latin1")).not.toContain("ghu_x");
  });
});

describe("feed secrets", () => {
  it("with Redis, replicas agree on one secret and on its rotation; the old one no longer matches", async () => {
    // Two replicas, each with its own connection to the one Redis.
    const [one, two] = [new FeedSecrets(redis.client() as unknown as RedisLike), new FeedSecrets(redis.client() as unknown as RedisLike)];
    const [a, b] = await Promise.all([one.secret("acme/shop"), two.secret("ACME/shop")]);
    expect(a).toBe(b);
    expect(a).toMatch(/^[\w-]{32}$/);
    const rotated = await two.rotate("acme/shop");
    expect(await one.matches("acme/shop", a)).toBe(false);
    expect(await one.matches("acme/shop", rotated)).toBe(true);
    expect(await one.matches("acme/web", rotated)).toBe(false);
  });
});
