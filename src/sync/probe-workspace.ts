// What the workspace's file system can hold, found out once per process and folder by trying it in a scratch
// folder: on Azure Files over SMB modes are fixed by the mount (the test share shows every new file as
// 0744), names are case-insensitive, and `mtime` moves after close and rename (see
// /work/shared/smb-share/README.md). The engine must know, not guess: a mode it cannot set must not be
// counted as a change on every run, a case-only rename must not delete the file it just wrote, and a
// manifest must record the mtime a later scan will read back.
import { chmod, lstat, mkdir, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";

export interface WorkspaceTraits {
  /** chmod +x / -x sticks (false on SMB: exec bits are neither kept nor compared). */
  holdsModes: boolean;
  /** `a` and `A` name the same entry. */
  caseInsensitive: boolean;
  /** A file's mtime read after close is what it keeps after a rename (false on the SMB test share). */
  stableMtime: boolean;
}

const probes = new Map<string, Promise<WorkspaceTraits>>();

/**
 * Probes `scratchDir` (created, then removed: pass a name the scan passes over, such as the run's staging
 * name) and caches the answer for `workspaceDir`. `overrides` (configuration, tests) win over the probe.
 */
export async function probeWorkspace(workspaceDir: string, scratchDir: string, overrides: Partial<WorkspaceTraits> = {}): Promise<WorkspaceTraits> {
  let probing = probes.get(workspaceDir);
  if (!probing) {
    probing = runProbe(scratchDir);
    probes.set(workspaceDir, probing);
    // A failed probe (a full disk, a transient error) is tried again next run, not remembered.
    probing.catch(() => probes.delete(workspaceDir));
  }
  return { ...(await probing), ...overrides };
}

/** Forgets cached probes (tests that remount a folder). */
export function forgetWorkspaceProbes(): void {
  probes.clear();
}

async function runProbe(scratchDir: string): Promise<WorkspaceTraits> {
  await mkdir(scratchDir, { recursive: true });
  const file = path.join(scratchDir, "probe-a");
  const renamed = path.join(scratchDir, "probe-b");
  try {
    await writeFile(file, "probe", { mode: 0o644 });
    const written = await stat(file);
    await chmod(file, 0o755);
    const executable = await stat(file);
    await chmod(file, 0o644);
    const plain = await stat(file);
    const holdsModes = (written.mode & 0o100) === 0 && (executable.mode & 0o100) !== 0 && (plain.mode & 0o100) === 0;
    const caseInsensitive = await lstat(path.join(scratchDir, "PROBE-A")).then(
      () => true,
      () => false,
    );
    await rename(file, renamed);
    const moved = await stat(renamed);
    // A file system that keeps no modes is a network share: there the close that sets a file's mtime on the
    // server can land after close() returned (a FUSE release is asynchronous; smbnetfs showed mtimes moving
    // ~20 ms later), which one probe cannot catch. Treated as unstable: written files are stat'ed again at the
    // end of the apply, and a file whose mtime moved after that is hashed once and recorded anew.
    return { holdsModes, caseInsensitive, stableMtime: holdsModes && moved.mtimeMs === written.mtimeMs };
  } finally {
    await rm(file, { force: true }).catch(() => undefined);
    await rm(renamed, { force: true }).catch(() => undefined);
    await rmdir(scratchDir).catch(() => undefined);
  }
}
