import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "action/dist/**", "node_modules/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": ["error", { allow: ["warn", "error"] }],
    },
  },
  {
    // The engine is pure (plain data in, one decision out): it imports only its own modules
    // and the libraries that compute (zod, yaml, picomatch, @date-fns/tz), never a door, I/O,
    // a clock or the process.
    files: ["src/engine/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["../*", "../**"], message: "src/engine/ imports nothing outside it: pass the data in (see the README's layout section)." },
            { group: ["node:*", "fs", "fs/*", "http", "https", "net", "child_process", "os", "path", "url", "process", "worker_threads"], message: "The engine does no I/O." },
            { group: ["@octokit/*", "octokit", "probot", "probot/*", "@actions/*", "ioredis", "bottleneck"], message: "The engine knows no door: GitHub, Probot, the Action and Redis stay outside it." },
          ],
        },
      ],
      "no-restricted-globals": [
        "error",
        { name: "process", message: "The engine reads no process state: take it as input." },
        { name: "fetch", message: "The engine does no I/O." },
        { name: "setTimeout", message: "The engine has no clock." },
        { name: "setInterval", message: "The engine has no clock." },
      ],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "The engine has no clock: the instant is an input (`at`)." },
        { object: "Math", property: "random", message: "The engine decides the same way every time." },
        { object: "performance", property: "now", message: "The engine has no clock." },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "The engine has no clock: the instant is an input (`at`)." },
        { selector: "CallExpression[callee.name='Date'][arguments.length=0]", message: "The engine has no clock: the instant is an input (`at`)." },
      ],
    },
  },
  {
    // bin/ is CommonJS (bin/package.json): the entry loads the bundle through a code cache.
    files: ["bin/**"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["src/site/browser/**"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ["test/**", "bench/**", "scripts/**"],
    rules: { "no-console": "off" },
  },
);
