import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The fenced block that follows `marker` in the README. */
function blockAfter(marker: string): string {
  const at = readme.indexOf(marker);
  expect(at, `README has "${marker}"`).toBeGreaterThan(-1);
  const match = /```[a-z]*\n([\s\S]*?)```\n/.exec(readme.slice(at))!;
  return match[1]!;
}

describe("the README says what the code does", () => {
  it("its annotated policy is examples/changegate.yml, to the character", () => {
    expect(blockAfter("## The policy file")).toBe(readFileSync(join(root, "examples", "changegate.yml"), "utf8"));
  });
});
