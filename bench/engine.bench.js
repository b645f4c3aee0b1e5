// Engine benchmark (issue 2): evaluations per second for a typical PR with the policy and
// the change request already parsed; time for a large PR; the whole check including the
// PR-body parse beside a bare YAML parse of the same block (the floor).
// Runs on the built engine (dist/); one core; instants vary per evaluation so no cache
// holds an answer from the previous run.
import { performance } from "node:perf_hooks";
import { parse as parseYamlBare } from "yaml";
import { parseChangeRequest } from "../dist/engine/change-request.js";
import { evaluate } from "../dist/engine/evaluate.js";
import { parsePolicy } from "../dist/engine/policy.js";
import { renderChecks } from "../dist/report/checks.js";

function policyText(ruleCount) {
  const rules = Array.from({ length: ruleCount }, (_, i) =>
    `    - { name: "rule ${i}", paths: ["services/svc${i}/**", "deploy/svc${i}/*.yaml"], labels: ["label-${i}"], set: { blast_radius: ${1 + (i % 4)} } }`,
  ).join("\n");
  return `version: 1
timezone: "Europe/Berlin"
risk:
  rules:
${rules}
  traffic:
    peak:     [{ days: [mon, tue, wed, thu, fri], from: "17:00", to: "21:00" }]
    business: [{ days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" }]
    normal:   [{ days: [mon, tue, wed, thu, fri, sat, sun], from: "07:00", to: "23:00" }]
services:
  payments: { paths: ["services/payments/**"] }
  search: { paths: ["services/search/**"] }
approvals:
  high: { count: 2, teams: ["sre"] }
  critical: { count: 3, teams: ["sre", "directors"] }
windows:
  normal:
    - { days: [tue, wed, thu], from: "02:00", to: "06:00" }
blackouts:
  - { name: "Year-end holidays", start: "2026-12-24T00:00", end: "2026-12-27T00:00" }
freezes:
  - { name: "Q1", start: "2026-03-28T00:00:00Z", end: "2026-04-02T00:00:00Z", exceptions: { labels: ["security-critical"], approvers: ["vp-engineering"] } }
emergency:
  approvers: ["incident-commanders"]
`;
}

const BLOCK = `change_request:
  id: "CR-2026-0451"
  title: "Upgrade Redis cluster from 7.0 to 7.2"
  type: "normal"
  risk_level: "medium"
  services_affected: ["redis-cluster-primary", "session-cache"]
  risk: { blast_radius: 2, reversibility: 2, confidence: 3, timing: 1 }
  implementation_plan: |
    1. Update Helm values for Redis chart version
    2. Apply to staging, run integration tests
  rollback_plan: |
    1. helm rollback redis-cluster
`;
const BODY = `Upgrade Redis.\n\nStaging ran it for two weeks.\n\n\`\`\`yaml\n${BLOCK}\`\`\`\n`;

function files(count) {
  return { files: Array.from({ length: count }, (_, i) => ({ path: `services/svc${i % 300}/src/file${i}.ts` })), complete: true };
}

function reviews(count) {
  return Array.from({ length: count }, (_, i) => ({
    id: i, login: `user${i % Math.max(1, Math.floor(count / 2))}`, isBot: false,
    state: i % 7 === 0 ? "COMMENTED" : "APPROVED", commitId: i % 3 === 0 ? "old" : "head", submittedAt: new Date(Date.UTC(2026, 1, 20, 0, i)).toISOString(),
  }));
}

function inputFor(policy, fileCount, reviewCount, body = BODY) {
  return {
    policy,
    pullRequest: { owner: "acme", repo: "shop", number: 1, title: "t", author: "carol", body, labels: [], headSha: "head", lastPusher: null },
    files: files(fileCount),
    reviews: reviews(reviewCount),
    teams: { sre: ["user1", "user2"], directors: ["user3"], "incident-commanders": ["user4"], "vp-engineering": ["user5"] },
    permissions: null,
    at: Date.UTC(2026, 1, 25, 3, 0),
    changeRequest: parseChangeRequest(body),
  };
}

function policyOf(ruleCount) {
  const result = parsePolicy({ file: ".github/changegate.yml", text: policyText(ruleCount) });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.policy;
}

const MINUTE = 60_000;
function rate(label, seconds, step) {
  // Warm up, then count iterations in a fixed time.
  for (let i = 0; i < 2000; i++) step(i);
  const start = performance.now();
  let iterations = 0;
  while (performance.now() - start < seconds * 1000) {
    for (let k = 0; k < 100; k++) step(iterations++);
  }
  const perSecond = iterations / ((performance.now() - start) / 1000);
  return { label, perSecond, microseconds: 1e6 / perSecond };
}

function median(label, runs, step) {
  for (let i = 0; i < 5; i++) step(i);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    step(i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { label, medianMs: times[Math.floor(runs / 2)], maxMs: times[runs - 1] };
}

export function runEngineBench() {
  const typicalPolicy = policyOf(20);
  const typical = inputFor(typicalPolicy, 20, 5);
  const typicalResult = rate("typical PR: evaluate (20 files, 20 rules, 5 reviews; parsed policy and CR)", 2, (i) =>
    evaluate({ ...typical, at: typical.at + (i % 100_000) * MINUTE }),
  );
  const withRender = rate("typical PR: evaluate + render the three check runs", 2, (i) =>
    renderChecks(evaluate({ ...typical, at: typical.at + (i % 100_000) * MINUTE }), { timezone: typicalPolicy.timezone }),
  );
  const wholeCheck = rate("typical PR: whole check (parse PR body + evaluate + render)", 2, (i) => {
    const input = { ...typical, at: typical.at + (i % 100_000) * MINUTE, changeRequest: parseChangeRequest(BODY) };
    return renderChecks(evaluate(input), { timezone: typicalPolicy.timezone });
  });
  const bodyParse = rate("parse PR body: find, parse and validate the block", 2, () => parseChangeRequest(BODY));
  const bareYaml = rate("floor: bare YAML parse of the same block (yaml.parse)", 2, () => parseYamlBare(BLOCK));

  const largePolicy = policyOf(200);
  const large = inputFor(largePolicy, 3000, 100);
  const largeResult = median("large PR: evaluate (3,000 files, 200 path rules, 100 reviews)", 41, (i) => {
    // A fresh file list each run, so no per-list cache carries over.
    evaluate({ ...large, files: { files: large.files.files.slice(), complete: true }, at: large.at + i * MINUTE });
  });
  return { typical: typicalResult, withRender, wholeCheck, bodyParse, bareYaml, large: largeResult };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = runEngineBench();
  const fmt = (r) => `${Math.round(r.perSecond).toLocaleString("en-US")} /s (${r.microseconds.toFixed(1)} µs each)`;
  console.log("Engine benchmark (node " + process.version + ", one core)");
  for (const key of ["typical", "withRender", "wholeCheck", "bodyParse", "bareYaml"]) console.log(`  ${results[key].label}: ${fmt(results[key])}`);
  console.log(`  ${results.large.label}: median ${results.large.medianMs.toFixed(1)} ms, max ${results.large.maxMs.toFixed(1)} ms`);
  const ok = results.typical.perSecond >= 20_000 && results.large.medianMs < 50;
  console.log(`  targets: typical >= 20,000/s, large < 50 ms: ${ok ? "met" : "NOT met"}`);
}
