// A deadline on every Azure SDK call (Tables, Queues, Files, Key Vault): a service that accepts the connection and
// then says nothing must cost a request seconds and a clear 503, not hold it until SWA gives up (45 s) or the
// Functions host does (`functionTimeout`, 30 min).
//
// What the SDKs offer, and why each piece is here:
// - Storage's `retryOptions.tryTimeoutInMs` is documented as "the maximum time in ms allowed for any single try of an
//   HTTP request" (https://learn.microsoft.com/javascript/api/@azure/storage-blob/storageretryoptions), but the
//   installed @azure/storage-common 12.4 (`StorageRetryPolicyV2`) only sends it as the server-side `timeout=<s>`
//   query parameter (https://learn.microsoft.com/rest/api/storageservices/setting-timeouts-for-queue-service-operations),
//   so a server that never answers is waited for forever (test/sdk-deadline.test.ts shows it). We still send it: a
//   slow but live service then answers 500 OperationTimedOut, which is retried.
// - The client-side deadline is core-rest-pipeline's `PipelineRequest.timeout`: "The number of milliseconds a request
//   can take before automatically being terminated. If the request is terminated, an `AbortError` is thrown" (its
//   typings, 1.24; https://learn.microsoft.com/javascript/api/@azure/core-rest-pipeline/pipelinerequest). The Node
//   HTTP client arms it on each try (connect, send, until the response headers) and the retry policies resend the
//   same request object, so set once per call it bounds every try. A policy sets it: in `additionalPolicies` at
//   position "perCall" ("applied before … retry logic",
//   https://learn.microsoft.com/javascript/api/@azure/core-client/additionalpolicyconfig) for Tables and Key Vault;
//   for Queues and Files, whose `StoragePipelineOptions` take no policies, as a factory in the client's `Pipeline`
//   ("you can create a Pipeline with your own policies", https://learn.microsoft.com/javascript/api/@azure/storage-queue/pipeline).
// - Retries are bounded explicitly (storage `maxTries`, core `retryOptions.maxRetries`) with short back-off, for
//   answers worth another try (500, 503, a reset connection). A try that hit the deadline is not retried: both
//   SDKs' retry policies pass an AbortError straight through. So a silent service costs one deadline, not
//   `maxTries` of them, and a write that may have landed (a queue message, an entity insert) is not sent twice.
// - Outside the retry policy, the same policy turns that AbortError, when the caller did not abort, into a
//   ServiceUnavailableError (503, code "timeout"), which every host maps the same way (src/errors.ts).
// Not covered: the managed identity's token request (its own client inside @azure/identity), a body that stalls after
// the headers came in time (our answers are a few KB), and a 429's Retry-After, which the SDKs honour as given.
import type { TableServiceClientOptions } from "@azure/data-tables";
import type { RequestPolicy, RequestPolicyFactory, StorageRetryOptions, WebResource } from "@azure/storage-queue";
import { ServiceUnavailableError } from "../errors.js";
import { azureTemplate, traceDependency } from "../telemetry/trace-dependency.js";

/** What a client talks to, for its dependency telemetry (src/telemetry/trace-dependency.ts). */
export type AzureDependencyKind = "table" | "queue" | "share" | "vault";

const SYSTEMS: Record<AzureDependencyKind, string> = { table: "Azure table", queue: "Azure queue", share: "Azure file share", vault: "Key Vault" };

/** How long one try of an Azure SDK call may wait for the service's answer (connect, send, response headers). */
export const AZURE_TRY_TIMEOUT_IN_MS = 10_000;

/**
 * Tries per call, the first included. The worst case, three 5xx answers each just inside the deadline, is 3 × 10 s
 * plus at most 3 s of back-off: inside SWA's 45 s for an API request
 * (https://learn.microsoft.com/azure/static-web-apps/apis-overview, "API constraints").
 */
export const AZURE_MAX_TRIES = 3;

/** Back-off before a retry: 1 s, doubling up to 2 s (storage's own default starts at 4 s and grows to 120 s). */
const RETRY_DELAY_IN_MS = 1000;
const MAX_RETRY_DELAY_IN_MS = 2000;

export interface SdkDeadline {
  tryTimeoutInMs: number;
  maxTries: number;
}

export const DEFAULT_SDK_DEADLINE: SdkDeadline = { tryTimeoutInMs: AZURE_TRY_TIMEOUT_IN_MS, maxTries: AZURE_MAX_TRIES };

