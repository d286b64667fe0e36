// The access table against Azurite: sessions by hash (never the id itself), expiry, sign-out; the setup
// code's generation changes only through ETag-conditional writes, so concurrent instances agree and a code
// is used once; flow nonces are accepted once.
import { describe, expect, it } from "vitest";
import { AccessStore } from "../src/azure/access-store.js";
import { createStorageClients } from "../src/azure/storage.js";
import { useTestStorage } from "./support/storage.js";

async function accessStore(table: string): Promise<{ store: AccessStore; rows: () => Promise<Record<string, unknown>[]> }> {
  const storage = createStorageClients({ kind: "connectionString", connectionString: (await useTestStorage()).connectionString });
  const client = storage.table(table);
  await client.createTable();
  return {
    store: new AccessStore(client),
    rows: async () => {
      const all = [];
      for await (const entity of client.listEntities<Record<string, unknown>>()) all.push(entity);
      return all;
    },
  };
}

describe("AccessStore", () => {
  it("keeps sessions under the id's hash, ends them on sign-out and after expiry", async () => {
    const { store, rows } = await accessStore("accesssessions");
    const session = { userId: "1", login: "octocat", provider: "github", roles: ["reader" as const], createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 60_000).toISOString() };
    await store.createSession("secret-session-id", session);
    expect(await store.getSession("secret-session-id")).toEqual(session);
    expect(JSON.stringify(await rows())).not.toContain("secret-session-id");
    expect(await store.getSession("secret-session-id", { now: Date.now() + 61_000 })).toBeUndefined();
    expect(await store.getSession("another-id")).toBeUndefined();
    await store.deleteSession("secret-session-id");
    await store.deleteSession("secret-session-id"); // twice is fine
    expect(await store.getSession("secret-session-id")).toBeUndefined();
  });

  it("lets exactly one of several racing instances create or replace the setup generation, and use it once", async () => {
    const { store } = await accessStore("accesssetup");
    const created = await Promise.all(["a", "b", "c", "d"].map((g) => store.putSetupGeneration(g, undefined)));
    expect(created.filter(Boolean)).toHaveLength(1);
    const current = (await store.getSetupGeneration())!;
    expect(["a", "b", "c", "d"][created.indexOf(true)]).toBe(current.generation);

    const used = await Promise.all(Array.from({ length: 5 }, () => store.useSetupGeneration(current.generation)));
    expect(used.filter(Boolean)).toHaveLength(1);
    expect((await store.getSetupGeneration())!.usedAt).toBeDefined();
    expect(await store.useSetupGeneration(current.generation)).toBe(false);

    const used2 = (await store.getSetupGeneration())!;
    const replaced = await Promise.all(["x", "y"].map((g) => store.putSetupGeneration(g, used2.etag)));
    expect(replaced.filter(Boolean)).toHaveLength(1);
    expect((await store.getSetupGeneration())!.usedAt).toBeUndefined();
    expect(await store.useSetupGeneration("not-current")).toBe(false);
  });

  it("accepts a flow nonce once, and keeps grants and notes", async () => {
    const { store } = await accessStore("accessmisc");
    expect(await Promise.all([store.useNonce("n1"), store.useNonce("n1")])).toEqual(expect.arrayContaining([true, false]));
    expect(await store.useNonce("n2")).toBe(true);
    await store.upsertGrant({ userId: "583231", login: "OctoCat", role: "admin", grantedBy: "setup code", grantedAt: "2026-01-01T00:00:00.000Z" });
    expect(await store.getGrant("583231")).toMatchObject({ login: "OctoCat", role: "admin" });
    // By id, not login: someone who later takes the name "octocat" is not the person granted.
    expect(await store.getGrant("octocat")).toBeUndefined();
    expect(await store.getGrant("999")).toBeUndefined();
    await expect(store.upsertGrant({ userId: "octocat", login: "x", role: "admin", grantedBy: "x", grantedAt: "x" })).rejects.toThrow(TypeError);
    const grants = [];
    for await (const grant of store.listGrants()) grants.push(grant.login);
    expect(grants).toEqual(["OctoCat"]);
    await store.upsertNote("n", { registeredBy: "alice", replaced: false });
    expect(await store.getNote("n")).toEqual({ registeredBy: "alice", replaced: false });
  });
});
