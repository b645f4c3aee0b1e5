export { startFakeGitHub, FakeGitHub, type FakeGitHubOptions, type FaultOptions, type RequestFilter, type RequestRecord } from "./server.js";
export * from "./webhooks.js";
export * from "./state.js";
export { blobSha, type CommitObject } from "./git.js";
export { seedRepository, SeededGitHub, startSeededGitHub, type PullSeed, type RepoSeed, type SeededCheckRun } from "./seed.js";
export { HeldDeliveries, postWebhookBody, type RawWebhookPost } from "./deliveries.js";
export type { HangOptions, NetworkFaultOptions } from "./network-faults.js";
export * from "./protection-rules.js";
export * from "./deployment-webhooks.js";
