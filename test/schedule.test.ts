import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ChangeType } from "../src/engine/policy.js";
import { evaluateSchedule, type ScheduleInput, type TeamApprover } from "../src/engine/schedule.js";
import { policyFrom } from "./support/policy.js";

const at = (text: string) => Date.parse(text);
const iso = (instant: number | null) => (instant === null ? null : new Date(instant).toISOString());

const BASE = `
version: 1
timezone: "UTC"
windows:
  standard: "always"
  normal:
    - { days: [tue, wed, thu], from: "02:00", to: "06:00" }
  emergency: "always"
blackouts:
  - { name: "Year-end holidays", start: "2026-12-24T00:00", end: "2026-12-27T00:00" }
freezes:
  - name: "Q1 2026 End-of-Quarter"
    start: "2026-03-28T00:00:00Z"
    end: "2026-04-02T00:00:00Z"
    environments: ["production"]
    services: []
    exceptions:
      labels: ["security-critical", "incident-fix"]
      approvers: ["vp-engineering"]
emergency:
  approvers: ["incident-commanders"]
`;

function schedule(overrides: Partial<ScheduleInput> & { at: number }, policyText = BASE) {
  return evaluateSchedule({
    policy: policyFrom(policyText),
    type: "normal",
    environment: "production",
    services: [],
    labels: [],
    approvers: [],
    ...overrides,
  });
}

describe("windows", () => {
  it("allows a normal change inside a slot and says when the slot closes", () => {
    const decision = schedule({ at: at("2026-02-25T03:00:00Z") }); // Wednesday
    expect(decision.allowed).toBe(true);
    expect(iso(decision.closesAt)).toBe("2026-02-25T06:00:00.000Z");
    expect(decision.opensAt).toBeNull();
  });

  it("blocks outside the slots and says when the next one opens", () => {
    const decision = schedule({ at: at("2026-02-23T14:00:00Z") }); // Monday
    expect(decision.allowed).toBe(false);
    expect(decision.blockers).toEqual([{ kind: "outside-window", type: "normal" }]);
    expect(iso(decision.opensAt)).toBe("2026-02-24T02:00:00.000Z");
  });

  it("treats slot ends as half-open: [from, to)", () => {
    expect(schedule({ at: at("2026-02-25T02:00:00Z") }).allowed).toBe(true);
    expect(schedule({ at: at("2026-02-25T05:59:59.999Z") }).allowed).toBe(true);
    expect(schedule({ at: at("2026-02-25T06:00:00Z") }).allowed).toBe(false);
    expect(schedule({ at: at("2026-02-25T01:59:59.999Z") }).allowed).toBe(false);
  });

  it("gives a slot whose `to` is earlier than `from` to the day it starts on", () => {
    const policy = BASE.replace(`- { days: [tue, wed, thu], from: "02:00", to: "06:00" }`, `- { days: [fri], from: "22:00", to: "02:00" }`);
    expect(schedule({ at: at("2026-02-27T23:00:00Z") }, policy).allowed).toBe(true); // Friday 23:00
    expect(schedule({ at: at("2026-02-28T01:30:00Z") }, policy).allowed).toBe(true); // Saturday 01:30, Friday's slot
    expect(schedule({ at: at("2026-02-28T02:00:00Z") }, policy).allowed).toBe(false);
    expect(schedule({ at: at("2026-02-28T23:00:00Z") }, policy).allowed).toBe(false); // Saturday's own night: no slot
    expect(iso(schedule({ at: at("2026-02-28T02:00:00Z") }, policy).opensAt)).toBe("2026-03-06T22:00:00.000Z");
  });

  it("lets standard and emergency changes merge any time by default, and `never` never", () => {
    expect(schedule({ type: "standard", at: at("2026-02-23T14:00:00Z") }).allowed).toBe(true);
    expect(schedule({ type: "emergency", at: at("2026-02-23T14:00:00Z") }).allowed).toBe(true);
    const never = schedule({ type: "normal", at: at("2026-02-25T03:00:00Z") }, BASE.replace(/normal:\n\s+- \{[^}]+\}/, 'normal: "never"'));
    expect(never.allowed).toBe(false);
    expect(never.blockers[0]?.kind).toBe("no-window");
    expect(never.opensAt).toBeNull();
  });

  it("leaves an environment the policy does not gate ungated", () => {
    const decision = schedule({ environment: "staging", at: at("2026-02-23T14:00:00Z") });
    expect(decision.gated).toBe(false);
    expect(decision.allowed).toBe(true);
  });
});

