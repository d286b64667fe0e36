// A loopback server that speaks the Azure Key Vault secrets REST API (the subset the SDK's SecretClient
// uses): set, get (latest or a version), delete with soft delete, deleted-secret get/purge/recover (with purge
// protection as an option, and deletes and recoveries that take a few polls to finish, as Key Vault's do), and
// list with paging through `nextLink`. It answers like Key Vault: the `api-version` query is required, an
// unauthenticated request gets the bearer challenge (401 + WWW-Authenticate) the SDK's challenge policy
// expects, errors carry `{ error: { code, message } }`. TLS with a self-signed certificate made per start,
// because the SDK sends bearer tokens only over https.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import selfsigned from "selfsigned";

export interface KeyVaultStandInOptions {
  /** The bearer token the vault accepts (a static credential in the test hands it out). */
  token?: string;
  /** Items per list page unless the request's `maxresults` is smaller (Key Vault's maximum is 25). */
  pageSize?: number;
  /** Soft-deleted secrets cannot be purged (403), as in a vault with purge protection. */
  purgeProtection?: boolean;
  /** How many `GET /deletedsecrets/{name}` answer 404 after a delete, as Key Vault does while it deletes. */
  deletionPolls?: number;
  /**
   * How many `GET /secrets/{name}` answer 404 after a recover, as Key Vault does while it recovers; a `PUT` of
   * that name meanwhile gets 409.
   */
  recoveryPolls?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  apiVersion: string | null;
  authorized: boolean;
  /** Query parameters other than api-version (maxresults, $skiptoken). */
  query: Record<string, string>;
}

export interface InjectedFailure {
  status: number;
  code: string;
  message: string;
  /** Only requests whose `METHOD /path` matches. */
  match?: RegExp;
  /** How many requests fail (default 1). */
  times?: number;
}

export interface KeyVaultStandIn {
  /** The vault URL (`https://127.0.0.1:PORT`), as KEY_VAULT_URL would be. */
  url: string;
  /** PEM of the self-signed certificate, for the client to trust. */
  ca: string;
  token: string;
  tenantId: string;
  requests: RecordedRequest[];
  /** Current values by name (live secrets only), to check what the client wrote. */
  values(): Map<string, string>;
  /** Names of soft-deleted secrets not yet purged. */
  deletedNames(): string[];
  /** Puts a secret straight into the soft-deleted state (as if deleted earlier and never purged). */
  seedDeleted(name: string, value: string): void;
  failNext(failure: InjectedFailure): void;
  close(): Promise<void>;
}

export const API_VERSIONS = new Set(["7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01"]);

interface SecretVersion {
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  created: number;
  updated: number;
}

interface StoredSecret {
  name: string;
  versions: SecretVersion[];
}

interface DeletedSecret {
  secret: StoredSecret;
  deletedDate: number;
  pollsUntilVisible: number;
}

let certificate: { cert: string; key: string } | undefined;

/** One certificate per test process: RSA generation in pure JS takes a moment. */
function getCertificate(): { cert: string; key: string } {
  if (!certificate) {
    const pems = selfsigned.generate([{ name: "commonName", value: "127.0.0.1" }], {
      days: 2,
      keySize: 2048,
      algorithm: "sha256",
      extensions: [
        { name: "basicConstraints", cA: true },
        { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }, { type: 2, value: "localhost" }] },
      ],
    });
    certificate = { cert: pems.cert, key: pems.private };
  }
  return certificate;
}

