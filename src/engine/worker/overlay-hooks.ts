// The load hook of a draft run's worker thread (draft-overlay.ts): a workspace file the draft changes or adds is
// read from the draft, not from disk. It is registered *before* tsx, so it runs after tsx in the chain (the last
// registered hook runs first): tsx asks the next loader for a module's source and compiles what it gets, so it
// compiles the draft's TypeScript, while the module keeps its workspace URL. Stack traces, compiler errors and
// `import.meta.url` therefore name the workspace's paths, and nothing is written anywhere. (tsx caches what it
// compiled by the source's hash, so the draft's version and the workspace's never take each other's place.)
// Plain JavaScript from a data: URL, like module-hooks.ts: it runs on Node's hooks thread.
const source = String.raw`
import { fileURLToPath } from "node:url";

/** Absolute real path → the draft's bytes, or null: the draft deletes it. */
let files = new Map();

export async function initialize(data) {
  files = data.files;
}

/** The format of a file Node found by itself (module-hooks.ts names it for workspace .ts/.js files). */
function formatOf(path) {
  if (/\.m?ts$/.test(path)) return "module-typescript";
  if (/\.m?js$/.test(path)) return "module";
  if (path.endsWith(".json")) return "json";
  return undefined;
}

export async function load(url, context, next) {
  if (url.startsWith("file:")) {
    const path = fileURLToPath(new URL(url));
    if (files.has(path)) {
      const content = files.get(path);
      // module-hooks.ts already refuses imports of deleted files; this covers a path Node resolved itself.
      if (content === null) {
        const error = new Error("Cannot find module '" + path + "'");
        error.code = "ERR_MODULE_NOT_FOUND";
        throw error;
      }
      const format = context.format ?? formatOf(path);
      // A copy: Node 24 transfers a returned source's ArrayBuffer to the loading thread, and the draft's files
      // arrive as views on one shared buffer (the runner's IPC message): handing a view over would detach the
      // others (DataCloneError at the next file), and a second load of this one. (A typed array's constructor
      // copies whatever view it is given; a Buffer's slice() would not.)
      if (format) return { format, source: new Uint8Array(content), shortCircuit: true };
    }
  }
  return next(url, context);
}
`;

export const overlayHooksUrl = `data:text/javascript,${encodeURIComponent(source)}`;
