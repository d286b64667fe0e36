// A sync that dies by SIGKILL at an exact point, for the resume tests and bench/sync: the real engine
// (syncOnce, the GitHub source over HTTP), in a process of its own that kills itself when its progress
// reaches `SYNC_KILL_AT`:
//   - `apply`: the download is complete and checked, not one rename done (the kill comes inside the progress
//     call that opens the apply phase, before the apply's first step);
//   - `fetch:<k>`: after the k-th file was staged (others of the same download may be on disk or half written).
// Run with `node --import tsx test/support/sync-killed-at.ts`; everything comes from the environment:
// GITHUB_API_URL, GITHUB_TOKEN, SYNC_REPOSITORY (owner/name), SYNC_WORKSPACE, SYNC_STATE_DIR, SYNC_FETCH
// (auto|blobs|tarball), SYNC_KILL_AT. Exits 1 if the sync ended without reaching that point.
import { createRepositorySource } from "../../github-app/repository-source.js";
import type { FetchMode } from "../../src/sync/fetch-changes.js";
import { syncOnce, type SyncProgress } from "../../src/sync/sync-once.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const [owner = "", repo = ""] = env("SYNC_REPOSITORY").split("/");
const killAt = env("SYNC_KILL_AT");
const fetchAt = /^fetch:(\d+)$/.exec(killAt);
const token = process.env.GITHUB_TOKEN ?? "";

const onProgress = (p: SyncProgress) => {
  if (killAt === "apply" ? p.phase === "apply" : fetchAt !== null && p.phase === "fetch" && p.done >= Number(fetchAt[1])) {
    process.kill(process.pid, "SIGKILL");
  }
};

await syncOnce(
  { branch: "main", fetchMode: (process.env.SYNC_FETCH ?? "auto") as FetchMode },
  {
    source: createRepositorySource({ apiUrl: env("GITHUB_API_URL"), getToken: async () => token, owner, repo, retries: 2 }),
    workspaceDir: env("SYNC_WORKSPACE"),
    stateDir: env("SYNC_STATE_DIR"),
    workspaceId: process.env.SYNC_WORKSPACE_ID ?? "cli",
    maxFileBytes: 64 * 1024 * 1024,
    concurrency: 8,
    fsThreads: 2,
  },
  { onProgress },
);
process.stderr.write(`the sync ended before ${killAt}\n`);
process.exitCode = 1;
