// KeyVaultSecretStore against a loopback server that speaks Key Vault's secrets REST API over TLS: proves the
// SDK calls we make (challenge auth, api-version, soft delete + purge, recover, paging) and our error mapping.
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyVaultSecretStore } from "../src/azure/key-vault-secret-store.js";
import { patSecretName, SECRET_NAMES, webhookSecretName } from "../src/azure/secret-names.js";
import { AppError } from "../src/errors.js";
import { startKeyVaultStandIn, type KeyVaultStandIn, type KeyVaultStandInOptions } from "./support/key-vault-stand-in/key-vault-stand-in.js";

/** A credential that hands out one fixed token and remembers what it was asked for. */
class StaticCredential implements TokenCredential {
  readonly requests: { scopes: string[]; tenantId: string | undefined }[] = [];
  constructor(private readonly token: string) {}
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    this.requests.push({ scopes: [scopes].flat(), tenantId: options?.tenantId });
    return { token: this.token, expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

/** Trusts the stand-in's self-signed certificate for this client only (no process-wide NODE_EXTRA_CA_CERTS). */
function trustCertificate(ca: string): PipelinePolicy {
  const tlsSettings = { ca }; // one object: the SDK caches its https agent by this identity
  return {
    name: "trustStandInCertificate",
    sendRequest: (request, next) => {
      request.tlsSettings = tlsSettings;
      return next(request);
    },
  };
}

describe("KeyVaultSecretStore against a Key Vault stand-in", () => {
  let vault: KeyVaultStandIn;
  let credential: StaticCredential;

  const startVault = async (options: KeyVaultStandInOptions = {}) => {
    vault = await startKeyVaultStandIn(options);
    credential = new StaticCredential(vault.token);
  };
  const createStore = (extra: { maxRetries?: number } = {}) =>
    new KeyVaultSecretStore(vault.url, {
      credential,
      pollIntervalInMs: 10,
      clientOptions: {
        // The challenge names resource https://vault.azure.net; a loopback vault is not under that domain.
        disableChallengeResourceVerification: true,
        additionalPolicies: [{ policy: trustCertificate(vault.ca), position: "perCall" }],
        retryOptions: { maxRetries: extra.maxRetries ?? 3, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
      },
    });
  const list = async (store: KeyVaultSecretStore) => {
    const names: string[] = [];
    for await (const name of store.listNames()) names.push(name);
    return names;
  };

  beforeEach(() => startVault());
  afterEach(() => vault.close());

  it("does the bearer challenge, then sets, gets and overwrites with the api-version on every call", async () => {
    const store = createStore();
    expect(store.description).toBe(`Key Vault ${new URL(vault.url).host}`);
    await store.set(SECRET_NAMES.appPrivateKey, "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n");
    expect(await store.get(SECRET_NAMES.appPrivateKey)).toBe("-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n");
    await store.set(SECRET_NAMES.appPrivateKey, "rotated");
    expect(await store.get(SECRET_NAMES.appPrivateKey)).toBe("rotated");

    // First request unauthenticated (the challenge), then a token for Key Vault's scope and the tenant it named.
    expect(vault.requests[0]).toMatchObject({ method: "PUT", authorized: false });
    expect(vault.requests[1]).toMatchObject({ method: "PUT", path: `/secrets/${SECRET_NAMES.appPrivateKey}`, authorized: true });
    expect(credential.requests[0]).toEqual({ scopes: ["https://vault.azure.net/.default"], tenantId: vault.tenantId });
    expect(vault.requests.filter((r) => !r.authorized)).toHaveLength(1);
    for (const request of vault.requests) expect(request.apiVersion).toMatch(/^(7\.\d|\d{4}-\d{2}-\d{2})$/);
  });

  it("answers undefined for a missing secret, and deletes (soft delete, poll, purge) idempotently", async () => {
    await vault.close();
    await startVault({ deletionPolls: 2 }); // Key Vault takes a moment: the poller sees 404 twice first
    const store = createStore();
    expect(await store.get("github-app-id")).toBeUndefined();
    await store.set("github-app-id", "123");
    await store.delete("github-app-id");
    expect(await store.get("github-app-id")).toBeUndefined();
    expect(vault.deletedNames()).toEqual([]); // purged, so the name is free again
    const deletedPolls = vault.requests.filter((r) => r.method === "GET" && r.path === "/deletedsecrets/github-app-id");
    expect(deletedPolls.length).toBe(3);
    expect(vault.requests.some((r) => r.method === "DELETE" && r.path === "/deletedsecrets/github-app-id")).toBe(true);
    await store.delete("github-app-id"); // absent: succeeds
    await store.set("github-app-id", "456"); // the name is reusable at once
    expect(await store.get("github-app-id")).toBe("456");
  });

  it("purges a secret left soft-deleted by an earlier failed purge", async () => {
    vault.seedDeleted("github-pat-old", "ghp_leftover");
    const store = createStore();
    await store.delete("github-pat-old");
    expect(vault.deletedNames()).toEqual([]);
  });

  it("under purge protection: delete leaves it soft-deleted, and a later set recovers the name and writes", async () => {
    await vault.close();
    await startVault({ purgeProtection: true });
    const store = createStore();
    await store.set(SECRET_NAMES.appWebhookSecret, "first");
    await store.delete(SECRET_NAMES.appWebhookSecret);
    expect(await store.get(SECRET_NAMES.appWebhookSecret)).toBeUndefined();
    expect(vault.deletedNames()).toEqual([SECRET_NAMES.appWebhookSecret]);
    await store.set(SECRET_NAMES.appWebhookSecret, "second");
    expect(await store.get(SECRET_NAMES.appWebhookSecret)).toBe("second");
    expect(vault.requests.some((r) => r.method === "POST" && r.path === `/deletedsecrets/${SECRET_NAMES.appWebhookSecret}/recover`)).toBe(true);
  });

  it("lists every name across pages (nextLink), skipping none", async () => {
    await vault.close();
    await startVault({ pageSize: 4 });
    const store = createStore();
    const names = [
      ...Object.values(SECRET_NAMES),
      ...Array.from({ length: 5 }, (_, i) => patSecretName(`c0nn-${i}`)),
      ...Array.from({ length: 5 }, (_, i) => webhookSecretName(`c0nn-${i}`)),
    ];
    for (const name of names) await store.set(name, `value-of-${name}`);
    expect((await list(store)).sort()).toEqual([...names].sort());
    const pages = vault.requests.filter((r) => r.method === "GET" && r.path === "/secrets" && r.authorized);
    expect(pages.length).toBe(Math.ceil(names.length / 4));
    expect(pages.slice(1).every((page) => page.query.$skiptoken !== undefined)).toBe(true);
    expect([...vault.values().keys()].sort()).toEqual([...names].sort());
  });

  it("uses the fixed, documented secret names, all valid in Key Vault", async () => {
    const store = createStore();
    const id = "3f1c2b9e-6a75-4c1e-9a53-0f1b2f6c8d11";
    expect(patSecretName(id)).toBe(`github-pat-${id}`);
    expect(webhookSecretName(id)).toBe(`github-webhook-${id}`);
    const names = [...Object.values(SECRET_NAMES), patSecretName(id), webhookSecretName(id)];
    for (const name of names) await store.set(name, "x");
    const written = vault.requests.filter((r) => r.method === "PUT" && r.authorized).map((r) => r.path);
    expect(written).toEqual(names.map((name) => `/secrets/${name}`));
    expect([...vault.values().keys()].sort()).toEqual([...names].sort());
  });

  it("rejects names Key Vault would reject before calling it", async () => {
    const store = createStore();
    await expect(store.get("github_pat")).rejects.toThrow(TypeError);
    await expect(store.set("a/b", "x")).rejects.toThrow(TypeError);
    expect(vault.requests).toHaveLength(0);
  });

  it("turns a refused identity into one actionable sentence without the vault's body", async () => {
    const store = createStore();
    vault.failNext({
      status: 403,
      code: "Forbidden",
      message: "The user, group or application 'appid=x' does not have secrets get permission on key vault 'kv'.",
      match: /^GET \/secrets\//,
    });
    const error = await store.get("github-app-id").then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(503);
    expect((error as AppError).message).toMatch(/Key Vault refused to read secret "github-app-id" \(HTTP 403\).*Key Vault Secrets Officer/);
    expect((error as AppError).message).not.toContain("appid=x");
  });

  it("reports an unavailable vault after the SDK's retries", async () => {
    const store = createStore({ maxRetries: 1 });
    vault.failNext({ status: 503, code: "ServiceUnavailable", message: "busy", times: 2 });
    await expect(store.set("github-app-id", "1")).rejects.toThrow(/Key Vault could not write secret "github-app-id" \(HTTP 503\)/);
    vault.failNext({ status: 503, code: "ServiceUnavailable", message: "busy", times: 1 });
    await store.set("github-app-id", "1"); // one retry absorbs a single blip
    expect(vault.values().get("github-app-id")).toBe("1");
  });

  it("stops at an aborted signal", async () => {
    const store = createStore();
    const controller = new AbortController();
    controller.abort();
    await expect(store.get("github-app-id", { abortSignal: controller.signal })).rejects.toThrow(/abort/i);
  });
});
