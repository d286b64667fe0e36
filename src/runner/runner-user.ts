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
