// The Azure Files share behind /workspace: quota and usage for the health check.
import type { TokenCredential } from "@azure/identity";
import { ShareServiceClient } from "@azure/storage-file-share";
import type { StorageConfig } from "../config.js";

export interface ShareUsage {
  quotaGiB: number;
  usedBytes: number;
}

export async function getShareUsage(
  storage: StorageConfig,
  shareName: string,
  options: { credential?: TokenCredential; abortSignal?: AbortSignal } = {},
): Promise<ShareUsage> {
  const service =
    storage.kind === "connectionString"
      ? ShareServiceClient.fromConnectionString(storage.connectionString)
      : // OAuth on Files needs the backup intent (the data-plane role is checked, not share ACLs).
        new ShareServiceClient(storage.fileServiceUri, options.credential, { fileRequestIntent: "backup" });
  const share = service.getShareClient(shareName);
  const [properties, statistics] = await Promise.all([
    share.getProperties({ abortSignal: options.abortSignal }),
    share.getStatistics({ abortSignal: options.abortSignal }),
  ]);
  return { quotaGiB: properties.quota ?? 0, usedBytes: statistics.shareUsageBytes };
}
