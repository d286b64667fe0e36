// The workspace files API: the editor's whole contract with the server. Each route parses the request,
// calls one service in src/workspace/ and maps the result; path checks, the read-only guard, ETags and
// limits all live there. Reads need a signed-in user, writes the admin role.
import type { HttpRequest } from "@azure/functions";
import { create as contentDisposition } from "content-disposition";
import { LeaseStore } from "../src/azure/lease-store.js";
import { TABLES } from "../src/azure/resources.js";
import { DEFAULT_WORKSPACE_ID } from "../src/connection/connection-record.js";
import { BadRequestError } from "../src/errors.js";
import { createWorkspaceFolder } from "../src/workspace/create-workspace-folder.js";
import { deleteWorkspaceFile } from "../src/workspace/delete-workspace-file.js";
import { deleteWorkspaceFolder } from "../src/workspace/delete-workspace-folder.js";
import { optionalBoolean, readJsonBody, requireString } from "../src/json-body.js";
import { listWorkspaceTree } from "../src/workspace/list-workspace-tree.js";
import { moveWorkspaceEntry } from "../src/workspace/move-workspace-entry.js";
import { openWorkspaceFile } from "../src/workspace/open-workspace-file.js";
import { putWorkspaceFile } from "../src/workspace/put-workspace-file.js";
import { searchWorkspace } from "../src/workspace/search-workspace.js";
import type { WorkspaceDeps } from "../src/workspace/workspace-deps.js";
import { zipWorkspace } from "../src/workspace/zip-workspace.js";
import type {
  Unchecked,
  WorkspaceFileWritten,
  WorkspaceFolderCreated,
  WorkspaceFolderRequest,
  WorkspaceMoveRequest,
  WorkspaceMoveResult,
  WorkspaceSearchResult,
  WorkspaceTree,
} from "../src/api-types.js";
import { defineHttp, type Trigger } from "./define.js";
import type { Services } from "./services.js";

const deps = ({ config, connections, storage }: Services): WorkspaceDeps => ({
  workspaceDir: config.workspaceDir,
  // The commit lock across instances (src/workspace/with-write-lock.ts).
  writeLocks: new LeaseStore(storage.table(TABLES.leases)),
  workspaceId: DEFAULT_WORKSPACE_ID,
  maxFileBytes: config.maxFileBytes,
  ioConcurrency: config.ioConcurrency,
  connections,
});

/** The request body as the byte stream it is (the host streams it; see `enableHttpStream`). */
const bodyOf = (request: HttpRequest): AsyncIterable<Uint8Array> =>
  (request.body as AsyncIterable<Uint8Array> | null) ?? (async function* () {})();

// Files are never cached by browsers or proxies without asking (ETag revalidation), and never rendered
// as a page on the API's origin.
const FILE_HEADERS = { "cache-control": "no-cache", "x-content-type-options": "nosniff", "content-security-policy": "default-src 'none'; sandbox" };

export const workspaceTree = defineHttp({
  name: "workspaceTree",
  methods: ["GET"],
  route: "workspace/tree",
  role: "reader",
  handler: async (_request, { services }) => {
    const tree: WorkspaceTree = await listWorkspaceTree(deps(services));
    return { headers: { "cache-control": "no-store" }, jsonBody: tree };
  },
});

export const workspaceSearch = defineHttp({
  name: "workspaceSearch",
  methods: ["GET"],
  route: "workspace/search",
  role: "reader",
  handler: async (request, { services }) => {
    const result: WorkspaceSearchResult = await searchWorkspace(deps(services), request.query.get("q") ?? "");
    return { headers: { "cache-control": "no-store" }, jsonBody: result };
  },
});

