// What the editor and the TypeScript worker say to each other. Positions are offsets into the file's text as
// the editor last sent it; lines and columns are 1-based, as people read them.

export interface FileDiagnostic {
  path: string;
  from: number;
  to: number;
  line: number;
  column: number;
  severity: "error" | "warning" | "info";
  message: string;
  code: number;
}

export interface CompletionEntry {
  name: string;
  /** TypeScript's ScriptElementKind: "method", "property", "function", "const", "interface", … */
  kind: string;
  sortText: string;
  insertText?: string;
  source?: string;
  /** The range the entry replaces, when TypeScript names one. */
  from?: number;
  to?: number;
  optional: boolean;
  deprecated: boolean;
}

export interface CompletionList {
  isMemberCompletion: boolean;
  /** Start of the word being completed, when TypeScript knows it. */
  from: number | undefined;
  entries: CompletionEntry[];
}

export interface CompletionDetails {
  signature: string;
  documentation: string;
}

export interface HoverInfo {
  from: number;
  to: number;
  signature: string;
  documentation: string;
}

export interface SignatureHelp {
  prefix: string;
  parameters: string[];
  separator: string;
  suffix: string;
  /** Index of the argument the cursor is in. */
  active: number;
  documentation: string;
}

export interface Definition {
  /** Workspace path; undefined for the platform's own declarations (funcspace.d.ts, the globals, lib files). */
  path: string | undefined;
  /** The declaration file's name, for a message when it is not a workspace file. */
  file: string;
  name: string;
  line: number;
  column: number;
}

/** Every request, by method: its parameters and its answer. */
export interface Requests {
  setFiles: { params: { files: Record<string, string>; removed?: string[] }; result: boolean };
  /** `null`: the file was edited again before this could be answered (see ts-worker.ts). */
  diagnostics: { params: { path: string }; result: FileDiagnostic[] | null };
  /**
   * The file's problems inside the given ranges (the part on screen), as TypeScript's region check finds them
   * (tsserver's "region-prioritized diagnostics"); `spans` are the ranges it covered, absent when it checked the
   * whole file. `null` when stale, as above.
   */
  regionDiagnostics: {
    params: { path: string; ranges: { from: number; to: number }[] };
    result: { items: FileDiagnostic[]; spans?: { from: number; to: number }[] } | null;
  };
  /** The files the problems list covers. */
  checkedPaths: { params: Record<string, never>; result: string[] };
  completions: { params: { path: string; position: number; triggerCharacter?: string }; result: CompletionList | undefined };
  completionDetails: { params: { path: string; position: number; name: string; source?: string }; result: CompletionDetails | undefined };
  hover: { params: { path: string; position: number }; result: HoverInfo | undefined };
  signatureHelp: { params: { path: string; position: number }; result: SignatureHelp | undefined };
  definitions: { params: { path: string; position: number }; result: Definition[] };
}

export type Method = keyof Requests;

export interface RequestMessage<M extends Method = Method> {
  id: number;
  method: M;
  params: Requests[M]["params"];
}

export type ResponseMessage = { id: number; result: unknown } | { id: number; error: string };
