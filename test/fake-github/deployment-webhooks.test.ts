import { createRequire } from "node:module";
import { Ajv } from "ajv8";
import { fullFormats } from "ajv-formats/dist/formats.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { toAjvSchema } from "./openapi.js";
import { deploymentProtectionRuleEvent, deploymentStatusEvent, requestDeployment, startFakeGitHub, type FakeGitHub } from "./index.js";

/**
 * The deployment webhooks the fake builds hold to GitHub's own description of them
 * (`x-webhooks` of `@octokit/openapi`): deployment_protection_rule has no example in
 * @octokit/webhooks-examples, so its payload is built from that schema and checked against it.
 */
let fake: FakeGitHub;
const spec = createRequire(import.meta.url)("@octokit/openapi/generated/api.github.com.deref.json") as { "x-webhooks": Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }> };
const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true });
for (const [name, format] of Object.entries(fullFormats)) ajv.addFormat(name, format);
// As the fake's request validation does: GitHub sends "" for unset URLs (a status's log_url, environment_url).
const uri = fullFormats.uri as (value: string) => boolean;
ajv.addFormat("uri", (value: string) => value === "" || uri(value));
const schemaOf = (name: string) => ajv.compile(toAjvSchema(spec["x-webhooks"][name]!.post.requestBody.content["application/json"]!.schema));

beforeAll(async () => {
  fake = await startFakeGitHub();
  fake.addRepository({ owner: "acme", name: "shop", files: { "a.txt": "a\n" } });
});
afterAll(async () => {
  await fake?.close();
});

it("deployment_protection_rule.requested matches GitHub's schema of the event", () => {
  const gate = requestDeployment(fake, { owner: "acme", repo: "shop", sha: fake.branchSha("acme", "shop", "main")! });
  const validate = schemaOf("deployment-protection-rule-requested");
  const event = deploymentProtectionRuleEvent(fake, gate);
  expect(validate(event.payload), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
  expect(event.payload["deployment_callback_url"]).toBe(`${fake.url}/repos/acme/shop/actions/runs/${gate.runId}/deployment_protection_rule`);
});

it("deployment_status.created matches GitHub's schema of the event", () => {
  const deployment = fake.addDeployment("acme", "shop", { sha: fake.branchSha("acme", "shop", "main")!, statuses: ["success"] });
  const validate = schemaOf("deployment-status-created");
  const event = deploymentStatusEvent(fake, { owner: "acme", repo: "shop", deploymentId: deployment.id });
  expect(validate(event.payload), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
});