export const workspaceFileRead = defineHttp({
  name: "workspaceFileRead",
  methods: ["GET"],
  route: "workspace/files/{*path}",
  role: "reader",
  handler: async (request, { services }) => {
    const file = await openWorkspaceFile(deps(services), request.params.path ?? "", { ifNoneMatch: request.headers.get("if-none-match") });
    if (!file.body) return { status: 304, headers: { etag: file.etag, ...FILE_HEADERS } };
    return {
      headers: {
        ...FILE_HEADERS,
        etag: file.etag,
        "content-type": file.contentType,
        "content-length": String(file.size),
        "last-modified": file.modified.toUTCString(),
        ...(file.kind === "binary" ? { "content-disposition": contentDisposition(file.name) } : {}),
      },
      body: file.body,
    };
  },
});

export const workspaceFileWrite = defineHttp({
  name: "workspaceFileWrite",
  methods: ["PUT"],
  route: "workspace/files/{*path}",
  role: "admin",
  body: "bytes",
  handler: async (request, { services }) => {
    const length = request.headers.get("content-length");
    const result: WorkspaceFileWritten = await putWorkspaceFile(deps(services), request.params.path ?? "", bodyOf(request), {
      ifMatch: request.headers.get("if-match"),
      ifNoneMatch: request.headers.get("if-none-match"),
      contentLength: length === null ? undefined : Number(length),
    });
    return { status: result.created ? 201 : 200, headers: { etag: result.etag }, jsonBody: result };
  },
});

export const workspaceFileDelete = defineHttp({
  name: "workspaceFileDelete",
  methods: ["DELETE"],
  route: "workspace/files/{*path}",
  role: "admin",
  handler: async (request, { services }) => {
    await deleteWorkspaceFile(deps(services), request.params.path ?? "", { ifMatch: request.headers.get("if-match") });
    return { status: 204 };
  },
});

export const workspaceFolderCreate = defineHttp({
  name: "workspaceFolderCreate",
  methods: ["POST"],
  route: "workspace/folders",
  role: "admin",
  handler: async (request, { services }) => {
    const example = '{"path": "workflows/reports"}';
    const body: Unchecked<WorkspaceFolderRequest> = await readJsonBody(bodyOf(request), example);
    const created: WorkspaceFolderCreated = await createWorkspaceFolder(deps(services), requireString(body, "path", example));
    return { status: 201, jsonBody: created };
  },
});

export const workspaceFolderDelete = defineHttp({
  name: "workspaceFolderDelete",
  methods: ["DELETE"],
  route: "workspace/folders/{*path}",
  role: "admin",
  handler: async (request, { services }) => {
    const recursive = request.query.get("recursive");
    if (recursive !== null && recursive !== "true" && recursive !== "false") {
      throw new BadRequestError(`recursive must be true or false, not "${recursive}".`, { code: "invalid_query" });
    }
    await deleteWorkspaceFolder(deps(services), request.params.path ?? "", { recursive: recursive === "true" });
    return { status: 204 };
  },
});

export const workspaceMove = defineHttp({
  name: "workspaceMove",
  methods: ["POST"],
  route: "workspace/move",
  role: "admin",
  handler: async (request, { services }) => {
    const example = '{"from": "old.ts", "to": "new/name.ts", "overwrite": false}';
    const body: Unchecked<WorkspaceMoveRequest> = await readJsonBody(bodyOf(request), example);
    const move: WorkspaceMoveRequest = { from: requireString(body, "from", example), to: requireString(body, "to", example), overwrite: optionalBoolean(body, "overwrite") };
    const moved: WorkspaceMoveResult = await moveWorkspaceEntry(deps(services), move);
    return { jsonBody: moved };
  },
});

export const workspaceZip = defineHttp({
  name: "workspaceZip",
  methods: ["GET"],
  route: "workspace/zip",
  role: "reader",
  handler: async (_request, { services }) => {
    const zip = await zipWorkspace(deps(services));
    return {
      headers: { "content-type": "application/zip", "content-disposition": contentDisposition(zip.fileName), "cache-control": "no-store" },
      body: zip.stream,
    };
  },
});

export const workspaceTriggers: readonly Trigger[] = [
  workspaceTree,
  workspaceSearch,
  workspaceFileRead,
  workspaceFileWrite,
  workspaceFileDelete,
  workspaceFolderCreate,
  workspaceFolderDelete,
  workspaceMove,
  workspaceZip,
];
