// A storage account of its own for the calling test file, on the run's shared Azurite.
// Accounts are handed out through an insert-if-absent on a real table: the first file to insert row N owns
// account N, so parallel test workers never collide.
import { TableClient } from "@azure/data-tables";
import { inject } from "vitest";
import { azuriteConnectionString, AZURITE_KEY } from "../../src/config.js";

const TEST_ACCOUNT_COUNT = 200;

export interface TestStorage {
  account: string;
  connectionString: string;
}

let allocated: Promise<TestStorage> | undefined;

/** The same account for every call in one test file (one process). */
export function useTestStorage(): Promise<TestStorage> {
  allocated ??= allocate();
  return allocated;
}

async function allocate(): Promise<TestStorage> {
  const { queuePort, tablePort } = inject("azurite");
  const admin = TableClient.fromConnectionString(azuriteConnectionString(queuePort, tablePort), "testaccounts", {
    allowInsecureConnection: true,
  });
  await admin.createTable();
  for (let n = 1; n <= TEST_ACCOUNT_COUNT; n++) {
    try {
      await admin.createEntity({ partitionKey: "accounts", rowKey: String(n), owner: process.pid });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 409) continue;
      throw error;
    }
    const account = `fstest${n}`;
    return {
      account,
      connectionString: azuriteConnectionString(queuePort, tablePort, { account, key: AZURITE_KEY }),
    };
  }
  throw new Error(`all ${TEST_ACCOUNT_COUNT} test storage accounts are taken: raise the count in global-setup.ts`);
}
