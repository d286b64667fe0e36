// The RequestError an Octokit call must fail with (a test of a refusal reads its status and message).
import { RequestError } from "@octokit/request-error";

export async function requestFailure(promise: Promise<unknown>): Promise<RequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RequestError)) throw new Error(`expected a RequestError, got ${String(error)}`);
  return error;
}
