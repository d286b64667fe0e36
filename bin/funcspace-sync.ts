// funcspace-sync: the sync engine alone, from a shell. Brings a folder to a GitHub branch's exact state
// (the same engine and safety rules as the sync worker, without Azure: no lease, no run records).
//
//   funcspace-sync --repository owner/name [--branch main] --workspace DIR [--dry-run] [--allow-empty]
//                  [--fetch auto|blobs|tarball] [--state-dir DIR] [--concurrency N] [--fs-threads N]
//                  [--max-file-bytes N]   (default 10485760, the host's MAX_FILE_BYTES) [--wait-lock SECONDS]
//
// One run at a time per folder: a run takes the folder's lock file (src/sync/folder-lock.ts, works on an SMB
// share too) and a second run waits for it (--wait-lock, default 600 s; 0 = refuse at once), then syncs the
// branch head as it is then.
//
// Token: GITHUB_TOKEN (optional for public repositories). API: GITHUB_API_URL (default https://api.github.com).
// Exit codes: 0 = the folder changed, 3 = nothing to change, 1 = the sync failed, 2 = bad usage,
// 4 = another run holds the folder's lock (and did not let go within --wait-lock).
import { createHash } from "node:crypto";
import { mkdir, realpath } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { createRepositorySource } from "../github-app/repository-source.js";
import { AppError, FolderLockedError } from "../src/errors.js";
import { acquireFolderLock, type FolderLock } from "../src/sync/folder-lock.js";
import type { FetchMode } from "../src/sync/fetch-changes.js";
import { DEFAULT_FS_THREADS } from "../src/sync/fs-threads.js";
import { DEFAULT_MAX_FILE_BYTES } from "../src/sync/limits.js";
import { previewSync } from "../src/sync/preview-sync.js";
import { syncOnce, type SyncDeps, type SyncProgress } from "../src/sync/sync-once.js";

export const EXIT_CHANGED = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNCHANGED = 3;
export const EXIT_LOCKED = 4;

