// A real SMB share (Samba + smbnetfs FUSE, see smb-share/README.md) as a stand-in for Azure Files: started on
// a free port under a temporary folder, always stopped by close() (also when a test failed).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, realpath } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { createTempDir } from "./temp-dir.js";

const run = promisify(execFile);
const SCRIPTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "smb-share");

export interface SmbShare {
  /** A fresh folder on the share (real path, no symlink on the way). */
  newFolder(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Why the share cannot start here, or undefined when smbd, smbnetfs and /dev/fuse are present. */
export function smbUnavailable(): string | undefined {
  const missing = ["/usr/sbin/smbd", "/usr/bin/smbnetfs", "/usr/bin/fusermount3"].filter((p) => !existsSync(p) && !existsSync(p.replace("fusermount3", "fusermount")));
  if (missing.length > 0) return `missing ${missing.join(", ")}: apt-get install -y --no-install-recommends samba smbclient smbnetfs fuse3`;
  if (!existsSync("/dev/fuse")) return "no /dev/fuse on this machine";
  return undefined;
}

export async function startSmbShare(): Promise<SmbShare> {
  const unavailable = smbUnavailable();
  if (unavailable) throw new Error(`The SMB share (a stand-in for Azure Files) cannot start: ${unavailable}.`);
  const temp = await createTempDir("funcspace-smb-");
  const home = path.join(temp.path, "smb");
  const down = () => run("bash", [path.join(SCRIPTS, "smb-down.sh"), home], { timeout: 30_000 }).catch(() => undefined);
  let lastError: unknown;
  // A port another process (another helper's share) holds: try another.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    try {
      await run("bash", [path.join(SCRIPTS, "smb-up.sh"), home], { env: { ...process.env, PORT: String(port) }, timeout: 60_000 });
      const root = await realpath(path.join(home, "az"));
      let folders = 0;
      return {
        async newFolder(name) {
          const dir = path.join(root, `${name}-${++folders}`);
          await mkdir(dir);
          return dir;
        },
        async close() {
          await down();
          await temp.cleanup();
        },
      };
    } catch (error) {
      lastError = error;
      await down();
    }
  }
  await temp.cleanup();
  throw new Error(`The SMB share did not start: ${(lastError as Error).message}`);
}
