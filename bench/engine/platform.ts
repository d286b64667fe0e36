// Starts one platform process of the engine bench (platform-child.ts) and sends it requests, one at a time.
import { fork } from "node:child_process";
import { chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Answer, Mode, Reply, Request } from "./protocol.js";

export interface Platform {
  mode: Mode;
  pid: number;
  call<R extends Request>(request: R): Promise<Answer<R>>;
  close(): Promise<void>;
}

const childMain = fileURLToPath(new URL("./platform-child.ts", import.meta.url));

/** A platform process of `mode`, its workspace and temp folders in `dir` (made traversable for the runner's user). */
export async function startPlatform(mode: Mode, dir: string, storage: string): Promise<Platform> {
  for (const folder of [dir, path.join(dir, "workspace"), path.join(dir, "tmp")]) {
    await mkdir(folder, { recursive: true });
    // The runner runs as its own user when the bench runs as root: it must reach the workspace (mkdtemp's 0700
    // would keep it out, as it would a deployment's folders).
    await chmod(folder, 0o755);
  }
  const child = fork(childMain, [], {
    execArgv: ["--import", "tsx", "--expose-gc"],
    env: { ...process.env, BENCH_MODE: mode, BENCH_DIR: dir, BENCH_STORAGE: storage },
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      const exited = (code: number | null, signal: string | null) => reject(new Error(`the ${mode} platform process exited (${signal ?? `code ${code}`})`));
      child.once("exit", exited);
      child.once("message", (reply: Reply) => {
        child.off("exit", exited);
        if (reply.ok) resolve(reply.value);
        else reject(new Error(`${mode} platform: ${reply.error}`));
      });
    });
  const { pid } = (await next()) as { pid: number };
  let queue: Promise<unknown> = Promise.resolve();
  const call = <R extends Request>(request: R) => {
    const answer = queue.then(() => {
      const reply = next();
      child.send(request);
      return reply;
    });
    queue = answer.catch(() => undefined);
    return answer as Promise<Answer<R>>;
  };
  return {
    mode,
    pid,
    call,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      await call({ op: "close" }).catch(() => undefined);
      child.disconnect();
      child.kill();
      await exited;
    },
  };
}
