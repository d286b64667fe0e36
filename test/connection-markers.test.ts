// The connection markers that let the read-only guard skip the Table read: kept in step with the record by
// ConnectionStore (written before create, removed after delete), trusted only when the folder is empty,
// and never the last word when a marker is there. Real Azurite tables, real folders.
import { access, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { TableClient } from "@azure/data-tables";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectionStore } from "../src/azure/connection-store.js";
import { TABLES } from "../src/azure/resources.js";
import { azuriteConnectionString } from "../src/config.js";
import { createStorageClients, ensureStorageResources, type StorageClients } from "../src/azure/storage.js";
import type { ConnectionRecord } from "../src/connection/connection-record.js";
import { ConflictError } from "../src/errors.js";
import { connectionRecord } from "./support/github-app-fixtures.js";
import { useTestStorage } from "./support/storage.js";
import { createTempDir } from "./support/temp-dir.js";

let storage: StorageClients;
let stateDir: string;
let cleanup: () => Promise<void>;
let workspaceId: string;
let counter = 0;

beforeAll(async () => {
  storage = createStorageClients({ kind: "connectionString", connectionString: (await useTestStorage()).connectionString });
  await ensureStorageResources(storage);
});
beforeEach(async () => {
  const temp = await createTempDir();
  stateDir = path.join(temp.path, "state");
  cleanup = temp.cleanup;
  // A workspace (row) of its own per test: records never leak between tests.
  workspaceId = `markers${++counter}${Date.now()}`;
});
afterEach(async () => {
  await cleanup();
});

const store = (dir = stateDir) => new ConnectionStore(storage.table(TABLES.connections), { stateDir: dir, workspaceId });

/** A store on the same state folder whose table cannot be reached: any Table call fails. */
const storeWithoutTable = () =>
  new ConnectionStore(
    // Port 9 (discard) on loopback: nothing listens, every request is refused at once.
    TableClient.fromConnectionString(azuriteConnectionString(9, 9), TABLES.connections, {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    }),
    { stateDir, workspaceId },
  );

const record = (connectionId = "conn-a"): ConnectionRecord =>
  connectionRecord({ connectionId, kind: "pat", installationId: undefined, repository: "octo-org/workflows", deliveryMode: "polling" });

const markerFiles = async (connections: ConnectionStore) => (await readdir(connections.markers.dir)).sort();

describe("connection markers", () => {
  it("are written by create and removed by delete, with the record", async () => {
    const connections = store();
    await connections.create(record("conn-a"));
    expect(await markerFiles(connections)).toEqual(["conn-a"]);
    expect(JSON.parse(await readFile(path.join(connections.markers.dir, "conn-a"), "utf8"))).toEqual({
      connectionId: "conn-a",
      repository: "octo-org/workflows",
      branch: "main",
    });
    expect((await connections.getIfMarked())?.record.connectionId).toBe("conn-a");

    await connections.delete();
    expect(await markerFiles(connections)).toEqual([]);
    expect(await connections.get()).toBeUndefined();
    expect(await connections.getIfMarked()).toBeUndefined();
  });

  it("answers from an empty marker folder without touching the table, and reads the table when a marker is there", async () => {
    const connections = store();
    await connections.markers.ensureFolder();
    // The same state folder, a table that cannot be reached: the empty folder alone says "not connected".
    expect(await storeWithoutTable().getIfMarked()).toBeUndefined();

    await connections.create(record());
    await expect(storeWithoutTable().getIfMarked()).rejects.toThrow();
    await connections.delete();
    expect(await storeWithoutTable().getIfMarked()).toBeUndefined();
  });

  it("takes the record's word when the marker folder is missing, and creates the folder (empty, or with the record's marker)", async () => {
    // A record written before markers existed: the table has it, the state folder has nothing.
    await storage.table(TABLES.connections).createEntity({ partitionKey: "workspace", rowKey: workspaceId, ...record("old") });
    const connections = store();
    await expect(access(connections.markers.dir)).rejects.toThrow();
    expect((await connections.getIfMarked())?.record.connectionId).toBe("old");
    expect(await markerFiles(connections)).toEqual(["old"]);
    await connections.delete();
    expect(await markerFiles(connections)).toEqual([]);

    const fresh = store(path.join(stateDir, "elsewhere"));
    expect(await fresh.getIfMarked()).toBeUndefined();
    expect(await markerFiles(fresh)).toEqual([]);
  });

  it("treats a marker without a record (a crash between the two steps) as not connected, and keeps the marker", async () => {
    const connections = store();
    await connections.markers.add(record("crashed"));
    expect(await connections.getIfMarked()).toBeUndefined();
    expect(await markerFiles(connections)).toEqual(["crashed"]);
    // A later connection and disconnection leave the stray marker alone and remove their own.
    await connections.create(record("conn-b"));
    expect(await markerFiles(connections)).toEqual(["conn-b", "crashed"]);
    await connections.delete();
    expect(await markerFiles(connections)).toEqual(["crashed"]);
  });

  it("removes only its own marker when create finds the workspace already connected", async () => {
    const connections = store();
    await connections.create(record("first"));
    const error = await connections.create(record("second")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).code).toBe("already_connected");
    expect(await markerFiles(connections)).toEqual(["first"]);
    expect((await connections.getIfMarked())?.record.connectionId).toBe("first");
  });

  it("deletes nothing and succeeds when the workspace is not connected", async () => {
    const connections = store();
    await connections.delete();
    await connections.markers.add(record("crashed"));
    await connections.delete();
    expect(await markerFiles(connections)).toEqual(["crashed"]);
  });
});
