import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, recordHash } from "../../src/audit/canonical.js";
import { verifyChain, type TrailFile } from "../../src/audit/chain.js";
import { recordPath, seqOfPath } from "../../src/audit/layout.js";
import type { AuditRecord } from "../../src/audit/record.js";
import { generateTrail } from "../support/trail.js";

const records = generateTrail(12);
const filesOf = (list: readonly AuditRecord[]): TrailFile[] => list.map((record) => ({ path: recordPath(record.seq), bytes: Buffer.from(canonicalJson(record)) }));
const headOf = (list: readonly AuditRecord[]) => ({ seq: list.at(-1)!.seq, hash: list.at(-1)!.hash });

describe("verifyChain", () => {
  it("an intact trail verifies, in any listing order", () => {
    const files = filesOf(records);
    expect(verifyChain(files, headOf(records))).toEqual({ intact: true, count: 12, head: headOf(records) });
    expect(verifyChain([...files].reverse(), headOf(records))).toMatchObject({ intact: true, count: 12 });
    expect(verifyChain([], null)).toEqual({ intact: true, count: 0, head: null });
  });

  it("an edited record is named: its content no longer matches its hash", () => {
    const files = filesOf(records);
    const edited = { ...records[4]!, bypassed: true };
    files[4] = { path: files[4]!.path, bytes: Buffer.from(canonicalJson(edited)) };
    expect(verifyChain(files, headOf(records))).toMatchObject({ intact: false, broken: { seq: 5, path: recordPath(5), problem: expect.stringMatching(/edited/) } });
  });

  it("an edit that also recomputes the record's hash breaks the next record's link", () => {
    const files = filesOf(records);
    const { hash: _hash, ...rest } = { ...records[4]!, pull_request: { ...records[4]!.pull_request, author: "mallory" } };
    const forged = { ...rest, hash: recordHash(rest) };
    files[4] = { path: files[4]!.path, bytes: Buffer.from(canonicalJson(forged)) };
    expect(verifyChain(files, headOf(records))).toMatchObject({ intact: false, broken: { seq: 6, problem: expect.stringMatching(/does not follow record 5/) } });
  });

  it("a reformatted record (same values, other bytes) is caught", () => {
    const files = filesOf(records);
    files[2] = { path: files[2]!.path, bytes: Buffer.from(JSON.stringify(records[2], null, 2)) };
    expect(verifyChain(files, headOf(records))).toMatchObject({ intact: false, broken: { seq: 3, problem: expect.stringMatching(/canonical/) } });
  });

  it("a removed record leaves a gap that is named", () => {
    const files = filesOf(records).filter((file) => seqOfPath(file.path) !== 7);
    expect(verifyChain(files, headOf(records))).toMatchObject({ intact: false, broken: { seq: 7, problem: expect.stringMatching(/missing/) } });
  });

  it("removing the newest records is caught by head.json; without it, only the PR comments' hashes show it", () => {
    const files = filesOf(records.slice(0, 10));
    expect(verifyChain(files, headOf(records))).toMatchObject({ intact: false, broken: { seq: 11, problem: expect.stringMatching(/head\.json names record 12/) } });
    expect(verifyChain(files, null)).toMatchObject({ intact: true, count: 10 });
  });

  it("two records swapped (reordered) are caught at the first", () => {
    const files = filesOf(records);
    [files[3], files[4]] = [{ path: files[3]!.path, bytes: files[4]!.bytes }, { path: files[4]!.path, bytes: files[3]!.bytes }];
    expect(verifyChain(files, headOf(records))).toMatchObject({ intact: false, broken: { seq: 4, problem: expect.stringMatching(/holds record 5|does not follow/) } });
  });

  it("a record inserted in the middle (the rest renumbered) breaks the link after it", () => {
    const inserted = { ...records[5]!, pull_request: { ...records[5]!.pull_request, number: 999 } };
    const renumbered = [...records.slice(0, 6), inserted, ...records.slice(6)].map((record, index) => ({ ...record, seq: index + 1 }));
    const files = renumbered.map((record) => ({ path: recordPath(record.seq), bytes: Buffer.from(canonicalJson(record)) }));
    expect(verifyChain(files, null)).toMatchObject({ intact: false, broken: { seq: 7 } });
  });

  it("a file where no record can be is named", () => {
    const files = [...filesOf(records), { path: "records/000/000/notes.txt", bytes: Buffer.from("hello") }];
    expect(verifyChain(files, null)).toMatchObject({ intact: false, broken: { path: "records/000/000/notes.txt" } });
  });

  it("any single changed byte in any record is detected (property)", () => {
    const files = filesOf(records);
    fc.assert(
      fc.property(fc.nat(files.length - 1), fc.nat(), fc.integer({ min: 1, max: 255 }), (which, offset, delta) => {
        const bytes = Buffer.from(files[which]!.bytes);
        const at = offset % bytes.length;
        bytes[at] = (bytes[at]! + delta) % 256;
        const tampered = files.map((file, index) => (index === which ? { path: file.path, bytes } : file));
        const report = verifyChain(tampered, headOf(records));
        return !report.intact && report.broken.seq >= which + 1;
      }),
      { numRuns: 300 },
    );
  });
});

describe("layout", () => {
  it("record paths spread over folders of at most a thousand, and map back to their seq", () => {
    expect(recordPath(1)).toBe("records/000/000/000000001.json");
    expect(recordPath(1_234_567)).toBe("records/001/234/001234567.json");
    fc.assert(fc.property(fc.integer({ min: 1, max: 999_999_999 }), (seq) => seqOfPath(recordPath(seq)) === seq));
    expect(seqOfPath("records/000/001/000000001.json")).toBeNull();
  });
});
