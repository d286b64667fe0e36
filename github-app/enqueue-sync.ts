// Puts a sync job on the workspace-sync queue (base64 JSON, as the Functions host reads it).
import { QUEUES } from "../src/azure/resources.js";
import { sendJsonMessage, type StorageClients } from "../src/azure/storage.js";
import type { SyncJob } from "../src/sync/sync-job.js";
import type { AbortOptions } from "./github-app-deps.js";

export async function enqueueSync(storage: StorageClients, job: SyncJob, options: AbortOptions = {}): Promise<string> {
  return sendJsonMessage(storage.queue(QUEUES.workspaceSync), job, options);
}
