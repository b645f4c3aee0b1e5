import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/audit/canonical.js";
import { checkPostedHashes, postedHashOf } from "../../src/audit/posted-hashes.js";
import { recordPath } from "../../src/audit/layout.js";
import { generateTrail } from "../support/trail.js";

const records = generateTrail(4);
const files = new Map(records.map((record) => [recordPath(record.seq), Buffer.from(canonicalJson(record))]));
const source = { paths: [...files.keys()], read: (path: string) => files.get(path)!, head: null };
const head = { seq: 4, hash: records[3]!.hash };
const comment = (seq: number, hash: string, trail = "acme/shop@changegate/audit") =>
  `<!-- changegate:audit -->\n**changegate** recorded this merge in the audit trail as [record ${seq}](https://github.com/x) on \`${trail}\`.\n\nRecord hash: \`${hash}\`\n`;

describe("hashes posted on PRs", () => {
  it("reads changegate's comment and nothing else", () => {
    expect(postedHashOf(comment(3, records[2]!.hash), "acme/shop#3")).toEqual({ pull: "acme/shop#3", seq: 3, hash: records[2]!.hash, trail: "acme/shop@changegate/audit" });
    expect(postedHashOf("LGTM", "acme/shop#3")).toBeNull();
    expect(postedHashOf("<!-- changegate:audit --> something else", "acme/shop#3")).toBeNull();
  });

  it("agree with an intact trail; name a record beyond its end or replaced; ignore other trails", () => {
    const posted = (seq: number, hash: string, trail = "acme/shop@changegate/audit") => postedHashOf(comment(seq, hash, trail), `acme/shop#${seq}`)!;
    const name = "acme/shop@changegate/audit";
    expect(checkPostedHashes(source, head, records.map((record) => posted(record.seq, record.hash)), name)).toEqual({ checked: 4, problem: null });
    expect(checkPostedHashes(source, head, [posted(5, "f".repeat(64))], "ACME/shop@changegate/audit").problem).toMatch(/^record 5 is missing: acme\/shop#5's comment names it .* the trail ends at 4/);
    expect(checkPostedHashes(source, head, [posted(2, "e".repeat(64))], name).problem).toMatch(/^record 2 is not the one acme\/shop#2's comment names/);
    expect(checkPostedHashes(source, head, [posted(9, "e".repeat(64), "acme/other@changegate/audit")], name)).toEqual({ checked: 0, problem: null });
  });
});
