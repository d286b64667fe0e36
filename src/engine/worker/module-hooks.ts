// Node module hooks every run worker registers after tsx. They run on Node's hooks thread, where tsx does not
// compile our TypeScript, so they are plain JavaScript loaded from a data: URL.
//  - `funcspace` resolves to the engine's SDK module: workspaces need no package.json and no install.
//  - .ts/.js files in the workspace are ES modules whatever package.json says (a workspace usually has none,
//    and tsx would take them for CommonJS, where top-level await breaks): workspace imports are resolved here.
//  - Every workspace file loaded is reported with its fingerprint taken *before* it is read, so the pool can
//    tell later whether the code this worker holds is still the code on disk. So is every import from one
//    workspace module to another (discovery re-examines a workflow when anything it imports changes), and every
//    workspace import that found no file, with the paths that would have satisfied it (a workflow that failed
//    for want of a helper is re-examined when the helper appears). Messages on one port arrive in order: a
//    describe ends with a barrier import, after which the engine has every event of it.
//  - Workspace modules carry a generation (`?gen=N`, inherited from the module that imports them): when code
//    changed, the worker imports the entry at the next generation and gets the whole workspace graph fresh,
//    while tsx and node_modules stay loaded. Old generations stay in memory until the worker is retired, which
//    the pool does after a few of them.
//  - A draft run's worker (draft-overlay.ts) is given the paths its draft adds, changes (true) or deletes (false):
//    imports resolve as they would once the draft is merged (an added helper is found, a deleted one is not,
//    however it is on disk); overlay-hooks.ts then serves the draft's content under the same workspace URL.
import { BARRIER_SPECIFIER } from "./protocol.js";

const source = String.raw`
import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const BARRIER = ${JSON.stringify(BARRIER_SPECIFIER)};

let sdkUrl;
let workspaceUrl;
let aliasUrl;
let port;
/** A draft run's files (absolute real path → whether the draft has it), or none. */
let overlay = new Map();

export async function initialize(data) {
  sdkUrl = data.sdkUrl;
  workspaceUrl = data.workspaceUrl;
  aliasUrl = data.aliasUrl;
  port = data.port;
  if (data.overlay) overlay = data.overlay;
}

export async function resolve(specifier, context, next) {
  if (specifier === "funcspace") return { url: sdkUrl, format: "module", shortCircuit: true };
  if (specifier.startsWith(BARRIER)) {
    port.postMessage({ kind: "barrier", id: specifier.slice(BARRIER.length) });
    return { url: "data:text/javascript,", format: "module", shortCircuit: true };
  }
  // The workspace as configured may be a symlink to where Node's resolution ends up: speak of the real one.
  if (aliasUrl && specifier.startsWith(aliasUrl)) specifier = workspaceUrl + specifier.slice(aliasUrl.length);
  const parent = context.parentURL ?? "";
  const fromWorkspace = parent.startsWith(workspaceUrl);
  const relative = /^\.{0,2}\//.test(specifier) && fromWorkspace;
  if (relative || specifier.startsWith(workspaceUrl)) {
    const target = new URL(specifier, parent || undefined);
    if (target.href.startsWith(workspaceUrl) && !target.pathname.includes("/node_modules/")) {
      const { found, candidates, deleted } = await findFile(target);
      // The generation travels from the entry import to every workspace module it imports (see below).
      const generation = relative ? new URL(parent).searchParams.get("gen") : target.searchParams.get("gen");
      if (fromWorkspace) {
        const from = fileURLToPath(parent.split("?")[0]);
        if (found) port.postMessage({ kind: "import", from, to: fileURLToPath(found), generation: generation ?? "" });
        else port.postMessage({ kind: "missing", from, candidates: candidates.map((c) => fileURLToPath(c)), generation: generation ?? "" });
      }
      const format = found && formatOf(found.pathname);
      if (format) {
        found.search = generation ? "?gen=" + generation : "";
        return { url: found.href, format, shortCircuit: true };
      }
      // Found only in a draft (a JSON file it adds): Node's own resolution would look on disk, in vain.
      if (found && overlay.get(fileURLToPath(found)) === true) return { url: found.href, shortCircuit: true };
      // Node would find on disk what the draft deletes: fail as the merged draft would, with Node's words.
      if (!found && deleted) throw notFound(target, parent);
    }
  }
  return next(specifier, context);
}

/**
 * The file a workspace import means: as written, .js → .ts (TypeScript's convention), or without extension.
 * "candidates": every file URL it tried (without query), for the engine to watch when none exists; "deleted":
 * one of them exists on disk for all we know, but the draft being run deletes it.
 */
async function findFile(url) {
  const path = url.pathname;
  const paths = [path];
  if (path.endsWith(".js")) paths.push(path.slice(0, -3) + ".ts");
  else if (path.endsWith(".mjs")) paths.push(path.slice(0, -4) + ".mts");
  else if (!/\.[^/]*$/.test(path)) paths.push(...[".ts", ".mts", ".js", ".mjs", "/index.ts", "/index.js"].map((e) => path + e));
  const candidates = [];
  let deleted = false;
  for (const candidate of paths) {
    const found = new URL(url.href);
    found.pathname = candidate;
    found.search = "";
    candidates.push(found);
    const drafted = overlay.get(fileURLToPath(found));
    if (drafted === true) return { found, candidates, deleted };
    if (drafted === false) {
      deleted = true;
      continue;
    }
    try {
      if ((await stat(fileURLToPath(found))).isFile()) return { found, candidates, deleted };
    } catch {}
  }
  return { found: undefined, candidates, deleted };
}

function notFound(target, parent) {
  const path = fileURLToPath(target);
  const from = parent ? " imported from " + fileURLToPath(parent.split("?")[0]) : "";
  const error = new Error("Cannot find module '" + path + "'" + from);
  error.code = "ERR_MODULE_NOT_FOUND";
  return error;
}

/** ES modules whatever package.json says; these are tsx's names for "compile as ESM". Others: Node decides. */
function formatOf(path) {
  if (/\.m?ts$/.test(path)) return "module-typescript";
  if (/\.m?js$/.test(path)) return "module";
  return undefined;
}

export async function load(url, context, next) {
  if (url.startsWith(workspaceUrl)) {
    const path = fileURLToPath(url.split("?")[0]);
    const generation = new URL(url).searchParams.get("gen") ?? "";
    let fingerprint = "missing";
    try {
      const info = await stat(path, { bigint: true });
      fingerprint = info.size + ":" + info.mtimeNs + ":" + info.ino;
    } catch {}
    port.postMessage({ kind: "loaded", path, fingerprint, generation });
  }
  return next(url, context);
}
`;

export const moduleHooksUrl = `data:text/javascript,${encodeURIComponent(source)}`;