describe("blackouts", () => {
  it("block normal changes inside their dates (policy zone), not standard ones", () => {
    const policy = BASE.replace('timezone: "UTC"', 'timezone: "America/New_York"').replace(/normal:\n\s+- \{[^}]+\}/, 'normal: "always"');
    // The blackout starts at 2026-12-24T00:00 New York time = 05:00Z.
    expect(schedule({ at: at("2026-12-24T04:59:59Z") }, policy).allowed).toBe(true);
    const inside = schedule({ at: at("2026-12-24T05:00:00Z") }, policy);
    expect(inside.allowed).toBe(false);
    expect(inside.blockers[0]).toMatchObject({ kind: "blackout", name: "Year-end holidays" });
    expect(iso(inside.opensAt)).toBe("2026-12-27T05:00:00.000Z");
    expect(schedule({ type: "standard", at: at("2026-12-25T12:00:00Z") }, policy).allowed).toBe(true);
  });
});

describe("freezes", () => {
  const inFreeze = at("2026-03-31T03:00:00Z"); // a Tuesday, inside the normal window
  const vp: TeamApprover = { login: "victor", teams: ["vp-engineering"] };

  it("block normal and standard changes in scope", () => {
    for (const type of ["normal", "standard"] as ChangeType[]) {
      const decision = schedule({ type, at: inFreeze });
      expect(decision.allowed, type).toBe(false);
      expect(decision.blockers).toContainEqual(expect.objectContaining({ kind: "freeze", name: "Q1 2026 End-of-Quarter" }));
    }
  });

  it("opens at the first window after the freeze ends", () => {
    // The freeze ends Thursday 2 April 00:00; the next normal slot is Thursday 02:00.
    expect(iso(schedule({ at: inFreeze }).opensAt)).toBe("2026-04-02T02:00:00.000Z");
    // Standard changes have no window: they open when the freeze ends.
    expect(iso(schedule({ type: "standard", at: inFreeze }).opensAt)).toBe("2026-04-02T00:00:00.000Z");
  });

  it("are half-open: the end instant is already free", () => {
    expect(schedule({ type: "standard", at: at("2026-04-01T23:59:59.999Z") }).allowed).toBe(false);
    expect(schedule({ type: "standard", at: at("2026-04-02T00:00:00Z") }).allowed).toBe(true);
    expect(schedule({ type: "standard", at: at("2026-03-28T00:00:00Z") }).allowed).toBe(false);
  });

  it("do not apply to other environments, or to services outside their scope", () => {
    expect(schedule({ type: "standard", environment: "production-eu", at: inFreeze }).gated).toBe(false);
    const scoped = BASE.replace("services: []", "services: [payments]");
    expect(schedule({ type: "standard", services: ["search"], at: inFreeze }, scoped).allowed).toBe(true);
    expect(schedule({ type: "standard", services: ["search", "payments"], at: inFreeze }, scoped).allowed).toBe(false);
    // A change naming no service cannot show it is outside a service-scoped freeze.
    expect(schedule({ type: "standard", services: [], at: inFreeze }, scoped).allowed).toBe(false);
  });

  it("let an exception through only with a listed label AND an approval from the exception team", () => {
    expect(schedule({ labels: ["security-critical"], at: inFreeze }).allowed).toBe(false);
    expect(schedule({ approvers: [vp], at: inFreeze }).allowed).toBe(false);
    const excepted = schedule({ labels: ["security-critical"], approvers: [vp], at: inFreeze });
    expect(excepted.allowed).toBe(true);
    expect(excepted.bypasses).toEqual([{ kind: "freeze-exception", freeze: "Q1 2026 End-of-Quarter", label: "security-critical", approver: "victor" }]);
  });

  it("still require the window for an excepted normal change", () => {
    const outsideWindow = at("2026-03-30T14:00:00Z"); // Monday
    const decision = schedule({ labels: ["incident-fix"], approvers: [vp], at: outsideWindow });
    expect(decision.allowed).toBe(false);
    expect(decision.blockers).toEqual([{ kind: "outside-window", type: "normal" }]);
  });

  it("let an emergency through once an incident commander approved, and not before", () => {
    const waiting = schedule({ type: "emergency", at: inFreeze });
    expect(waiting.allowed).toBe(false);
    expect(waiting.blockers[0]).toMatchObject({ kind: "awaiting-incident-commander", approvers: ["incident-commanders"] });
    const approved = schedule({ type: "emergency", approvers: [{ login: "ivan", teams: ["incident-commanders"] }], at: inFreeze });
    expect(approved.allowed).toBe(true);
    expect(approved.bypasses).toEqual([{ kind: "emergency", freeze: "Q1 2026 End-of-Quarter", approver: "ivan" }]);
  });

  it("say when an allowed change will be frozen", () => {
    const before = schedule({ type: "standard", at: at("2026-03-27T12:00:00Z") });
    expect(before.allowed).toBe(true);
    expect(iso(before.closesAt)).toBe("2026-03-28T00:00:00.000Z");
  });
});

