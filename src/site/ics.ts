import { createHash } from "node:crypto";
import type { CalendarEvent } from "./model.js";

/**
 * An RFC 5545 calendar of events: one VEVENT each, a UID that stays the same across builds
 * (a hash of kind, name and interval, so a subscribed calendar updates rather than doubles),
 * DTSTART/DTEND in UTC, lines folded at 75 octets and text escaped.
 */
export function icsCalendar(events: readonly CalendarEvent[], name: string, stampedAt: number): string {
  const lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//changegate//site//EN", "CALSCALE:GREGORIAN", `X-WR-CALNAME:${escapeText(name)}`];
  for (const event of events) {
    const uid = createHash("sha256").update(`${event.kind}|${event.name}|${event.start}|${event.end}`).digest("hex").slice(0, 32);
    lines.push(
      "BEGIN:VEVENT",
      `UID:${uid}@changegate`,
      `DTSTAMP:${utc(stampedAt)}`,
      `DTSTART:${utc(event.start)}`,
      `DTEND:${utc(event.end)}`,
      `SUMMARY:${escapeText(`${event.kind}: ${event.name}`)}`,
      `CATEGORIES:${event.kind.toUpperCase()}`,
      `TRANSP:${event.kind === "window" ? "TRANSPARENT" : "OPAQUE"}`,
      "END:VEVENT",
    );
  }
  lines.push("END:VCALENDAR");
  return lines.map(fold).join("\r\n") + "\r\n";
}

function utc(at: number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/** RFC 5545 §3.3.11: backslash, semicolon, comma and newline are escaped in TEXT. */
function escapeText(text: string): string {
  return text.replace(/[\\;,]/g, (char) => `\\${char}`).replace(/\r?\n/g, "\\n");
}

/** RFC 5545 §3.1: lines longer than 75 octets continue on the next line after a space, never inside a character. */
function fold(line: string): string {
  const parts: string[] = [];
  let current = "";
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, "utf8");
    if (octets + size > (parts.length === 0 ? 75 : 74)) {
      parts.push(current);
      current = "";
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join("\r\n ");
}
