// A pull request check as a queue message (queue `pull-request-checks`): which pull request, which head, and where
// the webhook handler already said on GitHub that it is being checked.
import type { AbortOptions } from "../github-app-deps.js";
import { QUEUES } from "../../src/azure/resources.js";
import { sendJsonMessage, type StorageClients } from "../../src/azure/storage.js";

export interface PullCheckJob {
  connectionId: string;
  /** `owner/name`. */
  repository: string;
  pullNumber: number;
  title: string;
  url: string;
  headRef: string;
  headSha: string;
  /**
   * The head is in another repository (a fork): its code is not run. Discovery imports workflow files, which runs
   * their top-level code, and anyone may open a pull request from a fork (as GitHub Actions treats them).
   */
  fromFork?: boolean;
  /** Where GitHub shows this check (a check run created in progress for this head, a pending commit status, or nowhere). */
  reportedVia: "check-run" | "status" | "funcspace";
  checkRunId?: number;
  deliveryId?: string;
  requestedAt: string;
}

/** The job, or `undefined` for a message that is not one (logged and completed by the worker). */
export function readPullCheckJob(message: unknown): PullCheckJob | undefined {
  if (!message || typeof message !== "object") return undefined;
  const job = message as Record<string, unknown>;
  const text = (key: string) => typeof job[key] === "string" && (job[key] as string).length > 0;
  const count = (key: string) => Number.isSafeInteger(job[key]) && (job[key] as number) > 0;
  if (!text("connectionId") || !text("repository") || !text("headSha") || !text("headRef") || !text("requestedAt")) return undefined;
  if (!count("pullNumber") || !["check-run", "status", "funcspace"].includes(job.reportedVia as string)) return undefined;
  if (job.reportedVia === "check-run" && !count("checkRunId")) return undefined;
  if (!/^[0-9a-f]{40}$/.test(job.headSha as string)) return undefined;
  return message as PullCheckJob;
}

export async function enqueuePullCheck(storage: StorageClients, job: PullCheckJob, options: AbortOptions = {}): Promise<string> {
  return sendJsonMessage(storage.queue(QUEUES.pullRequestChecks), job, options);
}
