// The TypeScript check of a pull request (issue 22): the .ts files the head adds or changes, with every workspace
// file they import (read from the head's version where it changed, else from the workspace, which holds the base),
// against the platform's declarations (`funcspace`, a run's globals) — the editor's compiler options and wording
// (src/typescript/workspace-typescript.ts). Only problems in the changed files are reported: a problem an
// unchanged file already had is not this pull request's.
//
// A plain Program over a host that reads lazily: only the import closure of the changed files is read (never the
// whole workspace), and nothing outside the virtual workspace folder is served as a workspace file.
import path from "node:path";
import ts from "typescript";
import { isPackageImportNoise, messageOf, TYPE_CHECKED, WORKSPACE_COMPILER_OPTIONS } from "../typescript/workspace-typescript.js";
import type { CodeProblem } from "./check-report.js";

/** The virtual folder the workspace is seen at (never a real path: a hostile import cannot reach the disk). */
const ROOT = "/.funcspace-check/";
const PLATFORM = "/.funcspace-platform/";

/** TypeScript's lib files, parsed once per process: they never change, and parsing them is most of a small check. */
const libSourceFiles = new Map<string, ts.SourceFile>();

export interface PlatformTypes {
  /** templates/workspace/funcspace.d.ts */
  funcspaceTypes: string;
  /** The globals a run has (web/src/editor/typescript/types/workflow-globals.d.ts). */
  globals: string;
}

export interface TypeCheckInput {
  /** Workspace-relative paths the head adds or changes; only the TypeScript ones are checked. */
  changed: readonly string[];
  /** A workspace file as the head has it (undefined: no such file), workspace-relative. Called synchronously. */
  read: (relative: string) => string | undefined;
  platform: PlatformTypes;
  /** At most this many files are read (the closure of a huge graph is cut, and said so). Default 2,000. */
  maxFiles?: number;
}

export interface TypeCheckResult {
  problems: CodeProblem[];
  checked: string[];
  /** The import closure was larger than `maxFiles`: some imports were not followed. */
  cut: boolean;
}

export function typeCheckChanges(input: TypeCheckInput): TypeCheckResult {
  const roots = input.changed.filter((p) => TYPE_CHECKED.test(p) && !p.endsWith(".d.ts"));
  if (roots.length === 0) return { problems: [], checked: [], cut: false };
  const maxFiles = input.maxFiles ?? 2_000;
  const libDir = path.dirname(ts.getDefaultLibFilePath(WORKSPACE_COMPILER_OPTIONS));
  const platform = new Map([
    [`${PLATFORM}funcspace.d.ts`, input.platform.funcspaceTypes],
    [`${PLATFORM}workflow-globals.d.ts`, input.platform.globals],
  ]);
  const texts = new Map<string, string | undefined>();
  let cut = false;
  const workspaceText = (file: string): string | undefined => {
    const normal = path.posix.normalize(file);
    if (!normal.startsWith(ROOT)) return undefined;
    if (texts.has(normal)) return texts.get(normal);
    if (texts.size >= maxFiles) {
      cut = true;
      return undefined;
    }
    const text = input.read(normal.slice(ROOT.length));
    texts.set(normal, text);
    return text;
  };
  const textOf = (file: string): string | undefined =>
    platform.get(file) ?? (file.startsWith(libDir + "/") ? ts.sys.readFile(file) : workspaceText(file));

  const host: ts.CompilerHost = {
    getSourceFile: (file, languageVersion) => {
      const lib = file.startsWith(libDir + "/");
      const cached = lib ? libSourceFiles.get(file) : undefined;
      if (cached) return cached;
      const text = textOf(file);
      if (text === undefined) return undefined;
      const source = ts.createSourceFile(file, text, languageVersion, true);
      if (lib) libSourceFiles.set(file, source);
      return source;
    },
    getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
    getDefaultLibLocation: () => libDir,
    writeFile: () => undefined,
    getCurrentDirectory: () => ROOT,
    getCanonicalFileName: (file) => file,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => "\n",
    fileExists: (file) => textOf(file) !== undefined,
    readFile: textOf,
    // Folders of the virtual workspace "exist" (what is in them is asked file by file); nothing else does.
    directoryExists: (folder) => folder.startsWith(ROOT) || ROOT.startsWith(folder.endsWith("/") ? folder : `${folder}/`) || folder.startsWith(libDir),
    getDirectories: () => [],
  };
  const rootFiles = [...platform.keys(), ...roots.map((p) => ROOT + p)];
  const program = ts.createProgram({ rootNames: rootFiles, options: WORKSPACE_COMPILER_OPTIONS, host });
  const problems: CodeProblem[] = [];
  for (const relative of roots) {
    const source = program.getSourceFile(ROOT + relative);
    if (!source) continue;
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    for (const diagnostic of diagnostics) {
      if (diagnostic.category !== ts.DiagnosticCategory.Error || isPackageImportNoise(source.text, diagnostic)) continue;
      const start = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const end = source.getLineAndCharacterOfPosition((diagnostic.start ?? 0) + (diagnostic.length ?? 0));
      problems.push({ path: relative, line: start.line + 1, endLine: end.line + 1, title: `TypeScript error TS${diagnostic.code}`, message: messageOf(diagnostic) });
    }
  }
  return { problems, checked: roots, cut };
}
