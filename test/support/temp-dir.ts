// Temporary folders for tests, removed afterwards (even when made read-only by the test).
import { execFileSync } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

export async function createTempDir(prefix = "funcspace-test-"): Promise<{ path: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  // mkdtemp makes it 0700: open it like a folder a deployment would have (the workflow runner runs as its own
  // user when tests run as root, and must reach the workspace and its temp folders inside).
  await chmod(dir, 0o755);
  return {
    path: dir,
    cleanup: async () => {
      try {
        execFileSync("chattr", ["-R", "-i", dir], { stdio: "ignore" });
      } catch {
        // chattr absent or unsupported: nothing was made immutable
      }
      await chmod(dir, 0o755).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Makes a folder refuse writes, for real: mode 0555, and when that is not enough (tests run as root,
 * which ignores modes) the immutable attribute. Throws when neither works, so no test passes by accident.
 */
export async function makeReadOnly(dir: string): Promise<void> {
  await chmod(dir, 0o555);
  if (!(await canWrite(dir))) return;
  try {
    execFileSync("chattr", ["+i", dir], { stdio: "ignore" });
  } catch {
    // fall through to the check
  }
  if (await canWrite(dir)) throw new Error(`cannot make ${dir} read-only on this machine`);
}

/** Undoes makeReadOnly. */
export async function makeWritable(dir: string): Promise<void> {
  try {
    execFileSync("chattr", ["-i", dir], { stdio: "ignore" });
  } catch {
    // chattr absent or unsupported: nothing was made immutable
  }
  await chmod(dir, 0o755);
}

async function canWrite(dir: string): Promise<boolean> {
  const probe = path.join(dir, ".write-probe");
  try {
    await writeFile(probe, "x");
    await rm(probe, { force: true });
    return true;
  } catch {
    return false;
  }
}
