// One GitHubRuntime (App credentials, Probot, token caches) per Services: once per process in the
// Functions host, once per host in tests that run several in one process.
import { GitHubRuntime } from "../github-app/github-runtime.js";
import type { Services } from "./services.js";

const runtimes = new WeakMap<Services, GitHubRuntime>();

export function getGitHubRuntime(services: Services): GitHubRuntime {
  let runtime = runtimes.get(services);
  if (!runtime) {
    runtime = new GitHubRuntime(services);
    runtimes.set(services, runtime);
  }
  return runtime;
}
