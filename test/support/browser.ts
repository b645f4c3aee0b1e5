import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

/**
 * The system's Chromium (Debian's chromium-headless-shell; .ci/run installs it), driven by
 * playwright-core: no browser is downloaded. CHROMIUM_PATH names another build.
 */
export const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium-headless-shell";

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium-headless-shell (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
}

/** What a page did that it must not: console errors, uncaught errors, requests off the allowed origin. */
export interface PageWatch {
  errors: string[];
  offsite: string[];
}

export function watchPage(page: Page, allowed: (url: string) => boolean): PageWatch {
  const watch: PageWatch = { errors: [], offsite: [] };
  page.on("console", (message) => {
    if (message.type() === "error") watch.errors.push(message.text());
  });
  page.on("pageerror", (error) => watch.errors.push(error.message));
  page.on("request", (request) => {
    if (!allowed(request.url())) watch.offsite.push(request.url());
  });
  return watch;
}
