// Registers the declared triggers with the Azure Functions host (v4 programming model).
import { app, type HttpRequest, type InvocationContext, type Timer } from "@azure/functions";
import type { Config } from "../src/config.js";
import { invokeHttp, invokeQueue, invokeTimer, type Trigger } from "./define.js";
import type { Services } from "./services.js";

export function registerTriggers(triggers: readonly Trigger[], config: Config, services: () => Services): void {
  for (const trigger of triggers) {
    switch (trigger.kind) {
      case "http":
        app.http(trigger.name, {
          methods: trigger.methods,
          route: trigger.route,
          // Auth is ours (roles from Static Web Apps); function keys would break the SWA-linked backend.
          authLevel: "anonymous",
          handler: (request: HttpRequest, context: InvocationContext) =>
            invokeHttp(trigger, request, context, services()),
        });
        break;
      case "queue":
        app.storageQueue(trigger.name, {
          queueName: trigger.queueName,
          connection: "AzureWebJobsStorage",
          handler: (message: unknown, context: InvocationContext) => invokeQueue(trigger, message, context, services()),
        });
        break;
      case "timer":
        app.timer(trigger.name, {
          schedule: trigger.schedule(config),
          handler: (timer: Timer, context: InvocationContext) => invokeTimer(trigger, timer, context, services()),
        });
        break;
    }
  }
}
