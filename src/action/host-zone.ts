import { canonicalZones, intlZoneOffsets, type ZoneOffsets } from "../engine/zone-offsets.js";

/**
 * Zone offsets for a process that evaluates one policy, so one zone: the first zone asked
 * about becomes the process's own (`TZ`), and its offsets are read from Date's local time.
 *
 * Why: Intl.DateTimeFormat's first use costs a cold start ~20 ms (ICU loads every locale's
 * date formats before it looks at the zone), a seventh of a gate step's run, while Date asks
 * ICU's zone rules directly (~0.2 ms): same ICU, same tz data, same offsets. Node resets its
 * zone caches when `process.env.TZ` is assigned (nodejs/node#20026, kept by its
 * test-process-env-tz.js), and on Windows, where ICU itself ignores `TZ`, sets ICU's default
 * zone from it (nodejs/node#38642). Only zones Intl lists (canonical names) are adopted, the ones
 * test/action/host-zone.test.ts compares with Intl at instants from 1990 to 2045; any other
 * zone, and every zone after the first, is answered by Intl. changegate's own code never
 * reads local time (the test suite runs under two host zones to prove it), so moving the
 * process's zone changes nothing else.
 */
export function hostZoneOffsets(): ZoneOffsets {
  let adopted: string | null = null;
  return (zone, instant) => {
    if (adopted === null && canonicalZones().has(zone)) {
      process.env["TZ"] = zone;
      adopted = zone;
    }
    return zone === adopted ? -new Date(instant).getTimezoneOffset() : intlZoneOffsets(zone, instant);
  };
}
