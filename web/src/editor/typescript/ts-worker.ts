// The TypeScript Web Worker: the compiler (~3 MB) and its lib files load here, off the page's thread, and only
// when a script file is first opened (ts-client.ts starts it). Each request is answered in the order it came,
// so a request always sees every file update sent before it.
import funcspaceTypes from "../../../../templates/workspace/funcspace.d.ts?raw";
import globals from "./types/workflow-globals.d.ts?raw";
import type { Method, RequestMessage, Requests, ResponseMessage } from "./protocol.js";
import { createWorkspaceLanguageService } from "./workspace-language-service.js";

// es2023 and every lib file it references (`/// <reference lib>`), as the template's tsconfig asks for.
const libFiles = import.meta.glob<string>(
  "../../../../node_modules/typescript/lib/lib.{es5,es2015*,es2016*,es2017*,es2018*,es2019*,es2020*,es2021*,es2022*,es2023*,decorators*}.d.ts",
  { query: "?raw", import: "default", eager: true },
);
const libs = Object.fromEntries(Object.entries(libFiles).map(([file, text]) => [file.slice(file.lastIndexOf("/") + 1), text]));

const service = createWorkspaceLanguageService({ libs, funcspaceTypes, globals });

type Handlers = { [M in Method]: (params: Requests[M]["params"]) => Requests[M]["result"] };
const handlers: Handlers = {
  setFiles: ({ files, removed }) => service.setFiles(files, removed),
  diagnostics: ({ path }) => service.diagnostics(path),
  regionDiagnostics: ({ path, ranges }) => service.regionDiagnostics(path, ranges),
  checkedPaths: () => service.checkedPaths(),
  completions: ({ path, position, triggerCharacter }) => service.completions(path, position, triggerCharacter),
  completionDetails: ({ path, position, name, source }) => service.completionDetails(path, position, name, source),
  hover: ({ path, position }) => service.hover(path, position),
  signatureHelp: ({ path, position }) => service.signatureHelp(path, position),
  definitions: ({ path, position }) => service.definitions(path, position),
};

// The worker's global scope (web/tsconfig.json types the UI's window, not a worker).
const scope = self as unknown as { onmessage: (event: MessageEvent<RequestMessage>) => void; postMessage(message: ResponseMessage): void };

// Requests are answered in order, in batches: while a check runs, keystrokes queue up; a file's diagnostics
// asked before a later edit of that same file in the batch are answered `null` (stale) instead of computed, so
// a burst of typing costs one check, not one per key.
const queue: RequestMessage[] = [];
let draining = false;

scope.onmessage = (event) => {
  queue.push(event.data);
  if (draining) return;
  draining = true;
  setTimeout(drain, 0);
};

function drain(): void {
  draining = false;
  const batch = queue.splice(0);
  batch.forEach((message, index) => {
    const stale = (message.method === "diagnostics" || message.method === "regionDiagnostics") && editedLater(batch, index, (message.params as { path: string }).path);
    scope.postMessage(stale ? { id: message.id, result: null } : answer(message));
  });
}

function editedLater(batch: RequestMessage[], index: number, path: string): boolean {
  return batch.slice(index + 1).some((later) => later.method === "setFiles" && path in (later.params as { files: Record<string, string> }).files);
}

function answer({ id, method, params }: RequestMessage): ResponseMessage {
  try {
    const handler = handlers[method] as (params: unknown) => unknown;
    return { id, result: handler(params) };
  } catch (error) {
    return { id, error: error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error) };
  }
}
