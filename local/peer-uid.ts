// Which user owns the other end of a loopback TCP connection, from /proc/net/tcp{,6} (Linux): the client's
// socket is the entry whose local port is the connection's remote port and whose remote port is ours. The local
// host uses it to refuse requests from the workflow runner's user: under `npm start` the loopback developer is
// admin, and workflow code must not inherit that by calling the API. (The Functions host in the container owns
// its listener; there this check cannot run: SECURITY.md.)
import { readFile } from "node:fs/promises";
import type { Socket } from "node:net";

/** The uid of the process at the other end of `socket`, when it is on this machine and /proc tells; else undefined. */
export async function peerUid(socket: Socket): Promise<number | undefined> {
  const { remotePort, localPort } = socket;
  if (remotePort === undefined || localPort === undefined) return undefined;
  const wanted = `:${hex(remotePort)} `;
  const server = `:${hex(localPort)} `;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await readFile(table, "latin1").catch(() => "");
    for (const line of text.split("\n")) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || !`${fields[1]} `.endsWith(wanted) || !`${fields[2]} `.endsWith(server)) continue;
      const uid = Number(fields[7]);
      if (Number.isInteger(uid)) return uid;
    }
  }
  return undefined;
}

function hex(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, "0");
}
