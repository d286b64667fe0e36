// Table and Queue clients for the configured storage: a connection string (Azurite, or an account key)
// or the app's managed identity (`AzureWebJobsStorage__accountName`, as the Functions host itself uses).
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { QueueClient, QueueServiceClient } from "@azure/storage-queue";
import type { StorageConfig } from "../config.js";
import { poisonQueueName, QUEUES, TABLES } from "./resources.js";

export interface StorageClients {
  queueService: QueueServiceClient;
  tableService: TableServiceClient;
  queue(name: string): QueueClient;
  table(name: string): TableClient;
  /** The identity credential when storage uses a managed identity (also used for Files and Key Vault). */
  credential: TokenCredential | undefined;
}

export function createStorageClients(storage: StorageConfig): StorageClients {
  const clients = createUncachedStorageClients(storage);
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

function createUncachedStorageClients(storage: StorageConfig): StorageClients {
  if (storage.kind === "connectionString") {
    const { connectionString } = storage;
    // Azurite and local emulators speak plain http; the SDK refuses that unless told.
    const allowInsecureConnection = /DefaultEndpointsProtocol=http;|Endpoint=http:\/\//i.test(connectionString);
    const queueService = QueueServiceClient.fromConnectionString(connectionString);
    const tableService = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection });
    return {
      queueService,
      tableService,
      queue: (name) => queueService.getQueueClient(name),
      table: (name) => TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection }),
      credential: undefined,
    };
  }
  const credential = new DefaultAzureCredential(
    storage.clientId ? { managedIdentityClientId: storage.clientId } : {},
  );
  const queueService = new QueueServiceClient(storage.queueServiceUri, credential);
  const tableService = new TableServiceClient(storage.tableServiceUri, credential);
  return {
    queueService,
    tableService,
    queue: (name) => queueService.getQueueClient(name),
    table: (name) => new TableClient(storage.tableServiceUri, name, credential),
    credential,
  };
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
  const text = Buffer.from(JSON.stringify(body), "utf8").toString("base64");
  const response = await queue.sendMessage(text, {
    abortSignal: options.abortSignal,
    visibilityTimeout: options.visibilityTimeoutInSeconds,
  });
  return response.messageId;
}
