// Limits the Functions host enforces from host.json, which the app code cannot ask it for at run time. Kept
// equal to the file by local/host-json.test.ts.

/** `extensions.queues.maxDequeueCount`: deliveries of a queue message before the host moves it to `<queue>-poison`. */
export const QUEUE_MAX_DEQUEUE_COUNT = 5;

/** `functionTimeout`: the host stops any invocation (an HTTP request, a queue message) after this long. */
export const FUNCTION_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * The longest `timeoutMs` a workflow may declare: a run must end (timeout, 250 ms of grace, its record written)
 * well inside the invocation that carries it, or the host kills the invocation and the run is left `running`.
 */
export const MAX_WORKFLOW_TIMEOUT_MS = FUNCTION_TIMEOUT_MS - 60 * 1000;
