#!/usr/bin/env node
// The bundled command line (npm run build writes dist/cli-bundle/).
import module from "node:module";

// Node 22.1+ keeps compiled code between runs (Node 20 has no such cache: a no-op there).
module.enableCompileCache?.();
const { main } = await import("../dist/cli-bundle/main.js");

process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
});
