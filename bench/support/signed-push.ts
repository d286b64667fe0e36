// The webhook intake's fixture for the benches (bench/webhooks, bench/telemetry): a registered App, a connection
// to its installation, and one signed push delivery body to send again and again (each with its own delivery id).
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import type { Services } from "../../functions/services.js";
import { saveAppCredentials } from "../../github-app/app-credentials.js";

export interface SignedPush {
  body: string;
  /** `X-Hub-Signature-256` of `body`. */
  signature: string;
}

export async function prepareSignedPush(services: Services): Promise<SignedPush> {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const webhookSecret = randomBytes(20).toString("hex");
  await saveAppCredentials(services.secrets, {
    appId: 1,
    slug: "bench",
    privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    webhookSecret,
    clientId: "Iv1.bench",
    clientSecret: "bench",
  });
  const now = new Date().toISOString();
  await services.connections.delete();
  await services.connections.create({
    connectionId: randomUUID(), kind: "app", repository: "octo-user/site", branch: "main", installationId: 42,
    deliveryMode: "webhook", state: "Ready", createdAt: now, updatedAt: now,
  });
  const body = JSON.stringify({
    ref: "refs/heads/main", before: "0".repeat(40), after: "a".repeat(40), deleted: false,
    repository: { id: 1, name: "site", full_name: "octo-user/site", owner: { login: "octo-user" } },
    installation: { id: 42 }, sender: { login: "octo-user" }, commits: [], head_commit: { id: "a".repeat(40), message: "x".repeat(400) },
  });
  return { body, signature: await sign(webhookSecret, body) };
}
