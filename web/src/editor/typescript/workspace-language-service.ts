// A TypeScript language service over the workspace, as the editor needs it: the platform's types
// (`funcspace.d.ts`, the globals a run has) plus the workspace's own .ts/.js files, each at the version the
// editor last sent. No DOM, no file system, no bundler specifics: the Web Worker (ts-worker.ts) feeds it, and
// test/editor-language-service.test.ts runs it in Node against the template workspace.
import ts from "typescript";
import { isPackageImportNoise, messageOf, SCRIPT_FILE, TYPE_CHECKED, WORKSPACE_COMPILER_OPTIONS } from "../../../../src/typescript/workspace-typescript.js";
import type { CompletionDetails, CompletionList, Definition, FileDiagnostic, HoverInfo, SignatureHelp } from "./protocol.js";

/** Where the platform's files live in the virtual file system: `.funcspace-` names are never workspace files. */
export const PLATFORM_DIR = "/.funcspace-platform";
const LIB_DIR = `${PLATFORM_DIR}/lib`;

/** Files above this size get the region check first (about 150 lines): below it the whole file is as quick. */
const REGION_CHECK_MIN_CHARS = 6000;
const COMPILER_OPTIONS = WORKSPACE_COMPILER_OPTIONS;
export { SCRIPT_FILE };

export interface PlatformFiles {
  /** TypeScript's lib files by name (`lib.es2023.d.ts` and every lib it references). */
  libs: Record<string, string>;
  /** The `funcspace` module's declarations (templates/workspace/funcspace.d.ts). */
  funcspaceTypes: string;
  /** The globals a workflow has at run time (types/workflow-globals.d.ts). */
  globals: string;
}

interface Entry {
  text: string;
  version: number;
  snapshot: ts.IScriptSnapshot;
}

export type WorkspaceLanguageService = ReturnType<typeof createWorkspaceLanguageService>;

