// One real Azurite for the whole test run, on free ports, in memory. Each test file takes its own
// storage account (see storage.ts), so files running in parallel never share a queue or a table.
import type { TestProject } from "vitest/node";
import { startAzurite, type Azurite } from "../../local/azurite.js";
import { AZURITE_KEY } from "../../src/config.js";

export const TEST_ACCOUNT_COUNT = 200;

declare module "vitest" {
  export interface ProvidedContext {
    azurite: { queuePort: number; tablePort: number };
  }
}

let azurite: Azurite | undefined;

export async function setup(project: TestProject): Promise<void> {
  const accounts = ["devstoreaccount1", ...Array.from({ length: TEST_ACCOUNT_COUNT }, (_, i) => `fstest${i + 1}`)]
    .map((name) => `${name}:${AZURITE_KEY}`)
    .join(";");
  azurite = await startAzurite({ accounts });
  project.provide("azurite", { queuePort: azurite.queuePort, tablePort: azurite.tablePort });
}

export async function teardown(): Promise<void> {
  await azurite?.stop();
}
