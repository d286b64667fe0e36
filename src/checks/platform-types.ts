// The platform's declarations a pull request's code is checked against: the `funcspace` module as authors get it
// (templates/workspace/funcspace.d.ts) and the globals a run has (the editor's workflow-globals.d.ts). Read from the
// sources' places relative to this module, which the image keeps under dist/ (docker/collect-app.sh copies them).
import { readFile } from "node:fs/promises";
import type { PlatformTypes } from "./type-check-changes.js";

const FUNCSPACE_TYPES = new URL("../../templates/workspace/funcspace.d.ts", import.meta.url);
const WORKFLOW_GLOBALS = new URL("../../web/src/editor/typescript/types/workflow-globals.d.ts", import.meta.url);

let loaded: Promise<PlatformTypes> | undefined;

export function loadPlatformTypes(): Promise<PlatformTypes> {
  loaded ??= Promise.all([readFile(FUNCSPACE_TYPES, "utf8"), readFile(WORKFLOW_GLOBALS, "utf8")])
    .then(([funcspaceTypes, globals]) => ({ funcspaceTypes, globals }))
    .catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
  return loaded;
}
