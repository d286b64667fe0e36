// How workspace code is type-checked, the same in the editor (web/src/editor/typescript/, in a Web Worker) and in
// a pull request's check (src/checks/type-check-changes.ts, on the server): one set of compiler options and one
// wording of messages, so a problem the editor shows is the problem the check reports.
import ts from "typescript";

// The run time's rules (src/engine/worker/module-hooks.ts): every workspace file is an ES module, imports
// may name .ts files, leave the extension off, or say .js for a .ts file; the bundler resolution accepts all
// three. The rest mirrors templates/workspace/tsconfig.json, so the editor, the check and VS Code agree.
export const WORKSPACE_COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  moduleDetection: ts.ModuleDetectionKind.Force,
  allowImportingTsExtensions: true,
  allowJs: true,
  checkJs: false,
  resolveJsonModule: true,
  noEmit: true,
  strict: true,
  skipLibCheck: true,
  lib: ["lib.es2023.d.ts"],
  types: [],
};

/** Files a workflow may be written in, and those whose problems are reported (TypeScript). */
export const SCRIPT_FILE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;
export const TYPE_CHECKED = /\.(?:ts|mts|cts)$/;

/** A diagnostic's text, with TypeScript's DOM hint replaced by what is true of a workflow. */
export function messageOf(diagnostic: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
  if (diagnostic.code !== 2584) return message;
  return message.replace(/ Do you need to change your target library\?.*$/s, " Workflows run in Node.js, which has no DOM.");
}

/**
 * Packages are not the workspace's to type: a bare import with no types here (an npm package installed next to the
 * workspace) is not flagged. Relative imports that point nowhere are, as at run time.
 */
export function isPackageImportNoise(text: string | undefined, diagnostic: ts.Diagnostic): boolean {
  if (diagnostic.code !== 2307 && diagnostic.code !== 2792) return false;
  const quoted = text?.slice(diagnostic.start ?? 0, (diagnostic.start ?? 0) + (diagnostic.length ?? 0)) ?? "";
  const specifier = quoted.replace(/^['"`]|['"`]$/g, "");
  return !specifier.startsWith(".") && !specifier.startsWith("/");
}
