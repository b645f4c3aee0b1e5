#!/usr/bin/env node
// The bundled command line (npm run build writes dist/cli-bundle/).
import { main } from "../dist/cli-bundle/main.js";

process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
});
