// `npm run demo`: runs `changegate check` on each built-in example (examples/cases.json)
// and shows the three decisions. No GitHub account, no network.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBuilt } from "./ensure-build.js";

ensureBuilt();
const { main } = await import("../dist/cli-bundle/main.js");

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const examples = join(root, "examples");
const manifest = JSON.parse(readFileSync(join(examples, "cases.json"), "utf8"));
const verbose = process.argv.includes("--verbose");

export function argsFor(testCase) {
  const args = ["check", "--policy", manifest.policy, "--teams", manifest.teams, "--body", testCase.body, "--files", testCase.files,
    "--author", testCase.author, "--at", testCase.at, "--repo", "acme/shop", "--json"];
  if (testCase.reviews) args.push("--reviews", testCase.reviews);
  if (testCase.head) args.push("--head", testCase.head);
  if (testCase.labels) args.push("--labels", testCase.labels.join(","));
  return args;
}

let mismatches = 0;
for (const testCase of manifest.cases) {
  let out = "";
  let err = "";
  const io = { stdin: process.stdin, stdout: { write: (s) => (out += s) }, stderr: { write: (s) => (err += s) }, cwd: examples, env: {} };
  const exit = await main(argsFor(testCase), io);
  console.log(`\n■ ${testCase.name}\n  changegate check --body examples/${testCase.body} --at ${testCase.at} … → exit ${exit}`);
  if (exit === 2) {
    console.log(`  ${err.trim()}`);
    mismatches++;
    continue;
  }
  const result = JSON.parse(out);
  for (const check of result.checks) {
    const mark = { success: "✔", failure: "✖", neutral: "–" }[check.conclusion];
    const expected = testCase.expect[check.name.split("/")[1]];
    const flag = expected === check.conclusion ? "" : `   (expected ${expected}!)`;
    if (flag) mismatches++;
    console.log(`  ${mark} ${check.name.padEnd(21)} ${check.title}${flag}`);
    if (verbose) console.log(check.summary.replace(/^/gm, "      "));
  }
}
console.log(`\n${manifest.cases.length} examples${mismatches === 0 ? ", each decided as examples/cases.json says." : `: ${mismatches} decisions differ from examples/cases.json.`}`);
console.log("See a full summary with: npm run demo -- --verbose");
process.exitCode = mismatches === 0 ? 0 : 1;
