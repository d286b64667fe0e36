// Starts Azurite (queue + table) from node_modules as a child process on loopback and waits until both
// services accept connections. Used by `npm start` and by the test run's global setup.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync } from "node:fs";
import { connect, createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { azuriteConnectionString } from "../src/config.js";

export interface AzuriteOptions {
  /** Folder for Azurite's data; omitted → in-memory (tests). */
  location?: string;
  /** 0 → a free port. */
  queuePort?: number;
  tablePort?: number;
  /** Extra accounts, `name:base64key;...` (AZURITE_ACCOUNTS); tests give each file its own. */
  accounts?: string;
  startTimeoutInMs?: number;
}

export interface Azurite {
  queuePort: number;
  tablePort: number;
  connectionString: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const AZURITE_BIN = fileURLToPath(new URL("../node_modules/.bin/azurite", import.meta.url));

export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  for (const port of [options.queuePort, options.tablePort]) {
    if (port && !(await isPortFree(port))) {
      throw new Error(
        `port ${port} on 127.0.0.1 is already in use (another Azurite or \`npm start\`?): stop it, or set ` +
          "AZURITE_QUEUE_PORT / AZURITE_TABLE_PORT to free ports (0 picks any).",
      );
    }
  }
  const queuePort = options.queuePort || (await freePort());
  const tablePort = options.tablePort || (await freePort());
  const args = [
    "--silent",
    "--disableTelemetry",
    "--skipApiVersionCheck",
    "--loose",
    "--queueHost", "127.0.0.1", "--queuePort", String(queuePort),
    "--tableHost", "127.0.0.1", "--tablePort", String(tablePort),
    // The blob service is not used; park it on a free port so it never clashes with another Azurite.
    "--blobHost", "127.0.0.1", "--blobPort", String(await freePort()),
  ];
  if (options.location) {
    // Its files are every table and queue of the platform: closed to the workflow runner's user (src/runner/).
    mkdirSync(options.location, { recursive: true, mode: 0o700 });
    chmodSync(options.location, 0o700);
    args.push("--location", options.location);
  } else {
    args.push("--inMemoryPersistence");
  }
  const child = spawn(AZURITE_BIN, args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...(options.accounts ? { AZURITE_ACCOUNTS: options.accounts } : {}) },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // If this process dies, take Azurite with it: no orphan holding the ports.
  const killChild = () => child.kill("SIGTERM");
  process.once("exit", killChild);

  const stop = async () => {
    process.off("exit", killChild);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + (options.startTimeoutInMs ?? 20_000);
  for (const port of [queuePort, tablePort]) {
    while (!(await canConnect(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(
          `Azurite did not start on 127.0.0.1:${queuePort}/${tablePort}` +
            (child.exitCode !== null ? ` (exited with ${child.exitCode})` : " in time") +
            (stderr ? `: ${stderr.trim().split("\n").slice(-3).join(" ")}` : ""),
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { queuePort, tablePort, connectionString: azuriteConnectionString(queuePort, tablePort), process: child, stop };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
