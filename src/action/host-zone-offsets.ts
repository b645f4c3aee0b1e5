import { hostZoneOffsets } from "./host-zone.js";

/**
 * What the Action's bundle links in place of src/engine/zone-offsets.ts (see
 * scripts/zone-offsets-plugin.js): the same exports, the engine's offsets from the process's
 * own zone (host-zone.ts). Only the bundle uses it; Node links the engine's own module.
 */
export { canonicalZones, intlZoneOffsets, type ZoneOffsets } from "../engine/zone-offsets.js";

export const zoneOffsets = hostZoneOffsets();
