// GitHub App installations that came back through "Connect with GitHub" and passed both checks (this
// App's, and visible to the signed-in user). Only these can be listed or connected: an installation id
// typed into a request proves nothing.
import type { TableClient } from "@azure/data-tables";
import { ForbiddenError } from "../src/errors.js";
import type { AbortOptions } from "./github-app-deps.js";

const PARTITION = "installation";

export interface VerifiedInstallation {
  installationId: number;
  account: string;
  verifiedBy: string;
  verifiedAt: string;
}

export class VerifiedInstallations {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  async upsert(installation: VerifiedInstallation, options: AbortOptions = {}): Promise<void> {
    await this.#table.upsertEntity(
      { partitionKey: PARTITION, rowKey: String(installation.installationId), ...installation },
      "Replace",
      { abortSignal: options.abortSignal },
    );
  }

  async get(installationId: number, options: AbortOptions = {}): Promise<VerifiedInstallation | undefined> {
    try {
      const entity = await this.#table.getEntity<VerifiedInstallation>(PARTITION, String(installationId), options);
      return { installationId: entity.installationId, account: entity.account, verifiedBy: entity.verifiedBy, verifiedAt: entity.verifiedAt };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  /** Throws 403 unless the installation was verified through "Connect with GitHub". */
  async require(installationId: number, options: AbortOptions = {}): Promise<VerifiedInstallation> {
    const found = await this.get(installationId, options);
    if (!found) {
      throw new ForbiddenError(
        `Installation ${installationId} has not been connected here. Use "Connect with GitHub" to install the app and come back.`,
      );
    }
    return found;
  }
}