export function createWorkspaceLanguageService(platform: PlatformFiles) {
  const entries = new Map<string, Entry>();
  const platformRoots = [`${PLATFORM_DIR}/funcspace.d.ts`, `${PLATFORM_DIR}/workflow-globals.d.ts`];
  let folders = new Set<string>();
  let roots: string[] = [];
  let projectVersion = 0;

  const put = (file: string, text: string) => {
    const previous = entries.get(file);
    if (previous?.text === text) return false;
    entries.set(file, { text, version: (previous?.version ?? 0) + 1, snapshot: ts.ScriptSnapshot.fromString(text) });
    return true;
  };
  put(platformRoots[0]!, platform.funcspaceTypes);
  put(platformRoots[1]!, platform.globals);
  for (const [name, text] of Object.entries(platform.libs)) put(`${LIB_DIR}/${name}`, text);

  const refreshIndex = () => {
    projectVersion++;
    roots = [...platformRoots, ...[...entries.keys()].filter((file) => !file.startsWith(`${PLATFORM_DIR}/`))];
    folders = new Set(["/"]);
    for (const file of entries.keys()) {
      for (let slash = file.lastIndexOf("/"); slash > 0; slash = file.lastIndexOf("/", slash - 1)) folders.add(file.slice(0, slash));
    }
  };
  refreshIndex();

  const host: ts.LanguageServiceHost = {
    getProjectVersion: () => String(projectVersion),
    getCompilationSettings: () => COMPILER_OPTIONS,
    getScriptFileNames: () => roots,
    getScriptVersion: (file) => String(entries.get(file)?.version ?? 0),
    getScriptSnapshot: (file) => entries.get(file)?.snapshot,
    getCurrentDirectory: () => "/",
    getDefaultLibFileName: () => `${LIB_DIR}/lib.d.ts`,
    fileExists: (file) => entries.has(file),
    readFile: (file) => entries.get(file)?.text,
    directoryExists: (folder) => folders.has(folder.replace(/\/$/, "") || "/"),
    getDirectories: () => [],
    useCaseSensitiveFileNames: () => true,
  };
  const service = ts.createLanguageService(host, ts.createDocumentRegistry(true, "/"));

  const fileOf = (path: string) => `/${path}`;
  const pathOf = (file: string): string | undefined => (file.startsWith(`${PLATFORM_DIR}/`) ? undefined : file.slice(1));
  const lineAndColumn = (file: string, position: number) => {
    const source = service.getProgram()?.getSourceFile(file);
    const { line, character } = source ? source.getLineAndCharacterOfPosition(position) : { line: 0, character: 0 };
    return { line: line + 1, column: character + 1 };
  };

  const toDiagnostic = (file: string, diagnostic: ts.Diagnostic): FileDiagnostic => {
    const from = diagnostic.start ?? 0;
    return {
      path: file.slice(1),
      from,
      to: from + (diagnostic.length ?? 0),
      ...lineAndColumn(file, from),
      severity:
        diagnostic.category === ts.DiagnosticCategory.Error ? "error" : diagnostic.category === ts.DiagnosticCategory.Warning ? "warning" : "info",
      message: messageOf(diagnostic),
      code: diagnostic.code,
    };
  };

  const isNoise = (file: string, diagnostic: ts.Diagnostic): boolean => isPackageImportNoise(entries.get(file)?.text, diagnostic);

  const diagnosticsOf = (file: string): FileDiagnostic[] => {
    if (!entries.has(file)) return [];
    const found = [...service.getSyntacticDiagnostics(file), ...service.getSemanticDiagnostics(file)];
    return found.filter((diagnostic) => !isNoise(file, diagnostic)).map((diagnostic) => toDiagnostic(file, diagnostic));
  };

  // Not in typescript.d.ts, but a LanguageService method since 5.6: what tsserver's region check calls.
  const regional = service as unknown as {
    getRegionSemanticDiagnostics?(file: string, ranges: ts.TextRange[]): { diagnostics: ts.Diagnostic[]; spans: ts.TextSpan[] } | undefined;
  };

  return {
    /** Adds or replaces workspace files (path → text); true when anything changed. */
    setFiles(files: Record<string, string>, removed: string[] = []): boolean {
      let changed = false;
      let added = false;
      for (const [path, text] of Object.entries(files)) {
        added ||= !entries.has(fileOf(path));
        changed = put(fileOf(path), text) || changed;
      }
      for (const path of removed) {
        if (entries.delete(fileOf(path))) changed = added = true;
      }
      if (added) refreshIndex();
      else if (changed) projectVersion++;
      return changed;
    },

    paths(): string[] {
      return roots.map(pathOf).filter((path): path is string => path !== undefined);
    },

    diagnostics(path: string): FileDiagnostic[] {
      return diagnosticsOf(fileOf(path));
    },

    /**
     * Problems in the given ranges of a large file, checking only the statements that overlap them (a fraction of
     * the file: the part on screen); the whole file when it is small, already checked, or the check is unavailable.
     */
    regionDiagnostics(path: string, ranges: { from: number; to: number }[]): { items: FileDiagnostic[]; spans?: { from: number; to: number }[] } {
      const file = fileOf(path);
      const text = entries.get(file)?.text ?? "";
      const large = text.length > REGION_CHECK_MIN_CHARS;
      const region = large ? regional.getRegionSemanticDiagnostics?.(file, ranges.map(({ from, to }) => ({ pos: from, end: to }))) : undefined;
      if (!region) return { items: diagnosticsOf(file) };
      const found = [...service.getSyntacticDiagnostics(file), ...region.diagnostics];
      return {
        items: found.filter((diagnostic) => !isNoise(file, diagnostic)).map((diagnostic) => toDiagnostic(file, diagnostic)),
        spans: region.spans.map((span) => ({ from: span.start, to: span.start + span.length })),
      };
    },

    /** The files whose problems are listed: TypeScript, and JavaScript that asks with `// @ts-check`. */
    checkedPaths(): string[] {
      return roots
        .filter((file) => !file.startsWith(`${PLATFORM_DIR}/`) && (TYPE_CHECKED.test(file) || entries.get(file)?.text.includes("@ts-check")))
        .map((file) => file.slice(1));
    },

    /** Every problem in the workspace's checked files. */
    workspaceDiagnostics(): FileDiagnostic[] {
      return this.checkedPaths().flatMap((path) => diagnosticsOf(fileOf(path)));
    },

    completions(path: string, position: number, triggerCharacter?: string): CompletionList | undefined {
      const file = fileOf(path);
      if (!entries.has(file)) return undefined;
      const result = service.getCompletionsAtPosition(file, position, {
        includeCompletionsWithInsertText: true,
        includeCompletionsWithSnippetText: false,
        includeCompletionsForImportStatements: false,
        includeCompletionsForModuleExports: false,
        triggerCharacter: triggerCharacter as ts.CompletionsTriggerCharacter | undefined,
      });
      if (!result) return undefined;
      const span = result.optionalReplacementSpan;
      return {
        isMemberCompletion: result.isMemberCompletion,
        from: span ? span.start : undefined,
        entries: result.entries.slice(0, 1000).map((entry) => ({
          name: entry.name,
          kind: entry.kind,
          sortText: entry.sortText,
          insertText: entry.insertText,
          source: entry.source,
          from: entry.replacementSpan?.start,
          to: entry.replacementSpan ? entry.replacementSpan.start + entry.replacementSpan.length : undefined,
          optional: entry.kindModifiers?.includes("optional") ?? false,
          deprecated: entry.kindModifiers?.includes("deprecated") ?? false,
        })),
      };
    },

    completionDetails(path: string, position: number, name: string, source?: string): CompletionDetails | undefined {
      const details = service.getCompletionEntryDetails(fileOf(path), position, name, {}, source, {}, undefined);
      if (!details) return undefined;
      return { signature: ts.displayPartsToString(details.displayParts), documentation: documentationOf(details.documentation, details.tags) };
    },

    hover(path: string, position: number): HoverInfo | undefined {
      const info = service.getQuickInfoAtPosition(fileOf(path), position);
      if (!info) return undefined;
      return {
        from: info.textSpan.start,
        to: info.textSpan.start + info.textSpan.length,
        signature: ts.displayPartsToString(info.displayParts),
        documentation: documentationOf(info.documentation, info.tags),
      };
    },

    signatureHelp(path: string, position: number): SignatureHelp | undefined {
      const help = service.getSignatureHelpItems(fileOf(path), position, {});
      const item = help?.items[help.selectedItemIndex];
      if (!help || !item) return undefined;
      const parameters = item.parameters.map((parameter) => ts.displayPartsToString(parameter.displayParts));
      return {
        prefix: ts.displayPartsToString(item.prefixDisplayParts),
        parameters,
        separator: ts.displayPartsToString(item.separatorDisplayParts),
        suffix: ts.displayPartsToString(item.suffixDisplayParts),
        active: help.argumentIndex,
        documentation: documentationOf(item.documentation, item.tags),
      };
    },

    /** Where the symbol at `position` is declared: a workspace file (path, line, column) or the platform's types. */
    definitions(path: string, position: number): Definition[] {
      const found = service.getDefinitionAtPosition(fileOf(path), position) ?? [];
      return found.map((definition) => ({
        path: pathOf(definition.fileName),
        name: definition.name,
        file: definition.fileName.slice(definition.fileName.lastIndexOf("/") + 1),
        ...lineAndColumn(definition.fileName, definition.textSpan.start),
      }));
    },
  };
}

/** TypeScript's words, except its advice to add the DOM to `lib`: workflows run in Node.js, where there is none. */

function documentationOf(parts: ts.SymbolDisplayPart[] | undefined, tags: ts.JSDocTagInfo[] | undefined): string {
  const text = ts.displayPartsToString(parts);
  const tagLines = (tags ?? []).map((tag) => `@${tag.name}${tag.text ? ` ${ts.displayPartsToString(tag.text)}` : ""}`);
  return [text, ...tagLines].filter(Boolean).join("\n");
}
