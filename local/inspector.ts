// `ENABLE_DEBUGGING=true npm start`: opens the Node inspector on 127.0.0.1:DEBUG_PORT (9229). Workflow runs
// execute in worker threads of this process, and a debugger attached here reaches them too (VS Code attaches to
// worker threads by itself), so one port serves every run. Loopback only: the inspector runs any code it is sent.
// In the container the Functions host opens it instead (`languageWorkers__node__arguments=--inspect=0.0.0.0:9229`).
import inspector from "node:inspector";
import type { Config } from "../src/config.js";

/** Opens the inspector when debugging is on; returns its WebSocket URL (undefined when off). */
export function startInspector(config: Pick<Config, "enableDebugging" | "debugPort">): string | undefined {
  if (!config.enableDebugging) return undefined;
  // Already open (started with --inspect): keep it.
  if (!inspector.url()) inspector.open(config.debugPort, "127.0.0.1", false);
  return inspector.url();
}
