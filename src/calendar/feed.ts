import { createHash } from "node:crypto";
import ICAL from "ical.js";
import type { CalendarEvent } from "./events.js";

/**
 * A list of calendar events as an RFC 5545 calendar that calendar apps subscribe to: one
 * VEVENT each, in UTC, with a UID that stays the same for the same event (a hash of what
 * it is), so a subscribed calendar updates instead of duplicating. ical.js writes it:
 * CRLF line ends, lines folded at 75 octets, text escaped.
 */
export function calendarFeed(events: readonly CalendarEvent[], calendarName = "changegate"): string {
  const calendar = new ICAL.Component("vcalendar");
  calendar.addPropertyWithValue("prodid", "-//changegate//calendar//EN");
  calendar.addPropertyWithValue("version", "2.0");
  calendar.addPropertyWithValue("calscale", "GREGORIAN");
  calendar.addPropertyWithValue("x-wr-calname", calendarName);
  for (const event of events) {
    const vevent = new ICAL.Component("vevent");
    const uid = createHash("sha256").update(`${event.kind}\n${event.name}\n${event.start}\n${event.untilClosed ? "open" : event.end}`).digest("hex").slice(0, 32);
    vevent.addPropertyWithValue("uid", `${uid}@changegate`);
    // DTSTAMP is required; the event's own start keeps the feed the same from one run to the next.
    vevent.addPropertyWithValue("dtstamp", utc(event.start));
    vevent.addPropertyWithValue("dtstart", utc(event.start));
    vevent.addPropertyWithValue("dtend", utc(event.end));
    vevent.addPropertyWithValue("summary", `${event.kind === "window" ? "Window" : event.kind === "freeze" ? "Freeze" : "Blackout"}: ${event.name}`);
    vevent.addPropertyWithValue("categories", event.kind);
    vevent.addPropertyWithValue("transp", event.kind === "window" ? "TRANSPARENT" : "OPAQUE");
    if (event.issue !== undefined) {
      vevent.addPropertyWithValue("url", event.issue.url);
      vevent.addPropertyWithValue("description", `Held by issue #${event.issue.number} (${event.issue.title}), opened by @${event.issue.author}${event.untilClosed ? "; until it is closed" : ""}.`);
    }
    calendar.addSubcomponent(vevent);
  }
  return `${calendar.toString()}\r\n`;
}

function utc(instant: number): ICAL.Time {
  const date = new Date(instant);
  return ICAL.Time.fromData(
    { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: date.getUTCHours(), minute: date.getUTCMinutes(), second: date.getUTCSeconds(), isDate: false },
    ICAL.Timezone.utcTimezone,
  );
}
