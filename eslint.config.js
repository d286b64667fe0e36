// Lint = the architecture's boundaries (STYLE.md): src/ is host-agnostic, github-app/ never reaches into
// functions/ or local/, and nothing floats a promise.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const hostPackages = ["@azure/functions", "probot", "@octokit/*", "octokit", "node:http", "http"];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "bin/.cache/**", "web/dist/**", "web/dist.partial/**", "test-results/**", "workspace/**", ".data/**", "coverage/**", "templates/**", "web/src/editor/typescript/types/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/functions/**", "**/github-app/**", "**/local/**"], message: "src/ is the core: it imports no outer layer." },
            { group: hostPackages, message: "src/ imports no host, Probot or HTTP types: take plain values." },
          ],
        },
      ],
    },
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/**/*.test.ts", "src/azure/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/functions/**", "**/github-app/**", "**/local/**"], message: "src/ is the core: it imports no outer layer." },
            { group: hostPackages, message: "src/ imports no host, Probot or HTTP types: take plain values." },
            { group: ["@azure/*", "!@azure/abort-controller"], message: "reach Azure through src/azure/ interfaces." },
          ],
        },
      ],
    },
  },
  {
    files: ["github-app/**/*.ts"],
    ignores: ["github-app/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/functions/**", "**/local/**"], message: "github-app/ sits below functions/ and local/." }] },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { console: "readonly", process: "readonly" } },
  },
);