describe("daylight saving time", () => {
  // No freezes or blackouts here: 29 March 2026 falls in BASE's Q1 freeze.
  const slotPolicy = slotPolicyText;

  it("America/New_York, clocks forward: a 01:00-03:00 slot lasts one hour", () => {
    const policy = slotPolicy("America/New_York", `- { days: [sun], from: "01:00", to: "03:00" }`);
    expect(schedule({ at: at("2026-03-08T05:59:00Z") }, policy).allowed).toBe(false);
    const inside = schedule({ at: at("2026-03-08T06:30:00Z") }, policy);
    expect(inside.allowed).toBe(true);
    expect(iso(inside.closesAt)).toBe("2026-03-08T07:00:00.000Z"); // 03:00 EDT
    expect(schedule({ at: at("2026-03-08T07:00:00Z") }, policy).allowed).toBe(false);
  });

  it("America/New_York, clocks back: 01:00-02:00 wall-clock spans both passes of the repeated hour", () => {
    const policy = slotPolicy("America/New_York", `- { days: [sun], from: "01:00", to: "02:00" }`);
    const first = schedule({ at: at("2026-11-01T05:00:00Z") }, policy); // 01:00 EDT
    expect(first.allowed).toBe(true);
    expect(iso(first.closesAt)).toBe("2026-11-01T07:00:00.000Z"); // 02:00 EST
    expect(schedule({ at: at("2026-11-01T06:30:00Z") }, policy).allowed).toBe(true); // 01:30 EST, second pass
    expect(schedule({ at: at("2026-11-01T04:59:00Z") }, policy).allowed).toBe(false);
  });

  it("Europe/Berlin, clocks forward: a slot starting in the gap starts after it", () => {
    const policy = slotPolicy("Europe/Berlin", `- { days: [sun], from: "02:30", to: "04:00" }`);
    const before = schedule({ at: at("2026-03-29T00:30:00Z") }, policy); // 01:30 CET
    expect(before.allowed).toBe(false);
    expect(iso(before.opensAt)).toBe("2026-03-29T01:30:00.000Z"); // 02:30 moved to 03:30 CEST
  });

  it("Europe/Berlin, clocks back: a slot starting in the repeated hour starts at its first occurrence", () => {
    const policy = slotPolicy("Europe/Berlin", `- { days: [sun], from: "02:30", to: "04:00" }`);
    const before = schedule({ at: at("2026-10-24T22:00:00Z") }, policy);
    expect(iso(before.opensAt)).toBe("2026-10-25T00:30:00.000Z"); // 02:30 CEST
    expect(iso(schedule({ at: at("2026-10-25T00:30:00Z") }, policy).closesAt)).toBe("2026-10-25T03:00:00.000Z"); // 04:00 CET
  });

  it("keeps a weekday slot at the same wall-clock time across a transition", () => {
    const policy = slotPolicy("Europe/Berlin", `- { days: [tue], from: "09:00", to: "10:00" }`);
    // Before (CET, UTC+1) and after (CEST, UTC+2) the 29 March change, and back on 25 October.
    expect(iso(schedule({ at: at("2026-03-23T12:00:00Z") }, policy).opensAt)).toBe("2026-03-24T08:00:00.000Z");
    expect(iso(schedule({ at: at("2026-03-30T12:00:00Z") }, policy).opensAt)).toBe("2026-03-31T07:00:00.000Z");
    expect(iso(schedule({ at: at("2026-10-26T12:00:00Z") }, policy).opensAt)).toBe("2026-10-27T08:00:00.000Z");
  });
});

