import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/audit/canonical.js";
import { HEAD_PATH, recordPath } from "../../src/audit/layout.js";
import type { AuditRecord } from "../../src/audit/record.js";
import { sealRecord } from "../../src/audit/record.js";
import { startChangegate, type Started } from "../../src/app/server.js";
import { sealer } from "../../src/app/pages/session.js";
import { oauthClientSecret, signInAs, startFakeGitHub, type FakeGitHub } from "../fake-github/index.js";
import { launchBrowser, watchPage } from "../support/browser.js";
import { chain, changeRecord } from "../support/trail.js";
import { freePort } from "../support/free-port.js";

/**
 * The App's pages behind GitHub sign-in, end to end: Probot's server with the pages
 * configured, the fake GitHub's OAuth web flow and user tokens, and a browser's cookie jar.
 */
const SESSION_SECRET = "test-session-secret";
const POLICY = ["version: 1", "timezone: UTC", 'freezes: [{ name: "Year end", start: "2026-12-24T00:00", end: "2026-12-27T00:00" }]', ""].join("\n");
const T0 = Date.parse("2026-11-02T00:00:00Z");
const TITLE = `<img src=x onerror="alert(1)"> tune checkout`;

let fake: FakeGitHub;
let app: Started;
let base: string;
let records: AuditRecord[];


function trailFiles(list: readonly AuditRecord[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const record of list) files[recordPath(record.seq)] = canonicalJson(record);
  files[HEAD_PATH] = canonicalJson({ seq: list.at(-1)!.seq, hash: list.at(-1)!.hash });
  return files;
}

beforeAll(async () => {
  fake = await startFakeGitHub();
  fake.addRepository({ owner: "acme", name: "shop", files: { ".github/changegate.yml": POLICY } });
  fake.addRepository({ owner: "acme", name: "vault", files: { ".github/changegate.yml": POLICY } });
  fake.addRepository({ owner: "acme", name: "plain", files: { "README.md": "not enrolled\n" } });
  fake.setPermission("acme", "plain", "reader", "read");
  records = chain([1, 2, 3].map((number) => changeRecord({ number, mergedAt: T0 + number * 3_600_000, title: number === 2 ? TITLE : `Change ${number}` })));
  fake.commit("acme", "shop", "changegate/audit", trailFiles(records));
  fake.commit("acme", "vault", "changegate/audit", trailFiles(chain([changeRecord({ number: 1, mergedAt: T0, repository: "acme/vault" })])));
  fake.setPermission("acme", "shop", "reader", "read");
  fake.setPermission("acme", "shop", "boss", "admin");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = await startChangegate(
    {
      APP_ID: String(fake.app.id),
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: "secret",
      GHE_HOST: fake.host,
      GHE_PROTOCOL: "http",
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "fatal",
      NODE_ENV: "test",
      GITHUB_CLIENT_ID: fake.app.clientId,
      GITHUB_CLIENT_SECRET: oauthClientSecret(fake),
      CHANGEGATE_SESSION_SECRET: SESSION_SECRET,
      CHANGEGATE_PAGES_REFRESH_SECONDS: "0",
    },
    { background: false },
  );
});

afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

/** A browser's view: follows redirects across the App and GitHub, keeps the App's cookies. */
class Browser {
  readonly cookies = new Map<string, string>();
  setCookies: string[] = [];

