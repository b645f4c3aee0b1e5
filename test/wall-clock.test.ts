import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  instantOfDateTimeText,
  instantOfWallTime,
  intlZoneOffsets,
  isKnownZone,
  knownZones,
  parseDateTimeText,
  wallTimeAt,
  zoneOffsetMinutes,
  type WallTime,
} from "../src/engine/wall-clock.js";

const wall = (text: string): WallTime => parseDateTimeText(text)!.wall;
const iso = (instant: number) => new Date(instant).toISOString();

describe("host zone", () => {
  it("is the zone the test script chose, so these tests prove host independence", () => {
    // npm test runs this file under two host zones (see package.json).
    if (process.env["TZ"]) expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe(process.env["TZ"]);
  });
});

describe("zones", () => {
  it("knows canonical names, links and UTC's names, and nothing else", () => {
    expect(knownZones()).toContain("Europe/Berlin");
    for (const zone of ["Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT-3", "UTC", "Etc/UTC", "US/Eastern", "Asia/Calcutta"]) {
      expect(isKnownZone(zone), zone).toBe(true);
    }
    for (const zone of ["Europe/Berlinn", "CET+1", "Mars/Olympus", "", "europe/berlin "]) expect(isKnownZone(zone), zone).toBe(false);
  });

  it("asks the linked offset source (Intl under Node), and answers UTC without asking", () => {
    // The source is chosen when linking, never at run time (the Action's bundle links another:
    // test/action/host-zone.test.ts); the memo in front of it answers what the source answers.
    for (const at of [Date.UTC(2026, 0, 15, 12), Date.UTC(2026, 6, 15, 12), Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 2, 29, 0, 59)]) {
      expect(zoneOffsetMinutes("Europe/Berlin", at)).toBe(intlZoneOffsets("Europe/Berlin", at));
      expect(zoneOffsetMinutes("Asia/Kolkata", at)).toBe(330);
      expect(zoneOffsetMinutes("UTC", at)).toBe(0);
    }
    expect(wallTimeAt(Date.UTC(2026, 0, 15, 12), "Asia/Kolkata")).toMatchObject({ hour: 17, minute: 30 });
  });
});

describe("instantOfWallTime", () => {
  it("resolves ordinary wall-clock times with the zone's offset", () => {
    expect(iso(instantOfWallTime(wall("2026-07-01T12:00"), "Europe/Berlin"))).toBe("2026-07-01T10:00:00.000Z");
    expect(iso(instantOfWallTime(wall("2026-01-15T12:00"), "Europe/Berlin"))).toBe("2026-01-15T11:00:00.000Z");
    expect(iso(instantOfWallTime(wall("2026-07-01T12:00"), "America/New_York"))).toBe("2026-07-01T16:00:00.000Z");
    expect(iso(instantOfWallTime(wall("2026-07-01T12:00"), "Asia/Kolkata"))).toBe("2026-07-01T06:30:00.000Z");
  });

  describe("America/New_York", () => {
    it("moves a skipped time (clocks forward, 8 Mar 2026) forward by the gap", () => {
      // 02:30 does not exist; RFC 5545: take the offset before the gap (EST), which is 03:30 EDT.
      expect(iso(instantOfWallTime(wall("2026-03-08T02:30"), "America/New_York"))).toBe("2026-03-08T07:30:00.000Z");
      expect(iso(instantOfWallTime(wall("2026-03-08T02:00"), "America/New_York"))).toBe("2026-03-08T07:00:00.000Z");
      expect(iso(instantOfWallTime(wall("2026-03-08T03:00"), "America/New_York"))).toBe("2026-03-08T07:00:00.000Z");
      expect(iso(instantOfWallTime(wall("2026-03-08T01:59"), "America/New_York"))).toBe("2026-03-08T06:59:00.000Z");
    });
    it("takes the first occurrence of a repeated time (clocks back, 1 Nov 2026)", () => {
      expect(iso(instantOfWallTime(wall("2026-11-01T01:30"), "America/New_York"))).toBe("2026-11-01T05:30:00.000Z");
      expect(iso(instantOfWallTime(wall("2026-11-01T01:00"), "America/New_York"))).toBe("2026-11-01T05:00:00.000Z");
      expect(iso(instantOfWallTime(wall("2026-11-01T02:00"), "America/New_York"))).toBe("2026-11-01T07:00:00.000Z");
      expect(iso(instantOfWallTime(wall("2026-11-01T00:59"), "America/New_York"))).toBe("2026-11-01T04:59:00.000Z");
    });
  });

  describe("Europe/Berlin", () => {
    it("moves a skipped time (clocks forward, 29 Mar 2026) forward by the gap", () => {
      expect(iso(instantOfWallTime(wall("2026-03-29T02:30"), "Europe/Berlin"))).toBe("2026-03-29T01:30:00.000Z");
      expect(iso(instantOfWallTime(wall("2026-03-29T03:00"), "Europe/Berlin"))).toBe("2026-03-29T01:00:00.000Z");
    });
    it("takes the first occurrence of a repeated time (clocks back, 25 Oct 2026)", () => {
      expect(iso(instantOfWallTime(wall("2026-10-25T02:30"), "Europe/Berlin"))).toBe("2026-10-25T00:30:00.000Z");
      expect(iso(instantOfWallTime(wall("2026-10-25T03:00"), "Europe/Berlin"))).toBe("2026-10-25T02:00:00.000Z");
    });
  });

  it("handles a half-hour DST shift (Australia/Lord_Howe)", () => {
    // Clocks go from 02:00 +10:30 to 02:30 +11:00 on 4 Oct 2026: 02:15 is skipped, moves to 02:45.
    expect(iso(instantOfWallTime(wall("2026-10-04T02:15"), "Australia/Lord_Howe"))).toBe("2026-10-03T15:45:00.000Z");
  });

  it("round-trips every instant through its wall-clock time when that time is not repeated", () => {
    const zones = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"];
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }), fc.constantFrom(...zones), (ms, zone) => {
        const instant = Math.floor(ms / 60_000) * 60_000;
        const back = instantOfWallTime(wallTimeAt(instant, zone), zone);
        // Either the same instant, or (a repeated hour's second pass) the first occurrence before it.
        expect(back === instant || (back < instant && instant - back <= 3_600_000)).toBe(true);
        expect(wallTimeAt(back, zone)).toEqual(wallTimeAt(instant, zone));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("date-time texts", () => {
  it("uses the text's own offset when it has one, the zone otherwise", () => {
    const zone = "America/New_York";
    expect(iso(instantOfDateTimeText(parseDateTimeText("2026-03-28T00:00:00Z")!, zone))).toBe("2026-03-28T00:00:00.000Z");
    expect(iso(instantOfDateTimeText(parseDateTimeText("2026-03-28T00:00+02:00")!, zone))).toBe("2026-03-27T22:00:00.000Z");
    expect(iso(instantOfDateTimeText(parseDateTimeText("2026-12-24T00:00")!, zone))).toBe("2026-12-24T05:00:00.000Z");
    expect(iso(instantOfDateTimeText(parseDateTimeText("2026-12-24")!, zone))).toBe("2026-12-24T05:00:00.000Z");
  });
  it("rejects impossible dates and times", () => {
    for (const text of ["2026-02-30T00:00", "2026-13-01", "2026-01-01T24:00", "2026-01-01T12:60", "yesterday", "2026-1-1"]) {
      expect(parseDateTimeText(text), text).toBeNull();
    }
  });
});