describe("properties", () => {
  const instants = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 11, 31) });

  it("a decision in one zone equals the same slots written in another zone's wall-clock time", () => {
    // UTC slots at h..h+d equal UTC+3 (Etc/GMT-3, no DST) slots at h+3..h+d+3, every day of the week.
    fc.assert(
      fc.property(instants, fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 12 }), (instant, hour, length) => {
        const clock = (h: number) => `${String(h % 24).padStart(2, "0")}:00`;
        const all = "[sun, mon, tue, wed, thu, fri, sat]";
        const utc = slotPolicyText("UTC", `- { days: ${all}, from: "${clock(hour)}", to: "${clock(hour + length)}" }`);
        const plus3 = slotPolicyText("Etc/GMT-3", `- { days: ${all}, from: "${clock(hour + 3)}", to: "${clock(hour + length + 3)}" }`);
        const a = schedule({ at: instant }, utc);
        const b = schedule({ at: instant }, plus3);
        expect(b.allowed).toBe(a.allowed);
        expect(b.opensAt).toBe(a.opensAt);
        expect(b.closesAt).toBe(a.closesAt);
      }),
      { numRuns: 300 },
    );
  });

  it("a freeze written with an offset is the same freeze written in UTC", () => {
    fc.assert(
      fc.property(instants, (instant) => {
        const zulu = BASE.replace('start: "2026-03-28T00:00:00Z"', 'start: "2026-03-28T00:00:00Z"');
        const offset = BASE.replace('start: "2026-03-28T00:00:00Z"', 'start: "2026-03-28T05:30:00+05:30"').replace('end: "2026-04-02T00:00:00Z"', 'end: "2026-04-01T19:00:00-05:00"');
        const a = schedule({ type: "standard", at: instant }, zulu);
        const b = schedule({ type: "standard", at: instant }, offset);
        expect(b).toEqual(a);
      }),
      { numRuns: 300 },
    );
  });

  it("opensAt is the first instant it may merge: allowed there, blocked just before", () => {
    fc.assert(
      fc.property(instants, fc.constantFrom<ChangeType>("normal", "standard"), (instant, type) => {
        const decision = schedule({ type, at: instant });
        if (decision.allowed) {
          if (decision.closesAt !== null) {
            expect(schedule({ type, at: decision.closesAt }).allowed).toBe(false);
            expect(schedule({ type, at: decision.closesAt - 1 }).allowed).toBe(true);
          }
        } else {
          expect(decision.opensAt).not.toBeNull();
          expect(schedule({ type, at: decision.opensAt! }).allowed).toBe(true);
          expect(schedule({ type, at: decision.opensAt! - 1 }).allowed).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});

function slotPolicyText(zone: string, slot: string): string {
  return `version: 1\ntimezone: "${zone}"\nwindows:\n  normal:\n    ${slot}\n`;
}