  async get(path: string, init: RequestInit = {}): Promise<{ status: number; url: string; text: string; headers: Headers }> {
    let url = path.startsWith("http") ? path : `${base}${path}`;
    for (let hop = 0; hop < 10; hop++) {
      const headers = new Headers(init.headers);
      if (url.startsWith(base) && this.cookies.size > 0) headers.set("cookie", [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "));
      const response = await fetch(url, { ...init, headers, redirect: "manual" });
      for (const cookie of response.headers.getSetCookie()) {
        if (!url.startsWith(base)) continue;
        this.setCookies.push(cookie);
        const [pair] = cookie.split(";");
        const [name, value] = pair!.split("=") as [string, string];
        if (/Max-Age=0/.test(cookie)) this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location !== null) {
        url = new URL(location, url).href;
        init = {};
        continue;
      }
      return { status: response.status, url, text: await response.text(), headers: response.headers };
    }
    throw new Error("too many redirects");
  }
}

async function signedIn(login: string): Promise<Browser> {
  signInAs(fake, login);
  const browser = new Browser();
  const landed = await browser.get("/changegate/");
  expect(landed.status).toBe(200);
  return browser;
}

describe("the App's pages at /changegate/", () => {
  it("signed out: every page sends to sign-in, through GitHub's OAuth flow and back to the page asked for", async () => {
    const first = await fetch(`${base}/changegate/acme/shop/index.html`, { redirect: "manual" });
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe("/changegate/login?next=%2Fchangegate%2Facme%2Fshop%2Findex.html");
    signInAs(fake, "reader");
    const browser = new Browser();
    const page = await browser.get("/changegate/acme/shop/index.html");
    expect(page.url).toBe(`${base}/changegate/acme/shop/index.html`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<body data-page="index">');
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const session = browser.setCookies.find((cookie) => cookie.startsWith("changegate_session="))!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Lax/);
    expect(session).toMatch(/; Path=\/changegate/);
    expect(session).toMatch(/Max-Age=28800/);
    expect(session).not.toMatch(/Secure/); // plain HTTP here; behind TLS it is Secure (below)
    const data = await browser.get("/changegate/acme/shop/data/site.js");
    expect(data.status).toBe(200);
    expect(data.text).toContain("tune checkout");
    // Script, never HTML: a title's markup is a string in it, and the browser may not sniff it as anything else.
    expect(data.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(data.headers.get("x-content-type-options")).toBe("nosniff");
    // The index was built from one archive download, not a request per record.
    expect(fake.countRequests({ route: "GET /repos/{owner}/{repo}/tarball/{ref}" })).toBe(1);
    expect(fake.countRequests({ route: "GET /repos/{owner}/{repo}/git/blobs/{file_sha}" })).toBe(0);
  });

  it("the sign-in's state is checked: a callback this browser did not start is refused", async () => {
    const started = await fetch(`${base}/changegate/login`, { redirect: "manual" });
    const state = new URL(started.headers.get("location")!).searchParams.get("state")!;
    expect(state.length).toBeGreaterThan(20);
    const cookie = started.headers.getSetCookie()[0]!.split(";")[0]!;
    const forged = await fetch(`${base}/changegate/callback?code=abc&state=${state}x`, { headers: { cookie }, redirect: "manual" });
    expect(forged.status).toBe(400);
    const noCookie = await fetch(`${base}/changegate/callback?code=abc&state=${state}`, { redirect: "manual" });
    expect(noCookie.status).toBe(400);
    const behindTls = await fetch(`${base}/changegate/login`, { headers: { "x-forwarded-proto": "https" }, redirect: "manual" });
    expect(behindTls.headers.getSetCookie()[0]).toMatch(/; Secure/);
  });

  it("signed in without access: 404, the same as for a repository that does not exist", async () => {
    const browser = await signedIn("reader");
    const hidden = await browser.get("/changegate/acme/vault/index.html");
    const missing = await browser.get("/changegate/acme/nothing-here/index.html");
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(hidden.text).toBe(missing.text);
    const notEnrolled = await browser.get("/changegate/acme/plain/index.html");
    expect(notEnrolled.status).toBe(404);
    expect(notEnrolled.text).toBe(missing.text);
    expect((await browser.get("/changegate/acme/vault/data/site.js")).status).toBe(404);
    const list = await browser.get("/changegate/");
    expect(list.text).toContain("acme/shop");
    expect(list.text).not.toContain("acme/vault");
  });

  it("a forged or expired session sends to sign-in", async () => {
    const browser = await signedIn("reader");
    const real = browser.cookies.get("changegate_session")!;
    const flipped = `${real.slice(0, 20)}${real[20] === "A" ? "B" : "A"}${real.slice(21)}`;
    for (const cookie of [flipped, "garbage", sealer("another-secret", "session").seal({ login: "boss", token: "x" }, Date.now() + 60_000), sealer(SESSION_SECRET, "session").seal({ login: "reader", token: "x" }, Date.now() - 1)]) {
      const answer = await fetch(`${base}/changegate/acme/shop/data/site.js`, { headers: { cookie: `changegate_session=${cookie}` }, redirect: "manual" });
      expect(answer.status).toBe(302);
      expect(answer.headers.get("location")).toMatch(/^\/changegate\/login\?next=/);
    }
  });

  it("the calendar feed: its secret URL works without sign-in; a wrong or rotated secret is 404; only an admin rotates", async () => {
    const reader = await signedIn("reader");
    const page = await reader.get("/changegate/acme/shop/feed");
    const feedUrl = /<code>(http[^<]+\.ics)<\/code>/.exec(page.text)![1]!;
    expect(page.text).not.toContain("<form");
    const feed = await fetch(feedUrl);
    expect(feed.status).toBe(200);
    expect(feed.headers.get("content-type")).toContain("text/calendar");
    expect(await feed.text()).toContain("SUMMARY:freeze: Year end");
    expect((await fetch(feedUrl.replace(/\/([\w-]+)\.ics$/, "/wrong.ics"))).status).toBe(404);
    expect((await fetch(feedUrl.replace("/acme/shop/", "/acme/vault/"))).status).toBe(404);
    expect((await reader.get("/changegate/acme/shop/feed/rotate", { method: "POST" })).status).toBe(404);
    expect((await fetch(feedUrl)).status).toBe(200);

    const boss = await signedIn("boss");
    const rotated = await boss.get("/changegate/acme/shop/feed/rotate", { method: "POST" });
    expect(rotated.status).toBe(200);
    const newUrl = /<code>(http[^<]+\.ics)<\/code>/.exec(rotated.text)![1]!;
    expect(newUrl).not.toBe(feedUrl);
    expect((await fetch(feedUrl)).status).toBe(404);
    expect((await fetch(newUrl)).status).toBe(200);
  });

  it("the index follows the trail: a record appended is on the next page load", async () => {
    const browser = await signedIn("reader");
    expect((await browser.get("/changegate/acme/shop/data/site.js")).text).not.toContain("Change 4");
    const next = sealRecord(changeRecord({ number: 4, mergedAt: T0 + 4 * 3_600_000 }), records.at(-1)!);
    fake.commit("acme", "shop", "changegate/audit", { [recordPath(next.seq)]: canonicalJson(next), [HEAD_PATH]: canonicalJson({ seq: next.seq, hash: next.hash }) });
    const before = fake.countRequests({ route: /^GET /, excludeInstallationToken: true });
    const after = await browser.get("/changegate/acme/shop/data/site.js");
    expect(after.text).toContain("Change 4");
    expect(after.text).toContain('\\"verified\\":4');
    // The access check is cached; head.json and the one new record are read, not the trail again.
    const read = fake.requests({ route: /^GET /, excludeInstallationToken: true }).slice(before).map((request) => request.path);
    expect(read).toEqual(["/repos/acme/shop/contents/head.json", `/repos/acme/shop/contents/${recordPath(4)}`]);
  });

  it("in Chromium: the App's pages load with their data, under its CSP header, with no console error and nothing off the App", async () => {
    const signed = await signedIn("reader");
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext();
      await context.addCookies([{ name: "changegate_session", value: signed.cookies.get("changegate_session")!, url: base }]);
      for (const page of ["index", "investigate", "calendar", "metrics"]) {
        const tab = await context.newPage();
        const watch = watchPage(tab, (requested) => requested.startsWith(`${base}/changegate/acme/shop/`));
        await tab.goto(`${base}/changegate/acme/shop/${page}.html`);
        await tab.waitForSelector("body[data-ready=true]");
        if (page === "index") {
          expect(await tab.textContent("#count")).toMatch(/^\d+ of \d+ changes$/);
          expect(await tab.textContent("#changes")).toContain(TITLE);
          await tab.click("#changes > li summary");
          await tab.waitForSelector("#changes > li .facts");
        }
        expect(watch.errors, page).toEqual([]);
        expect(watch.offsite, page).toEqual([]);
        await tab.close();
      }
    } finally {
      await browser.close();
    }
  });

  it("a trail whose history changed under the index is read again, whole, on that same request", async () => {
    const browser = await signedIn("reader");
    expect((await browser.get("/changegate/acme/shop/data/site.js")).text).toContain("Change 4");
    // Record 4 replaced (same seq, another hash): head.json no longer names what was indexed.
    const other = sealRecord(changeRecord({ number: 5, mergedAt: T0 + 5 * 3_600_000, title: "Rewritten" }), records.at(-1)!);
    fake.commit("acme", "shop", "changegate/audit", { [recordPath(other.seq)]: canonicalJson(other), [HEAD_PATH]: canonicalJson({ seq: other.seq, hash: other.hash }) });
    const after = (await browser.get("/changegate/acme/shop/data/site.js")).text;
    expect(after).toContain("Rewritten");
    expect(after).not.toContain("Change 4");
  });
});
