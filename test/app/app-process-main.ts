import { startChangegate } from "../../src/app/server.js";
import { FAST, FAST_LIMITS } from "./harness.js";

/** The App for app-process.ts: the test harness's short waits, the test's options, then "ready" on standard output. */
await startChangegate(process.env, { ...FAST, ...(JSON.parse(process.env["CHANGEGATE_TEST_OPTIONS"] ?? "{}") as object) }, FAST_LIMITS);
console.log("changegate-test: ready");
