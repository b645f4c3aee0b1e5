import { tzOffset } from "@date-fns/tz";

/**
 * Where the engine's UTC offsets come from. This module is a link-time seam, not a setting:
 * Node (the App, the CLI, the tests) links it as it is, Intl; the Action's bundle links
 * src/action/host-zone-offsets.ts in its place (scripts/zone-offsets-plugin.js), which spares
 * a cold start Intl.DateTimeFormat's first use. Nothing changes the source at run time.
 */

/** A zone's offset from UTC, in minutes east, at an instant; the zone is a known one. */
export type ZoneOffsets = (zone: string, instant: number) => number;

/** Offsets from Intl.DateTimeFormat (via @date-fns/tz). */
export const intlZoneOffsets: ZoneOffsets = (zone, instant) => tzOffset(zone, new Date(instant));

/** The source the engine asks. */
export const zoneOffsets: ZoneOffsets = intlZoneOffsets;

let canonical: ReadonlySet<string> | undefined;

/**
 * The zones Intl lists (canonical IANA names). Listing them costs ~2 ms at a cold start,
 * where constructing an Intl.DateTimeFormat costs ~20 ms (ICU loads every locale's date
 * formats first), so a name is looked up here before it is tried on a formatter. (A memo of
 * a constant list, so no state a caller could see.)
 */
export function canonicalZones(): ReadonlySet<string> {
  canonical ??= new Set(Intl.supportedValuesOf("timeZone"));
  return canonical;
}
