// Who the runner runs as. Where the platform runs as root (the container, `npm start` as root), workflow code
// gets an unprivileged user of its own: WORKFLOW_RUNNER_USER, by default `funcspace-runner` (the image adds it)
// or else `nobody`. It cannot read the platform's 0600 secret file or 0700 state, write the app's code, read
// the platform's /proc/<pid>/environ, or signal it. As any other user, the platform cannot switch: the runner
// shares its user (SECURITY.md says what that leaves open).
import { readFileSync } from "node:fs";

export interface RunnerUser {
  name: string;
  uid: number;
  gid: number;
}

/** The user named (or the defaults), from /etc/passwd; undefined when the platform is not root. */
export function resolveRunnerUser(requested: string | undefined, options: { passwd?: string; uid?: number } = {}): RunnerUser | undefined {
  const uid = options.uid ?? process.getuid?.();
  if (uid !== 0) return undefined;
  const passwd = options.passwd ?? readFileSync("/etc/passwd", "utf8");
  const users = new Map<string, RunnerUser>();
  for (const line of passwd.split("\n")) {
    const [name, , id, group] = line.split(":");
    if (name && id && group && /^\d+$/.test(id) && /^\d+$/.test(group)) users.set(name, { name, uid: Number(id), gid: Number(group) });
  }
  const candidates = requested ? [requested] : ["funcspace-runner", "nobody"];
  for (const name of candidates) {
    const user = users.get(name);
    if (user && user.uid !== 0) return user;
  }
  throw new Error(
    requested
      ? `WORKFLOW_RUNNER_USER=${requested} is not an unprivileged user on this machine (see /etc/passwd): create it, or name another.`
      : "The platform runs as root and no unprivileged user exists for workflow code (funcspace-runner or nobody): create one.",
  );
}

/**
 * The first folder on the way to `target` that `user` cannot pass through (mode bits), or undefined. The runner
 * must reach the app's code and the workspace: a checkout under a 0700 home folder would otherwise fail every run
 * with an unhelpful EACCES.
 */
export function firstClosedFolder(user: RunnerUser, target: string, statOf: (folder: string) => { mode: number; uid: number; gid: number }): string | undefined {
  const parts = target.split("/").filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const folder = `/${parts.slice(0, i).join("/")}`;
    let info;
    try {
      info = statOf(folder);
    } catch {
      return undefined; // not there yet (created later): nothing to judge
    }
    const bit = info.uid === user.uid ? 0o100 : info.gid === user.gid ? 0o010 : 0o001;
    if ((info.mode & bit) === 0) return folder;
  }
  return undefined;
}
