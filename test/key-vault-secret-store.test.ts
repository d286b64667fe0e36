// KeyVaultSecretStore against a loopback server that speaks Key Vault's secrets REST API over TLS: proves the
// SDK calls we make (challenge auth, api-version, soft delete and never a purge, recover, paging) and our error
// mapping, in a vault with and without purge protection.
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

  /** Requests that would purge a soft-deleted secret (`DELETE /deletedsecrets/{name}`): the store sends none, ever. */
  const purges = () => vault.requests.filter((r) => r.method === "DELETE" && r.path.startsWith("/deletedsecrets/"));
  afterEach(() => expect(purges()).toEqual([]));

  describe.each([
    { vaultKind: "a vault without purge protection", purgeProtection: false },
    { vaultKind: "a purge-protected vault (as infra/azuredeploy.json makes it)", purgeProtection: true },
  ])("delete and re-create in $vaultKind", ({ purgeProtection }) => {
    const name = "github-app-id";
    /** This name's requests since `from`, as `METHOD /path` (the SDK reads the latest version as `/secrets/{name}/`). */
    const requestsFor = (from: number) =>
      vault.requests
        .slice(from)
        .filter((r) => r.authorized && r.path.includes(`/${name}`))
        .map((r) => `${r.method} ${r.path.replace(/\/$/, "")}`);

    beforeEach(async () => {
      await vault.close();
      // Key Vault takes a moment both ways: the pollers see 404 twice before a delete or a recover has finished.
      await startVault({ purgeProtection, deletionPolls: 2, recoveryPolls: 2 });
    });

    it("delete is a soft delete only: the secret is gone for get and list, left soft-deleted, never purged", async () => {
      const store = createStore();
      expect(await store.get(name)).toBeUndefined();
      await store.set(name, "123");
      await store.set("github-app-slug", "funcspace");
      const before = vault.requests.length;
      await store.delete(name);

      expect(await store.get(name)).toBeUndefined();
      expect(await list(store)).toEqual(["github-app-slug"]);
      expect(vault.deletedNames()).toEqual([name]);
      expect(vault.values().has(name)).toBe(false);
      // One DELETE, then polls of the deleted secret until Key Vault shows it (404, 404, found); nothing else.
      expect(requestsFor(before).slice(0, 4)).toEqual([
        `DELETE /secrets/${name}`,
        `GET /deletedsecrets/${name}`,
        `GET /deletedsecrets/${name}`,
        `GET /deletedsecrets/${name}`,
      ]);
      expect(purges()).toEqual([]);

      await store.delete(name); // already soft-deleted: succeeds, changes nothing
      await store.delete("github-pat-never-set"); // never set: succeeds
      expect(vault.deletedNames()).toEqual([name]);
    });

    it("set of the deleted name recovers it, waits until it is live, then writes the new value", async () => {
      const store = createStore();
      await store.set(name, "123");
      await store.delete(name);
      const before = vault.requests.length;
      await store.set(name, "456");

      expect(await store.get(name)).toBe("456");
      expect(vault.deletedNames()).toEqual([]);
      expect(await list(store)).toEqual([name]);
      // The first write is refused (409: deleted, name reserved); recover; poll until live (404, 404, found); write.
      const sequence = requestsFor(before);
      expect(sequence.slice(0, 1)).toEqual([`PUT /secrets/${name}`]);
      const recovered = sequence.indexOf(`POST /deletedsecrets/${name}/recover`);
      expect(recovered).toBeGreaterThan(0);
      expect(sequence.slice(recovered + 1, recovered + 5)).toEqual([
        `GET /secrets/${name}`,
        `GET /secrets/${name}`,
        `GET /secrets/${name}`,
        `PUT /secrets/${name}`,
      ]);
    });

    it("a name soft-deleted before (by hand, or a purge an older version had refused): delete leaves it, set recovers it", async () => {
      vault.seedDeleted("github-pat-old", "ghp_leftover");
      const store = createStore();
      await store.delete("github-pat-old");
      expect(vault.deletedNames()).toEqual(["github-pat-old"]);
      expect(await store.get("github-pat-old")).toBeUndefined();
      await store.set("github-pat-old", "ghp_new");
      expect(await store.get("github-pat-old")).toBe("ghp_new");
      expect(vault.deletedNames()).toEqual([]);
    });
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
