// The sync lease's fencing on real Azurite tables: a hung renewal is cut off by its own timeout and the
// next one still runs; a holder that cannot renew stops itself while the service still counts its lease as
// live (before anyone can take it over); a takeover moves the generation and fails the old holder's fence;
// a healthy holder keeps its lease over many TTLs; and the sync engine writes nothing after its fence fails.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdLease } from "../src/azure/hold-lease.js";
import { LeaseStore } from "../src/azure/lease-store.js";
import { TABLES } from "../src/azure/resources.js";
import { createStorageClients, ensureStorageResources } from "../src/azure/storage.js";
import { LeaseLostError } from "../src/errors.js";
import { SyncError } from "../src/sync/sync-error.js";
import { syncOnce } from "../src/sync/sync-once.js";
import { useTestStorage } from "./support/storage.js";
import { archiveState, createSyncFixture, diffWorkspace, type SyncFixture } from "./support/sync-fixtures.js";
import { waitFor } from "./support/wait-for.js";

let leases: LeaseStore;
beforeAll(async () => {
  const storage = createStorageClients({ kind: "connectionString", connectionString: (await useTestStorage()).connectionString });
  await ensureStorageResources(storage);
  leases = new LeaseStore(storage.table(TABLES.leases));
});

describe("holdLease", () => {
  it("cuts off a hung renewal with its own timeout, and stops itself while the service still counts the lease live", async () => {
    const key = `hung-${randomUUID()}`;
    const startedAt = performance.now();
    const acquired = await leases.tryAcquire(key, "holder-a", 3_000);
    expect(acquired).toEqual({ acquired: true, generation: 1 });
    // Every renewal hangs until its signal aborts (a Table call that never answers).
    const renewals: unknown[] = [];
    const hanging = {
      renew: (_tenure: unknown, options: { abortSignal?: AbortSignal } = {}) =>
        new Promise<void>((_resolve, reject) => {
          renewals.push(undefined);
          options.abortSignal?.addEventListener("abort", () => reject(options.abortSignal!.reason as Error), { once: true });
        }),
      check: leases.check.bind(leases),
    };
    const held = holdLease(hanging, { key, holder: "holder-a", generation: 1 }, { ttlMs: 3_000, renewEveryMs: 400, renewTimeoutMs: 300, stopMarginMs: 750, acquiredAtMs: startedAt });
    const lost = await new Promise<unknown>((resolve) => held.signal.addEventListener("abort", () => resolve(held.signal.reason), { once: true }));
    const stoppedAfter = performance.now() - startedAt;
    // The service has not let the lease go: nobody could have taken it over yet.
    expect((await leases.get(key))?.live).toBe(true);
    expect(await leases.tryAcquire(key, "holder-b", 3_000)).toMatchObject({ acquired: false });
    expect(lost).toBeInstanceOf(LeaseLostError);
    expect(stoppedAfter).toBeGreaterThanOrEqual(2_200);
    expect(stoppedAfter).toBeLessThan(3_000);
    // One hung call did not stall the rest: each was cut off and the next one tried.
    expect(renewals.length).toBeGreaterThanOrEqual(3);
    expect(() => held.assertHeld()).toThrow(LeaseLostError);
    await expect(held.check()).rejects.toBeInstanceOf(LeaseLostError);
    await held.stop();

    // Once the service counts it expired, another holder takes it with the next generation; the old tenure's fence fails.
    await waitFor("the lease to expire", async () => (await leases.get(key))?.live === false, { timeoutInMs: 8_000 });
    expect(await leases.tryAcquire(key, "holder-b", 3_000)).toEqual({ acquired: true, generation: 2 });
    await expect(leases.check({ key, holder: "holder-a", generation: 1 })).rejects.toBeInstanceOf(LeaseLostError);
    await expect(leases.renew({ key, holder: "holder-a", generation: 1 })).rejects.toBeInstanceOf(LeaseLostError);
    await leases.check({ key, holder: "holder-b", generation: 2 });
  }, 20_000);

  it("keeps a healthy holder's lease over several TTLs, then releases it (the generation stays)", async () => {
    const key = `healthy-${randomUUID()}`;
    const startedAt = performance.now();
    const acquired = await leases.tryAcquire(key, "holder-a", 2_000);
    expect(acquired).toMatchObject({ acquired: true, generation: 1 });
    const held = holdLease(leases, { key, holder: "holder-a", generation: 1 }, { ttlMs: 2_000, renewEveryMs: 400, acquiredAtMs: startedAt });
    await new Promise((r) => setTimeout(r, 5_000));
    expect(held.signal.aborted).toBe(false);
    await held.check();
    expect(await leases.tryAcquire(key, "holder-b", 2_000)).toMatchObject({ acquired: false, current: { holder: "holder-a", generation: 1 } });
    await held.stop();
    expect(await leases.release(held)).toEqual({ released: true });
    expect(await leases.get(key)).toMatchObject({ holder: "", generation: 1, live: false });
    expect(await leases.tryAcquire(key, "holder-b", 2_000)).toEqual({ acquired: true, generation: 2 });
  }, 20_000);
});

describe("the sync engine's fence", () => {
  let fx: SyncFixture;
  beforeAll(async () => {
    fx = await createSyncFixture();
  });
  afterAll(async () => {
    await fx.close();
  });

  it("writes nothing once its fence fails: the workspace keeps the last commit whole", async () => {
    const first = await fx.repo.commit({ "a.txt": "a1\n", "b.txt": "b1\n" });
    await syncOnce({ branch: "main" }, fx.deps());
    await fx.repo.commit({ "a.txt": "a2\n", "b.txt": null, "c.txt": "c2\n" });
    let checks = 0;
    const fence = {
      check: async () => {
        checks++;
        throw new LeaseLostError("sync-test");
      },
    };
    const error = await syncOnce({ branch: "main" }, fx.deps({ fence })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncError);
    expect((error as SyncError).step).toBe("apply");
    expect((error as SyncError).cause).toBeInstanceOf(LeaseLostError);
    expect(checks).toBe(1);
    expect(await diffWorkspace(fx.workspaceDir, await archiveState(fx.repo, first, fx.root))).toEqual([]);
  });
});
