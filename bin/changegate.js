#!/usr/bin/env node
// The command line: runs the bundle npm run build writes, dist/cli-bundle/main.cjs (and the
// calendar libraries in dist/cli-bundle/vendor/ it requires), each file compiled through a V8
// code cache kept beside it (dist/cli-bundle/compile-cache/), one set a command, written by
// the first run that does that command's work (npm run build runs `check` once): later runs
// skip compiling what it compiled. Node 20 keeps no such cache itself (Node 22's
// module.enableCompileCache does), and only a script's compiled code can be cached, not an ES
// module's, so this file and the bundle are CommonJS (bin/package.json), which also spares a
// start Node's ES module loader. NODE_DISABLE_COMPILE_CACHE=1 turns the cache off, as it does
// Node 22's.
"use strict";
const { mkdirSync, readFileSync, renameSync, writeFileSync, writeSync } = require("node:fs");
const { createRequire } = require("node:module");
const { basename, dirname, join } = require("node:path");
const vm = require("node:vm");

// `calendar` runs loops over thousands of occurrences for a few tens of milliseconds, then
// exits: V8's default budget sends their functions to TurboFan after a few thousand calls, and
// on a small machine those background compilations (and the deoptimisations that follow) cost
// more than they give back before the process exits: 9-16 ms of a `calendar` run (issue 13).
// Four times the budget still optimises what runs hot over a long range. `check` gains
// nothing from it and would pay node:v8's loading (~1.5 ms). Set before anything is compiled,
// so the command's code cache below is written and read under it alike.
if (process.argv[2] === "calendar") require("node:v8").setFlagsFromString("--interrupt-budget=270336");

const folder = join(__dirname, "..", "dist", "cli-bundle");
/** The commands (as src/cli/main.ts lists them): each has a cache of its own; anything else shares one. */
const COMMANDS = ["check", "validate", "calendar", "schema", "init", "audit", "changes", "metrics", "site"];

const source = readFileSync(join(folder, "main.cjs"), "utf8");
// V8 checks a cache against the source's length only: main.cjs's first line names the content of it and of vendor/.
const build = /^\/\/ changegate-build ([0-9a-f]+)\n/.exec(source)?.[1];
const command = COMMANDS.includes(process.argv[2]) ? process.argv[2] : "other";
const caching = build !== undefined && !process.env["NODE_DISABLE_COMPILE_CACHE"];
/** Each file run this process, with the cache it was given. */
const compiled = [];
/** vendor/*.cjs, evaluated once each, as require would. */
const vendors = new Map();

/** What Node's own CommonJS loader does with a file, with the cache given to V8. */
function run(file, text) {
  const cacheFile = caching ? join(folder, "compile-cache", `${command}.${basename(file, ".cjs")}-${build}-${process.version}-${process.arch}.bin`) : null;
  let cachedData;
  try {
    if (cacheFile !== null) cachedData = readFileSync(cacheFile);
  } catch {
    // none yet: this run writes it
  }
  // `__cgImport`: the bundle's import() of a package outside it (Octokit, for the commands that
  // read the API; scripts/build-cli.js rewrites them), run here, where Node runs import() itself.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __cgImport) {${text}\n})`, { filename: file, cachedData });
  compiled.push({ script, cacheFile, cachedData });
  const loaded = { exports: {} };
  const required = createRequire(file);
  // main.cjs requires ./vendor/*.cjs, a vendor file its neighbours (./holidays-astronomy.cjs): through the cache too.
  const requireHere = (id) => (id.startsWith("./") && id.endsWith(".cjs") ? vendor(join(dirname(file), id)) : required(id));
  script.runInThisContext()(loaded.exports, Object.assign(requireHere, { resolve: required.resolve }), loaded, file, dirname(file), (specifier) => import(specifier));
  return loaded.exports;
}

function vendor(file) {
  if (!vendors.has(file)) {
    const loaded = { exports: {} };
    vendors.set(file, loaded);
    loaded.exports = run(file, readFileSync(file, "utf8"));
  }
  return vendors.get(file).exports;
}

const stdout = directOutput(1, () => process.stdout);
const stderr = directOutput(2, () => process.stderr);

run(join(folder, "main.cjs"), source)
  .main(process.argv.slice(2), {
    // Read only by a command given `-`: a pipe or a terminal is not opened otherwise.
    get stdin() {
      return process.stdin;
    },
    stdout,
    stderr,
    cwd: process.cwd(),
    env: process.env,
  })
  .then((status) => {
    process.exitCode = status;
    // Written by a run that did the command's work (not its help, not a usage error): the cache holds what that compiled.
    const worked = status !== 2 && !process.argv.some((arg) => arg === "--help" || arg === "-h");
    for (const { script, cacheFile, cachedData } of compiled) {
      if (cacheFile !== null && worked && (cachedData === undefined || script.cachedDataRejected)) writeCache(cacheFile, script.createCachedData());
    }
    exitWhenWritten(status);
  });

/**
 * The command is done: exit once what it wrote is out. Left to end by itself, a process
 * first finishes V8's pending incremental marking and Node's teardown: 5-15 ms of a
 * `calendar` run (issue 13). A write's callback runs when it and those before it are flushed
 * (or failed: a closed pipe), so nothing written is cut off, on a pipe that is asynchronous
 * (macOS) too.
 */
function exitWhenWritten(status) {
  const streams = [stdout.stream, stderr.stream].filter((stream) => stream !== null);
  let pending = streams.length;
  if (pending === 0) process.exit(status);
  const written = () => {
    if (--pending === 0) process.exit(status);
  };
  for (const stream of streams) stream.write("", written);
}

/**
 * A command's output written straight to its descriptor, as it comes: process.stdout, once
 * made, loads Node's stream and socket modules (~3.5 ms of a fresh process writing to a pipe)
 * for text that is written once before the process exits. A descriptor that refuses a write
 * (EAGAIN from a non-blocking pipe, EPIPE from a closed one) gets the rest, and all that
 * follows, through the stream (`stream`, made then), which waits, or reports, as before; so
 * does a question only the stream can answer (`isTTY`). Windows' console wants the stream.
 */
function directOutput(fd, open) {
  const output = {
    /** The stream, once anything went through it. */
    stream: null,
    write(chunk) {
      if (output.stream !== null || process.platform === "win32") return (output.stream ??= open()).write(chunk);
      const bytes = Buffer.from(chunk, "utf8");
      let offset = 0;
      try {
        while (offset < bytes.length) {
          const written = writeSync(fd, bytes, offset);
          if (written <= 0) break;
          offset += written;
        }
        if (offset === bytes.length) return true;
      } catch {
        // the stream takes it from here
      }
      return (output.stream = open()).write(bytes.subarray(offset));
    },
    get isTTY() {
      return (output.stream ??= open()).isTTY;
    },
  };
  return output;
}

/** Written whole or not at all (runs at once each rename their own file); a folder it cannot write is no cache. */
function writeCache(file, data) {
  const partial = `${file}.${process.pid}`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(partial, data);
    renameSync(partial, file);
  } catch {
    // a read-only install: every run compiles, as before
  }
}
