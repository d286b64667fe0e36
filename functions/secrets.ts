// Workflow secrets (Settings → Secrets): admins list, set and delete them; values go in and never come out
// (the last 4 characters at most). Runs read them through `ctx.secrets` (src/engine/workflow-secrets.ts).
import { actorName } from "../src/auth/principal.js";
import { readJsonBody } from "../src/json-body.js";
import type { WorkflowSecretInfo, WorkflowSecretList } from "../src/api-types.js";
import { defineHttp, type HttpTrigger } from "./define.js";

export const listSecrets = defineHttp({
  name: "listSecrets",
  methods: ["GET"],
  route: "secrets",
  role: "admin",
  handler: async (_request, { services }) => {
    const secrets: WorkflowSecretInfo[] = [];
    for await (const secret of services.engine.secrets!.list()) secrets.push(secret);
    const body: WorkflowSecretList = { secrets };
    return { jsonBody: body };
  },
});

export const putSecret = defineHttp({
  name: "putSecret",
  methods: ["PUT"],
  route: "secrets/{name}",
  role: "admin",
  handler: async (request, { services, principal }) => {
    const body = await readJsonBody(request.body as AsyncIterable<Uint8Array> | null, '{"value": "…"}');
    const { created, info } = await services.engine.secrets!.upsert(request.params.name ?? "", body.value, { by: actorName(principal) });
    const answer: WorkflowSecretInfo = info;
    return { status: created ? 201 : 200, jsonBody: answer };
  },
});

export const deleteSecret = defineHttp({
  name: "deleteSecret",
  methods: ["DELETE"],
  route: "secrets/{name}",
  role: "admin",
  handler: async (request, { services }) => {
    await services.engine.secrets!.delete(request.params.name ?? "");
    return { status: 204 };
  },
});

export const secretTriggers: HttpTrigger[] = [listSecrets, putSecret, deleteSecret];
