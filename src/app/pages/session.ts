import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * The pages' cookies, sealed with AES-256-GCM under a key from CHANGEGATE_SESSION_SECRET:
 * the authentication tag signs them (a forged or altered cookie does not open) and the
 * encryption keeps the user's GitHub token unreadable in the browser. Each carries its own
 * expiry, checked on opening, so every replica with the secret accepts them and none needs
 * a session store.
 */
export interface Sealer {
  seal(value: object, expiresAt: number): string;
  /** The value, or null when forged, altered, expired or for another purpose. */
  open<T>(cookie: string | undefined, now: number): T | null;
}

export function sealer(secret: string, purpose: string): Sealer {
  const key = createHash("sha256").update(`changegate pages ${purpose}\0${secret}`).digest();
  return {
    seal(value, expiresAt) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify({ value, expiresAt }), "utf8"), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
    },
    open<T>(cookie: string | undefined, now: number): T | null {
      if (cookie === undefined || cookie === "") return null;
      try {
        const bytes = Buffer.from(cookie, "base64url");
        if (bytes.length < 29) return null;
        const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, 12));
        decipher.setAuthTag(bytes.subarray(12, 28));
        const text = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString("utf8");
        const { value, expiresAt } = JSON.parse(text) as { value: T; expiresAt: number };
        return typeof expiresAt === "number" && expiresAt > now ? value : null;
      } catch {
        return null;
      }
    },
  };
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0) cookies[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return cookies;
}

/** HttpOnly and SameSite=Lax always (Lax: the sign-in's return from GitHub is a top-level GET); Secure behind TLS. */
export function cookieHeader(name: string, value: string, options: { maxAgeSeconds: number; secure: boolean; path: string }): string {
  return [`${name}=${value}`, `Path=${options.path}`, `Max-Age=${options.maxAgeSeconds}`, "HttpOnly", "SameSite=Lax", ...(options.secure ? ["Secure"] : [])].join("; ");
}
