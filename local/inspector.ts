// `ENABLE_DEBUGGING=true npm start` with WORKFLOW_RUNNER=in-process: opens the Node inspector on
// 127.0.0.1:DEBUG_PORT (9229) in this process, whose worker threads run the workflows (VS Code attaches to worker
// threads by itself). With the runner process (the default) the runner opens it instead (src/runner/), since
// that is where workflow code runs. Loopback only: the inspector runs any code it is sent.
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
