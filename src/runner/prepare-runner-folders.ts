// Folders as the runner may see them: the platform's state (sync manifests, markers) closed to it (0700), the
// runs' parent folder passable but not listable (0711), and a home of its own. Called once at start.
import { chmodSync, chownSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { RunnerUser } from "./runner-user.js";

export interface RunnerFolders {
  /** The runner's HOME and TMPDIR. */
  homeDir: string;
}

export function prepareRunnerFolders(config: { workflowTempDir: string; stateDir: string }, user: RunnerUser | undefined): RunnerFolders {
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  chmodSync(config.stateDir, 0o700);
  const runs = config.workflowTempDir;
  mkdirSync(runs, { recursive: true, mode: 0o711 });
  chmodSync(runs, 0o711);
  const homeDir = path.join(runs, ".runner-home");
  mkdirSync(homeDir, { recursive: true, mode: 0o700 });
  if (user) chownSync(homeDir, user.uid, user.gid);
  return { homeDir };
}
