// The Azure Files share behind /workspace: quota and usage for the health check.
import type { TokenCredential } from "@azure/identity";
import { newPipeline, ShareServiceClient } from "@azure/storage-file-share";
import type { StorageConfig } from "../config.js";
import { DEFAULT_SDK_DEADLINE, storageDeadlineFactory, storageRetryOptions, type SdkDeadline } from "./sdk-deadline.js";
import { connectionStringCredential, STORAGE_SERVICE_NAME } from "./storage.js";

export interface ShareUsage {
  quotaGiB: number;
  usedBytes: number;
}

export async function getShareUsage(
  storage: StorageConfig,
  shareName: string,
  options: { credential?: TokenCredential; abortSignal?: AbortSignal; deadline?: SdkDeadline } = {},
): Promise<ShareUsage> {
  const share = createShareServiceClient(storage, options.credential, options.deadline ?? DEFAULT_SDK_DEADLINE).getShareClient(shareName);
  const [properties, statistics] = await Promise.all([
    share.getProperties({ abortSignal: options.abortSignal }),
    share.getStatistics({ abortSignal: options.abortSignal }),
  ]);
  return { quotaGiB: properties.quota ?? 0, usedBytes: statistics.shareUsageBytes };
}

/** A Files client with the SDK deadline (src/azure/sdk-deadline.ts), built on its own pipeline as storage.ts does. */
function createShareServiceClient(storage: StorageConfig, credential: TokenCredential | undefined, deadline: SdkDeadline): ShareServiceClient {
  const [url, pipelineCredential] =
    storage.kind === "connectionString"
      ? [ShareServiceClient.fromConnectionString(storage.connectionString).url, connectionStringCredential(storage.connectionString)]
      : [storage.fileServiceUri, credential];
  const pipeline = newPipeline(pipelineCredential, { retryOptions: storageRetryOptions(deadline) });
  pipeline.factories.push(storageDeadlineFactory(STORAGE_SERVICE_NAME, deadline, "share"));
  // OAuth on Files needs the backup intent (the data-plane role is checked, not share ACLs).
  return new ShareServiceClient(url, pipeline, storage.kind === "connectionString" ? {} : { fileRequestIntent: "backup" });
}
