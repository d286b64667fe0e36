// Marker files that let the read-only guard skip the Table read while the workspace is not connected.
// Each connection record has a marker named after its connectionId in a folder of the platform's state
// share (TEMP_DIR, an Azure Files share mounted on every instance). ConnectionStore keeps the one rule that
// makes the markers safe: a marker is written before its record is created and removed only after that
// record is deleted, so a record never exists without its marker. An empty folder therefore proves there
// is no record; a marker proves nothing (a crash can leave one behind), so the guard then reads the record.
//
// The guard lists the folder rather than stat-ing a file: the Linux SMB client trusts a cached "not found"
// for up to a second (and attributes for `actimeo`, 1 s by default), so another instance's new marker
// could stay invisible to `stat` that long, while a directory listing asks the server (or is served from
// a directory lease, which the server breaks on every change).
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";

export interface MarkerContent {
  connectionId: string;
  repository: string;
  branch: string;
}

export class ConnectionMarkers {
  /** `<stateDir>/connections/<workspace id>/`: one file per connection record that may exist. */
  readonly dir: string;

  constructor(stateDir: string, workspaceId: string) {
    this.dir = path.join(stateDir, "connections", encodeURIComponent(workspaceId));
  }

  /** Writes the marker of a record about to be created (idempotent). */
  async add(content: MarkerContent): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // The content is for people looking at the share; only the file's existence counts.
    const { connectionId, repository, branch } = content;
    await writeFile(this.#file(connectionId), `${JSON.stringify({ connectionId, repository, branch })}\n`);
  }

  /** Removes the marker of a record that is gone (succeeds when absent). */
  async remove(connectionId: string): Promise<void> {
    await rm(this.#file(connectionId), { force: true });
  }

  /**
   * The marker file names now, or `undefined` when the folder does not exist yet (a new install, or a
   * record written before markers existed): then only the record can tell.
   */
  async list(): Promise<string[] | undefined> {
    try {
      return await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  /** Creates the (empty) folder, once the record has been seen to be absent. */
  async ensureFolder(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  #file(connectionId: string): string {
    return path.join(this.dir, encodeURIComponent(connectionId));
  }
}
