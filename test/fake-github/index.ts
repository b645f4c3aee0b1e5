export { startFakeGitHub, FakeGitHub, type FakeGitHubOptions, type FaultOptions, type RequestFilter, type RequestRecord } from "./server.js";
export * from "./webhooks.js";
export * from "./state.js";
export { blobSha, type CommitObject } from "./git.js";
export { HeldDeliveries, postWebhookBody, type RawWebhookPost } from "./deliveries.js";
export type { HangOptions, NetworkFaultOptions } from "./network-faults.js";
export * from "./protection-rules.js";
export * from "./deployment-webhooks.js";
export { expireUserToken, oauthClientSecret, signInAs } from "./oauth.js";
