// The delivery-id log behind webhook dedupe, on real Azurite tables: a claim is an insert that fails on
// conflict (one winner among concurrent claims), entries expire and can then be claimed again, a released
// claim is claimable, and pruning removes exactly the expired entries.
import { randomUUID } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DeliveryLog } from "../github-app/delivery-log.js";
import { createStorageClients, type StorageClients } from "../src/azure/storage.js";
import { useTestStorage } from "./support/storage.js";

const TTL = 60_000;
const T0 = Date.parse("2026-01-01T00:00:00Z");

let storage: StorageClients;
let table: TableClient;
let counter = 0;

beforeAll(async () => {
  storage = createStorageClients({ kind: "connectionString", connectionString: (await useTestStorage()).connectionString });
});
beforeEach(async () => {
  // A table of its own per test, so pruning counts only this test's entries.
  const name = `deliveries${++counter}x${Date.now()}`;
  await storage.tableService.createTable(name);
  table = storage.table(name);
});

describe("DeliveryLog", () => {
  it("claims an id once: a repeat, even a concurrent one, is refused", async () => {
    const log = new DeliveryLog(table, { ttlInMs: TTL });
    const id = randomUUID();
    expect(await log.claim(id, { now: T0 })).toBe(true);
    expect(await log.claim(id, { now: T0 + 1000 })).toBe(false);

    const raced = randomUUID();
    const results = await Promise.all(Array.from({ length: 8 }, () => log.claim(raced, { now: T0 })));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("lets an expired claim be taken over once, and a released one be claimed again", async () => {
    const log = new DeliveryLog(table, { ttlInMs: TTL });
    const id = randomUUID();
    expect(await log.claim(id, { now: T0 })).toBe(true);
    expect(await log.claim(id, { now: T0 + TTL - 1 })).toBe(false);
    const takeovers = await Promise.all(Array.from({ length: 4 }, () => log.claim(id, { now: T0 + TTL + 1 })));
    expect(takeovers.filter(Boolean)).toHaveLength(1);
    expect(await log.claim(id, { now: T0 + TTL + 2 })).toBe(false);

    const released = randomUUID();
    expect(await log.claim(released, { now: T0 })).toBe(true);
    await log.release(released);
    await log.release(released);
    expect(await log.claim(released, { now: T0 })).toBe(true);
  });

  it("prunes exactly the expired entries, at most `limit` per call", async () => {
    const log = new DeliveryLog(table, { ttlInMs: TTL });
    const old = Array.from({ length: 5 }, () => randomUUID());
    const fresh = Array.from({ length: 3 }, () => randomUUID());
    for (const id of old) await log.claim(id, { now: T0 });
    for (const id of fresh) await log.claim(id, { now: T0 + TTL });

    const at = T0 + TTL + 1;
    expect(await log.pruneExpired({ now: at, limit: 2 })).toBe(2);
    expect(await log.pruneExpired({ now: at })).toBe(3);
    expect(await log.pruneExpired({ now: at })).toBe(0);
    for (const id of fresh) expect(await log.claim(id, { now: at })).toBe(false);
    // A pruned id is new again (GitHub no longer redelivers it by then).
    expect(await log.claim(old[0]!, { now: at })).toBe(true);
  });
});
