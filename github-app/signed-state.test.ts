import { afterEach, describe, expect, it } from "vitest";
import { LocalSecretStore } from "../src/azure/local-secret-store.js";
import { AppError } from "../src/errors.js";
import { createTempDir } from "../test/support/temp-dir.js";
import { createSignedState, verifySignedState } from "./signed-state.js";

let cleanup: (() => Promise<void>) | undefined;
afterEach(() => cleanup?.());

async function store() {
  const dir = await createTempDir();
  cleanup = dir.cleanup;
  return new LocalSecretStore(`${dir.path}/secrets.json`);
}

const refusedWith = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("invalid_state");
};

describe("signed redirect state", () => {
  it("comes back once, to the same purpose, user and browser, before it expires", async () => {
    const secrets = await store();
    const used = new Set<string>();
    const useOnce = async (nonce: string) => (used.has(nonce) ? false : (used.add(nonce), true));
    const state = await createSignedState(secrets, { purpose: "manifest", user: "alice", browser: "nonce-a", data: { overwrite: true } });
    const expected = { purpose: "manifest" as const, user: "alice", browser: "nonce-a" };

    await refusedWith(verifySignedState(secrets, state, { ...expected, browser: "nonce-b" }, { useOnce })); // another browser
    await refusedWith(verifySignedState(secrets, state, { ...expected, browser: undefined }, { useOnce })); // no flow cookie
    await refusedWith(verifySignedState(secrets, state, { ...expected, user: "mallory" }, { useOnce }));
    await refusedWith(verifySignedState(secrets, state, { ...expected, purpose: "connect" }, { useOnce }));
    await refusedWith(verifySignedState(secrets, state, expected, { useOnce, now: Date.now() + 11 * 60_000 }));
    await refusedWith(verifySignedState(secrets, `${state.slice(0, -3)}abc`, expected, { useOnce }));
    expect(used.size).toBe(0); // nothing above spent it

    expect(await verifySignedState(secrets, state, expected, { useOnce })).toEqual({ overwrite: true });
    await refusedWith(verifySignedState(secrets, state, expected, { useOnce })); // replayed
  });
});
