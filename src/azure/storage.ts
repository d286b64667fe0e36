// Table and Queue clients for the configured storage: a connection string (Azurite, or an account key)
// or the app's managed identity (`AzureWebJobsStorage__accountName`, as the Functions host itself uses).
// Every client carries the SDK deadline (src/azure/sdk-deadline.ts): a storage account that stops answering fails a
// call with a 503 in seconds instead of holding it.
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { AnonymousCredential, newPipeline, QueueClient, QueueServiceClient, StorageSharedKeyCredential } from "@azure/storage-queue";
import type { StorageConfig } from "../config.js";
import { poisonQueueName, QUEUES, TABLES } from "./resources.js";
import { currentTraceparent } from "../telemetry/telemetry.js";
import { coreDeadlineOptions, DEFAULT_SDK_DEADLINE, storageDeadlineFactory, storageRetryOptions, type SdkDeadline } from "./sdk-deadline.js";

/** The name the deadline's 503 gives the service ("Storage did not answer within 10 s; …"). */
export const STORAGE_SERVICE_NAME = "Storage";

export interface StorageClientsOptions {
  /** Per-try timeout and tries of every call (default DEFAULT_SDK_DEADLINE; tests shorten it). */
  deadline?: SdkDeadline;
}

export interface StorageClients {
  queueService: QueueServiceClient;
  tableService: TableServiceClient;
  queue(name: string): QueueClient;
  table(name: string): TableClient;
  /** The identity credential when storage uses a managed identity (also used for Files and Key Vault). */
  credential: TokenCredential | undefined;
}

export function createStorageClients(storage: StorageConfig, options: StorageClientsOptions = {}): StorageClients {
  const clients = createUncachedStorageClients(storage, options.deadline ?? DEFAULT_SDK_DEADLINE);
  // One client per queue and table name: building one (its pipeline, and for tables the parsed connection
  // string) costs more than many a request, and callers ask per request (enqueue per webhook delivery).
  // The clients hold no per-call state; all of them share the SDK's one keep-alive HTTP agent.
  return { ...clients, queue: memoizeByName(clients.queue), table: memoizeByName(clients.table) };
}

function memoizeByName<T>(create: (name: string) => T): (name: string) => T {
  const made = new Map<string, T>();
  return (name) => {
    let value = made.get(name);
    if (value === undefined) made.set(name, (value = create(name)));
    return value;
  };
}

function createUncachedStorageClients(storage: StorageConfig, deadline: SdkDeadline): StorageClients {
  const tableOptions = coreDeadlineOptions(STORAGE_SERVICE_NAME, deadline);
  if (storage.kind === "connectionString") {
    const { connectionString } = storage;
    // Azurite and local emulators speak plain http; the SDK refuses that unless told.
    const allowInsecureConnection = /DefaultEndpointsProtocol=http;|Endpoint=http:\/\//i.test(connectionString);
    // The SDK reads the endpoint from the connection string (QueueEndpoint=, or protocol, account and suffix); the
    // client is then built again on a pipeline that carries the deadline, which `fromConnectionString` cannot take.
    const { url } = QueueServiceClient.fromConnectionString(connectionString);
    const queueService = new QueueServiceClient(url, createStoragePipeline(connectionStringCredential(connectionString), deadline));
    const tableService = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection, ...tableOptions });
    return {
      queueService,
      tableService,
      queue: (name) => queueService.getQueueClient(name),
      table: (name) => TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection, ...tableOptions }),
      credential: undefined,
    };
  }
  const credential = new DefaultAzureCredential(
    storage.clientId ? { managedIdentityClientId: storage.clientId } : {},
  );
  const queueService = new QueueServiceClient(storage.queueServiceUri, createStoragePipeline(credential, deadline));
  const tableService = new TableServiceClient(storage.tableServiceUri, credential, tableOptions);
  return {
    queueService,
    tableService,
    queue: (name) => queueService.getQueueClient(name),
    table: (name) => new TableClient(storage.tableServiceUri, name, credential, tableOptions),
    credential,
  };
}

/**
 * A Queue client pipeline with the deadline: storage's retry options, and the deadline's policy among the pipeline's
 * factories (`StoragePipelineOptions` take no policies). file-share.ts does the same with its package's `newPipeline`.
 */
function createStoragePipeline(
  credential: StorageSharedKeyCredential | AnonymousCredential | TokenCredential,
  deadline: SdkDeadline = DEFAULT_SDK_DEADLINE,
): ReturnType<typeof newPipeline> {
  const pipeline = newPipeline(credential, { retryOptions: storageRetryOptions(deadline) });
  pipeline.factories.push(storageDeadlineFactory(STORAGE_SERVICE_NAME, deadline));
  return pipeline;
}

/**
 * The account key of a connection string, as the SDK's shared key credential; a SAS connection string (no key) signs
 * with the SAS the SDK put into the endpoint URL, so its requests need no credential of their own.
 */
export function connectionStringCredential(connectionString: string): StorageSharedKeyCredential | AnonymousCredential {
  const parts = new Map<string, string>();
  for (const pair of connectionString.split(";")) {
    const at = pair.indexOf("=");
    if (at > 0) parts.set(pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1).trim());
  }
  const accountName = parts.get("accountname");
  const accountKey = parts.get("accountkey");
  return accountName && accountKey ? new StorageSharedKeyCredential(accountName, accountKey) : new AnonymousCredential();
}

/**
 * Creates every queue (and its poison queue) and table the app uses. Idempotent. In Azure the ARM template
 * creates them; locally and in tests this runs at start-up.
 */
export async function ensureStorageResources(
  clients: StorageClients,
  options: { abortSignal?: AbortSignal } = {},
): Promise<void> {
  const queues = Object.values(QUEUES).flatMap((name) => [name, poisonQueueName(name)]);
  await Promise.all([
    ...queues.map((name) => clients.queue(name).createIfNotExists({ abortSignal: options.abortSignal })),
    ...Object.values(TABLES).map((name) => clients.tableService.createTable(name, { abortSignal: options.abortSignal })),
  ]);
}

/**
 * Sends a JSON message the way the Functions host reads it: base64 (host.json `messageEncoding`).
 * Returns the message id.
 */
export async function sendJsonMessage(
  queue: QueueClient,
  body: unknown,
  options: { abortSignal?: AbortSignal; visibilityTimeoutInSeconds?: number } = {},
): Promise<string> {
  // The sender's trace travels with the job (W3C traceparent), so its handler joins the same operation
  // (functions/define.ts invokeQueue). Only with telemetry on, and never over a traceparent the body already has.
  const traceparent = currentTraceparent();
  const carried = traceparent && typeof body === "object" && body !== null && !Array.isArray(body) && !("traceparent" in body) ? { ...body, traceparent } : body;
  const text = Buffer.from(JSON.stringify(carried), "utf8").toString("base64");
  const response = await queue.sendMessage(text, {
    abortSignal: options.abortSignal,
    visibilityTimeout: options.visibilityTimeoutInSeconds,
  });
  return response.messageId;
}
