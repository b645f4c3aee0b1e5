import { findIana } from "windows-iana";

/**
 * Windows zone names as Outlook and Exchange write them in TZID ("W. Europe Standard Time"),
 * to IANA ones, by CLDR's table (windows-iana). Its own file: loaded only for a calendar file
 * with such a name (ics.ts asks for it).
 */
export function windowsZone(name: string): string | undefined {
  return findIana(name)[0];
}
