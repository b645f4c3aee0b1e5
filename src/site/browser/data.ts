import type { ChangeDetails, SiteData } from "../model.js";
import { el } from "./dom.js";

declare global {
  interface Window {
    changegateSite?: SiteData;
    changegateDetails?: Record<number, Record<number, ChangeDetails>>;
  }
}

/** The data script beside the page; null when it did not load (the page says so). */
export function siteData(): SiteData | null {
  return window.changegateSite ?? null;
}

const loading = new Map<number, Promise<Record<number, ChangeDetails>>>();

/**
 * A details file, loaded on first need as a script beside the page (a page opened from
 * disk cannot fetch, and the CSP admits scripts from 'self' only).
 */
export function loadDetails(chunk: number): Promise<Record<number, ChangeDetails>> {
  let pending = loading.get(chunk);
  if (pending === undefined) {
    pending = new Promise((resolve, reject) => {
      const ready = window.changegateDetails?.[chunk];
      if (ready !== undefined) return resolve(ready);
      const script = el("script", { src: `data/details-${chunk}.js` });
      script.addEventListener("load", () => {
        const loaded = window.changegateDetails?.[chunk];
        if (loaded === undefined) reject(new Error(`data/details-${chunk}.js holds no details`));
        else resolve(loaded);
      });
      script.addEventListener("error", () => reject(new Error(`data/details-${chunk}.js could not be loaded`)));
      document.head.append(script);
    });
    pending.catch(() => loading.delete(chunk));
    loading.set(chunk, pending);
  }
  return pending;
}