type CoreDeadlineOptions = Required<Pick<TableServiceClientOptions, "retryOptions" | "additionalPolicies">>;
type PipelinePolicy = CoreDeadlineOptions["additionalPolicies"][number]["policy"];

/** `retryOptions` and the deadline policy for a core-client SDK client (TableClient, TableServiceClient, SecretClient). */
export function coreDeadlineOptions(
  service: string,
  deadline: SdkDeadline = DEFAULT_SDK_DEADLINE,
  dependency: AzureDependencyKind = service === "Key Vault" ? "vault" : "table",
): CoreDeadlineOptions {
  assertDeadline(deadline);
  const policy: PipelinePolicy = {
    name: "funcspaceDeadline",
    sendRequest: async (request, next) => {
      const callerSignal = request.abortSignal;
      request.timeout = shorterTimeout(request.timeout, deadline.tryTimeoutInMs);
      try {
        // Each try is one dependency (a retried call shows as its tries).
        return await traceDependency({ method: request.method, system: SYSTEMS[dependency], onlyInOperation: true, ...azureTemplate(dependency, request.url) }, () => next(request), (response) => response.status);
      } catch (error) {
        throw describeTimeout(error, callerSignal, service, deadline);
      }
    },
  };
  return {
    retryOptions: { maxRetries: deadline.maxTries - 1, retryDelayInMs: RETRY_DELAY_IN_MS, maxRetryDelayInMs: MAX_RETRY_DELAY_IN_MS },
    additionalPolicies: [{ policy, position: "perCall" }],
  };
}

/** `retryOptions` for a storage client's pipeline (QueueServiceClient, ShareServiceClient). */
export function storageRetryOptions(deadline: SdkDeadline = DEFAULT_SDK_DEADLINE): StorageRetryOptions {
  assertDeadline(deadline);
  return {
    maxTries: deadline.maxTries,
    // Sent as whole seconds; below one second it would ask the service for `timeout=0`.
    tryTimeoutInMs: deadline.tryTimeoutInMs >= 1000 ? deadline.tryTimeoutInMs : undefined,
    retryDelayInMs: RETRY_DELAY_IN_MS,
    maxRetryDelayInMs: MAX_RETRY_DELAY_IN_MS,
  };
}

/** The deadline as a request policy factory, for `newPipeline(...).factories` of a storage client. */
export function storageDeadlineFactory(
  service: string,
  deadline: SdkDeadline = DEFAULT_SDK_DEADLINE,
  dependency: AzureDependencyKind = "queue",
): RequestPolicyFactory {
  assertDeadline(deadline);
  return {
    create: (next: RequestPolicy): RequestPolicy => ({
      sendRequest: async (request: WebResource) => {
        const callerSignal = request.abortSignal;
        request.timeout = shorterTimeout(request.timeout, deadline.tryTimeoutInMs);
        try {
          return await traceDependency(
            { method: request.method, system: SYSTEMS[dependency], onlyInOperation: true, ...azureTemplate(dependency, request.url) },
            () => next.sendRequest(request),
            (response) => response.status,
          );
        } catch (error) {
          throw describeTimeout(error, callerSignal, service, deadline);
        }
      },
    }),
  };
}

function shorterTimeout(current: number | undefined, deadlineInMs: number): number {
  return current !== undefined && current > 0 ? Math.min(current, deadlineInMs) : deadlineInMs;
}

/**
 * The SDK's AbortError after our deadline, as the 503 the user sees; anything else (the caller's own abort
 * included, which stays an AbortError) unchanged.
 */
function describeTimeout(error: unknown, callerSignal: { aborted: boolean } | undefined, service: string, deadline: SdkDeadline): unknown {
  if ((error as Error | undefined)?.name !== "AbortError" || callerSignal?.aborted) return error;
  return new ServiceUnavailableError(`${service} did not answer within ${deadline.tryTimeoutInMs / 1000} s; try again in a moment.`, {
    code: "timeout",
    cause: error,
  });
}

function assertDeadline(deadline: SdkDeadline): void {
  if (!Number.isFinite(deadline.tryTimeoutInMs) || deadline.tryTimeoutInMs <= 0) {
    throw new RangeError("deadline.tryTimeoutInMs must be a positive number of milliseconds");
  }
  if (!Number.isInteger(deadline.maxTries) || deadline.maxTries < 1) throw new RangeError("deadline.maxTries must be an integer of at least 1");
}