export async function startKeyVaultStandIn(options: KeyVaultStandInOptions = {}): Promise<KeyVaultStandIn> {
  const token = options.token ?? `kv-token-${randomBytes(8).toString("hex")}`;
  const tenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  const pageSize = Math.min(options.pageSize ?? 25, 25);
  const secrets = new Map<string, StoredSecret>();
  const deleted = new Map<string, DeletedSecret>();
  /** Recovered names not yet live again: polls left until `GET /secrets/{name}` finds them. */
  const recovering = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const failures: InjectedFailure[] = [];
  const { cert, key } = getCertificate();
  let vaultUrl = "";

  const idOf = (name: string, version?: string) => `${vaultUrl}/secrets/${name}${version ? `/${version}` : ""}`;
  const attributesOf = (version: SecretVersion) => ({
    enabled: version.enabled,
    created: version.created,
    updated: version.updated,
    recoveryLevel: options.purgeProtection ? "Recoverable" : "Recoverable+Purgeable",
    recoverableDays: 90,
  });
  const latest = (secret: StoredSecret) => secret.versions[secret.versions.length - 1] as SecretVersion;
  const bundleOf = (secret: StoredSecret, version = latest(secret)) => ({
    value: version.value,
    id: idOf(secret.name, version.version),
    ...(version.contentType ? { contentType: version.contentType } : {}),
    ...(version.tags ? { tags: version.tags } : {}),
    attributes: attributesOf(version),
  });
  const deletedBundleOf = (entry: DeletedSecret) => ({
    ...bundleOf(entry.secret),
    recoveryId: `${vaultUrl}/deletedsecrets/${entry.secret.name}`,
    deletedDate: entry.deletedDate,
    scheduledPurgeDate: entry.deletedDate + 90 * 86400,
  });
  const now = () => Math.floor(Date.now() / 1000);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? "/", vaultUrl);
    const method = request.method ?? "GET";
    const apiVersion = url.searchParams.get("api-version");
    const authorized = request.headers.authorization === `Bearer ${token}`;
    const query = Object.fromEntries([...url.searchParams].filter(([name]) => name !== "api-version"));
    requests.push({ method, path: url.pathname, apiVersion, authorized, query });
    const body = await readBody(request);

    const send = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      const text = json === undefined ? "" : JSON.stringify(json);
      response.writeHead(status, {
        ...(json === undefined ? {} : { "content-type": "application/json; charset=utf-8" }),
        "x-ms-request-id": randomBytes(8).toString("hex"),
        ...headers,
      });
      response.end(text);
    };
    const fail = (status: number, code: string, message: string, headers?: Record<string, string>) =>
      send(status, { error: { code, message } }, headers);

    if (!authorized) {
      // The challenge the SDK's keyVaultAuthenticationPolicy parses: tenant in `authorization`, scope from `resource`.
      fail(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.", {
        "www-authenticate": `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="https://vault.azure.net"`,
      });
      return;
    }
    if (apiVersion === null) {
      fail(400, "BadParameter", "The request URI contains an invalid or missing api-version query parameter.");
      return;
    }
    if (!API_VERSIONS.has(apiVersion)) {
      fail(400, "BadParameter", `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (2025-07-01).`);
      return;
    }
    const failure = failures[0];
    if (failure && (!failure.match || failure.match.test(`${method} ${url.pathname}`))) {
      failure.times = (failure.times ?? 1) - 1;
      if (failure.times <= 0) failures.shift();
      fail(failure.status, failure.code, failure.message);
      return;
    }

    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const [collection, name, version, action] = parts;
    const key = name?.toLowerCase() ?? "";
    const notFound = () => fail(404, "SecretNotFound", `A secret with (name/id) ${name ?? ""} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`);
    const deletedNotFound = () => fail(404, "SecretNotFound", `Deleted Secret not found: ${name ?? ""}`);

    if (collection === "secrets" && name === undefined && method === "GET") {
      const limit = Math.min(Number(url.searchParams.get("maxresults") ?? pageSize) || pageSize, pageSize);
      const skip = Number(Buffer.from(url.searchParams.get("$skiptoken") ?? "", "base64url").toString() || "0");
      const all = [...secrets.values()].sort((a, b) => a.name.localeCompare(b.name));
      const page = all.slice(skip, skip + limit).map((secret) => ({
        id: idOf(secret.name),
        attributes: attributesOf(latest(secret)),
        ...(latest(secret).contentType ? { contentType: latest(secret).contentType } : {}),
        ...(latest(secret).tags ? { tags: latest(secret).tags } : {}),
      }));
      const next = skip + limit < all.length
        ? `${vaultUrl}/secrets?api-version=${apiVersion}&$skiptoken=${Buffer.from(String(skip + limit)).toString("base64url")}&maxresults=${limit}`
        : null;
      send(200, { value: page, nextLink: next });
      return;
    }

    if (collection === "secrets" && name !== undefined && action === undefined) {
      if (!/^[0-9a-zA-Z-]{1,127}$/.test(name)) {
        fail(400, "BadParameter", "The request URI contains an invalid name: " + name);
        return;
      }
      if (method === "PUT" && !version) {
        if (recovering.has(key)) {
          fail(409, "Conflict", `Secret ${name} is currently being recovered, and its name cannot be reused until the recovery completes.`);
          return;
        }
        if (deleted.has(key)) {
          fail(409, "Conflict", `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`);
          return;
        }
        let parsed: { value?: unknown; contentType?: unknown; tags?: unknown };
        try {
          parsed = JSON.parse(body.toString("utf8")) as typeof parsed;
        } catch {
          fail(400, "BadParameter", "The request body is not valid JSON.");
          return;
        }
        if (typeof parsed.value !== "string") {
          fail(400, "BadParameter", "Property 'value' is required.");
          return;
        }
        const secret = secrets.get(key) ?? { name, versions: [] };
        secret.versions.push({
          version: randomBytes(16).toString("hex"),
          value: parsed.value,
          ...(typeof parsed.contentType === "string" ? { contentType: parsed.contentType } : {}),
          ...(parsed.tags && typeof parsed.tags === "object" ? { tags: parsed.tags as Record<string, string> } : {}),
          enabled: true,
          created: now(),
          updated: now(),
        });
        secrets.set(key, secret);
        send(200, bundleOf(secret));
        return;
      }
      const secret = secrets.get(key);
      if (method === "GET") {
        const pollsLeft = recovering.get(key);
        if (pollsLeft !== undefined) {
          if (pollsLeft > 1) recovering.set(key, pollsLeft - 1);
          else recovering.delete(key);
          return notFound();
        }
        if (!secret) return notFound();
        const wanted = version ? secret.versions.find((v) => v.version === version) : latest(secret);
        if (!wanted) return notFound();
        send(200, bundleOf(secret, wanted));
        return;
      }
      if (method === "DELETE" && !version) {
        if (!secret) return notFound();
        secrets.delete(key);
        const entry = { secret, deletedDate: now(), pollsUntilVisible: options.deletionPolls ?? 0 };
        deleted.set(key, entry);
        send(200, deletedBundleOf(entry));
        return;
      }
    }

    if (collection === "deletedsecrets" && name !== undefined && version === undefined) {
      const entry = deleted.get(key);
      if (method === "GET") {
        if (!entry) return deletedNotFound();
        if (entry.pollsUntilVisible > 0) {
          entry.pollsUntilVisible--;
          return deletedNotFound();
        }
        send(200, deletedBundleOf(entry));
        return;
      }
      if (method === "DELETE") {
        if (!entry) return deletedNotFound();
        if (options.purgeProtection) {
          fail(403, "Forbidden", `Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.`);
          return;
        }
        deleted.delete(key);
        send(204);
        return;
      }
    }
    if (collection === "deletedsecrets" && name !== undefined && version === "recover" && method === "POST") {
      const entry = deleted.get(key);
      if (!entry) return deletedNotFound();
      deleted.delete(key);
      secrets.set(key, entry.secret);
      if ((options.recoveryPolls ?? 0) > 0) recovering.set(key, options.recoveryPolls ?? 0);
      send(200, bundleOf(entry.secret));
      return;
    }
    fail(405, "BadParameter", `The operation ${method} ${url.pathname} is not supported by this stand-in.`);
  };

  const server = createServer({ cert, key }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { code: "InternalError", message: String(error) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  vaultUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: vaultUrl,
    ca: cert,
    token,
    tenantId,
    requests,
    values: () => new Map([...secrets.values()].map((secret) => [secret.name, latest(secret).value])),
    deletedNames: () => [...deleted.values()].map((entry) => entry.secret.name),
    seedDeleted: (name, value) => {
      deleted.set(name.toLowerCase(), {
        secret: { name, versions: [{ version: randomBytes(16).toString("hex"), value, enabled: true, created: now(), updated: now() }] },
        deletedDate: now(),
        pollsUntilVisible: 0,
      });
    },
    failNext: (failure) => failures.push({ ...failure }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