const USAGE =
  "usage: funcspace-sync --repository owner/name [--branch main] --workspace DIR [--dry-run] [--allow-empty]\n" +
  "                      [--fetch auto|blobs|tarball] [--state-dir DIR] [--concurrency N] [--fs-threads N]\n" +
  `                      [--max-file-bytes N (default ${DEFAULT_MAX_FILE_BYTES}, as the host's MAX_FILE_BYTES)] [--wait-lock SECONDS]\n` +
  "token from GITHUB_TOKEN; API base from GITHUB_API_URL. exit: 0 changed, 3 no change, 1 failed, 2 usage, 4 folder locked";

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        repository: { type: "string" },
        branch: { type: "string", default: "main" },
        workspace: { type: "string" },
        "state-dir": { type: "string" },
        "dry-run": { type: "boolean", default: false },
        "allow-empty": { type: "boolean", default: false },
        fetch: { type: "string", default: "auto" },
        concurrency: { type: "string", default: "16" },
        "fs-threads": { type: "string", default: String(DEFAULT_FS_THREADS) },
        "wait-lock": { type: "string", default: "600" },
        "max-file-bytes": { type: "string", default: String(DEFAULT_MAX_FILE_BYTES) },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [owner, repo, extra] = (values.repository ?? "").split("/");
  if (!owner || !repo || extra !== undefined) return usage("--repository must be owner/name");
  if (!values.workspace) return usage("--workspace DIR is required");
  if (!["auto", "blobs", "tarball"].includes(values.fetch)) return usage("--fetch must be auto, blobs or tarball");
  const concurrency = Number(values.concurrency);
  const maxFileBytes = Number(values["max-file-bytes"]);
  const fsThreads = Number(values["fs-threads"]);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) return usage("--concurrency must be 1..256");
  if (!Number.isInteger(fsThreads) || fsThreads < 1 || fsThreads > 64) return usage("--fs-threads must be 1..64");
  if (!Number.isInteger(maxFileBytes) || maxFileBytes < 1) return usage("--max-file-bytes must be a positive whole number");
  const waitLockSeconds = Number(values["wait-lock"]);
  if (!/^\d+$/.test(values["wait-lock"]) || waitLockSeconds > 86_400) return usage("--wait-lock must be 0..86400 seconds");

  await mkdir(values.workspace, { recursive: true });
  const workspaceDir = await realpath(values.workspace);
  // The manifest lives outside the folder, keyed by the folder's real path.
  const stateDir = path.resolve(
    values["state-dir"] ?? path.join(os.tmpdir(), "funcspace-sync", createHash("sha256").update(workspaceDir).digest("hex").slice(0, 16)),
  );
  const token = process.env.GITHUB_TOKEN?.trim() ?? "";
  const deps: SyncDeps = {
    source: createRepositorySource({
      apiUrl: process.env.GITHUB_API_URL?.trim() || "https://api.github.com",
      getToken: async () => token,
      owner,
      repo,
      userAgent: "funcspace-sync-cli",
    }),
    workspaceDir,
    stateDir,
    workspaceId: "cli",
    maxFileBytes,
    concurrency,
    fsThreads,
  };
  const request = { branch: values.branch, allowEmpty: values["allow-empty"], fetchMode: values.fetch as FetchMode };
  const abort = new AbortController();
  // Ctrl-C cancels cleanly: the run stops before its next file, never leaving half a file.
  const onSignal = () => abort.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    if (values["dry-run"]) {
      const preview = await previewSync(request, deps, { abortSignal: abort.signal });
      const lines = [
        `${preview.repository}@${preview.branch} ${short(preview.fromSha)} -> ${short(preview.toSha)} (dry run, fetch: ${preview.fetchMethod})`,
        ...preview.added.map((p) => `+ ${p}`),
        ...preview.changed.map((p) => `~ ${p}`),
        ...preview.deleted.map((p) => `- ${p}`),
        ...preview.skipped.map((s) => `! ${s.path} (${s.kind}, skipped)`),
        `${preview.counts.added} to add, ${preview.counts.changed} to change, ${preview.counts.deleted} to delete, ${preview.counts.skipped} skipped`,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
      return preview.upToDate ? EXIT_UNCHANGED : EXIT_CHANGED;
    }
    let lock: FolderLock;
    try {
      lock = await acquireFolderLock(workspaceDir, {
        waitMs: waitLockSeconds * 1000,
        abortSignal: abort.signal,
        onWait: (h) => process.stderr.write(`funcspace-sync: waiting for the sync already running in ${workspaceDir} (pid ${h.pid} on ${h.host}, since ${h.since})\n`),
      });
    } catch (error) {
      if (!(error instanceof FolderLockedError)) throw error;
      process.stderr.write(`funcspace-sync: ${error.message}\n`);
      return EXIT_LOCKED;
    }
    const progress = createProgressReporter();
    const outcome = await syncOnce(request, { ...deps, fence: lock, owner: { lock: lock.token } }, { abortSignal: AbortSignal.any([abort.signal, lock.signal]), onProgress: progress.report })
      .finally(progress.stop)
      .finally(() => lock.release());
    const c = outcome.counts;
    process.stdout.write(
      `${outcome.result} ${outcome.repository}@${outcome.branch} ${short(outcome.fromSha)} -> ${short(outcome.toSha)}: ` +
        `${c.added} added, ${c.changed} changed, ${c.deleted} deleted, ${c.skipped} skipped, ` +
        `${outcome.bytesDownloaded} bytes via ${outcome.fetchMethod}, ${outcome.resumedFiles} files (${outcome.resumedBytes} bytes) resumed, ${outcome.durationMs} ms\n`,
    );
    for (const s of outcome.skipped) process.stdout.write(`! ${s.path} (${s.kind}, skipped)\n`);
    return outcome.result === "applied" ? EXIT_CHANGED : EXIT_UNCHANGED;
  } catch (error) {
    process.stderr.write(`funcspace-sync: ${error instanceof AppError || error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILED;
  }
}

/** A bar on a terminal; one line per phase otherwise (logs, CI, pipes). */
function createProgressReporter(): { report(p: SyncProgress): void; stop(): void } {
  let phase = "";
  if (!process.stderr.isTTY) {
    return {
      report(p) {
        if (p.phase === phase) return;
        phase = p.phase;
        process.stderr.write(`${p.phase}${p.total ? ` (${p.total} files)` : ""}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: "{phase} [{bar}] {value}/{total}", stream: process.stderr, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    report(p) {
      if (!started) {
        bar.start(Math.max(p.total, 1), p.done, { phase: p.phase.padEnd(7) });
        started = true;
      }
      if (p.phase !== phase) {
        phase = p.phase;
        bar.setTotal(Math.max(p.total, 1));
      }
      bar.update(p.done, { phase: p.phase.padEnd(7) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function short(sha: string | undefined): string {
  return sha ? sha.slice(0, 7) : "(none)";
}

function usage(message: string): number {
  process.stderr.write(`funcspace-sync: ${message}\n${USAGE}\n`);
  return EXIT_USAGE;
}

process.exitCode = await main(process.argv.slice(2));
