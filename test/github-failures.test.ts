// How failures on the way to GitHub read (issue 18, item 4), against the GitHub stand-in over loopback and a
// name that does not resolve: a host that cannot be reached is said at once ("cannot reach <host>: …"), a
// dropped connection is called one (not "status 500"), a corrupt archive says so, and a silent download is
// given up after its stall deadline.
import { readdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOctokit } from "../github-app/create-octokit.js";
import { fetchDownload } from "../github-app/fetch-download.js";
import { probeGitHubHost } from "../github-app/probe-github-host.js";
import { createRepositorySource } from "../github-app/repository-source.js";
import { SyncError } from "../src/sync/sync-error.js";
import { syncOnce } from "../src/sync/sync-once.js";
import { createSyncFixture, type SyncFixture } from "./support/sync-fixtures.js";

let fx: SyncFixture;
beforeAll(async () => {
  fx = await createSyncFixture();
});
afterAll(async () => {
  await fx.close();
});

describe("a GitHub that cannot be reached", () => {
  it("is reported at once as \"cannot reach <host>: DNS lookup failed\", without retries", async () => {
    const source = createRepositorySource({ apiUrl: "http://github.invalid/api/v3", getToken: async () => "", owner: "o", repo: "r" });
    const began = performance.now();
    const error = (await source.getBranchHead("main").catch((e: unknown) => e)) as Error & { status?: number; code?: string };
    expect(error.message).toMatch(/^cannot reach github\.invalid: DNS lookup failed \((ENOTFOUND|EAI_AGAIN)\); check the network, DNS and GITHUB_API_URL\.$/);
    expect(error).toMatchObject({ status: 503, code: "unreachable" });
    // Octokit's retries would take 1 + 4 + 9 s.
    expect(performance.now() - began).toBeLessThan(3_000);
  });

  it("says the same through every Octokit the app builds (connect, reconcile, webhooks)", async () => {
    // A port nobody listens on: connection refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const octokit = createOctokit(`http://127.0.0.1:${port}`, { kind: "token", token: "t" });
    const began = performance.now();
    const error = (await octokit.request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" }).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(`cannot reach 127.0.0.1:${port}: connection refused (ECONNREFUSED); check the network, DNS and GITHUB_API_URL.`);
    expect(performance.now() - began).toBeLessThan(3_000);
  });
});

describe("a check someone waits for (interactive clients)", () => {
  it("gives up a name lookup that does not answer after 3 s, saying so", async () => {
    const began = performance.now();
    const error = (await probeGitHubHost("https://api.github.com", { lookup: () => new Promise(() => undefined) }).catch((e: unknown) => e)) as Error;
    const elapsed = performance.now() - began;
    expect(error.message).toBe("cannot reach api.github.com: DNS lookup took longer than 3 s; check the network, DNS and GITHUB_API_URL.");
    expect(error).toMatchObject({ status: 503, code: "unreachable" });
    expect(elapsed).toBeGreaterThanOrEqual(2_900);
    expect(elapsed).toBeLessThan(3_500);
  });

  it("names a failed lookup \"DNS lookup failed\", before any request is sent", async () => {
    const octokit = createOctokit("http://github.invalid/api/v3", { kind: "token", token: "t" }, { interactive: true });
    const began = performance.now();
    const error = (await octokit.request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" }).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^cannot reach github\.invalid: DNS lookup failed \((ENOTFOUND|EAI_AGAIN)\); check the network, DNS and GITHUB_API_URL\.$/);
    expect(performance.now() - began).toBeLessThan(3_000);
  });

  it("lets a GitHub that answers through, probing its host once per client", async () => {
    let connections = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"full_name":"o/r"}');
    });
    server.on("connection", () => connections++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const octokit = createOctokit(`http://localhost:${(server.address() as AddressInfo).port}`, { kind: "token", token: "t" }, { interactive: true });
      for (let i = 0; i < 3; i++) expect((await octokit.request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" })).data).toEqual({ full_name: "o/r" });
      // The probe's connection, then fetch's (kept alive across the three requests).
      expect(connections).toBe(2);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("a connection that drops", () => {
  it("is called a dropped connection after the retries, not \"status 500\"", async () => {
    await fx.repo.commit({ "a.txt": "a\n" });
    fx.github.faults.dropConnection({ path: /\/branches\/main$/, count: 3 });
    const before = fx.github.requests.length;
    const error = (await fx.source.getBranchHead("main").catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(
      new RegExp(`^GitHub did not deliver branch "main" of ${fx.repo.fullName}: the connection to GitHub dropped before the answer was complete \\([A-Z_]+\\); the sync will be retried\\.$`),
    );
    expect(error.message).not.toMatch(/500/);
    // The fixture's source retries twice: three attempts, each one cut.
    expect(fx.github.requests.slice(before).filter((r) => /\/branches\/main$/.test(r.path))).toHaveLength(3);
    fx.github.faults.reset();
  });
});

describe("a corrupt archive", () => {
  it("fails the fetch with \"the archive GitHub sent is corrupt\", downloaded again first, and the workspace untouched", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) files[`f${i}.txt`] = `file ${i}\n`;
    const sha = await fx.repo.commit(files);
    const archive = gzipSync(Buffer.from("x".repeat(4096)));
    archive.writeUInt32LE((archive.readUInt32LE(archive.length - 8) ^ 0xffffffff) >>> 0, archive.length - 8); // break the CRC
    fx.github.faults.serveTarball(fx.repo.fullName, sha, archive);
    const before = fx.github.requests.length;
    const error = (await syncOnce({ branch: "main", fetchMode: "tarball" }, fx.deps()).catch((e: unknown) => e)) as SyncError;
    expect(error).toBeInstanceOf(SyncError);
    expect(error.message).toMatch(/^fetch: the archive GitHub sent is corrupt \(gzip: incorrect data check\): it was damaged or cut off on the way\./);
    // A damaged download may be the network's doing: fetched again (1 + 2 retries), then given up.
    expect(fx.github.requests.slice(before).filter((r) => /\/tarball\//.test(r.path))).toHaveLength(3);
    expect(await readdir(fx.workspaceDir)).toEqual([]);
    fx.github.faults.reset();
  });
});

describe("fetchDownload", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.write(Buffer.alloc(1024, 1));
      if (req.url === "/whole") res.end(Buffer.alloc(1024, 2));
      // else: the connection stays open and says nothing more
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const readAll = async (stream: AsyncIterable<Buffer>) => {
    let bytes = 0;
    for await (const chunk of stream) bytes += chunk.length;
    return bytes;
  };

  it("gives up on a body that goes silent, saying so", async () => {
    const began = performance.now();
    const stream = await fetchDownload(`${url}/stall`, { stallTimeoutInMs: 400 });
    await expect(readAll(stream)).rejects.toThrow("the download stalled: no data for 0.4 s");
    expect(performance.now() - began).toBeLessThan(3_000);
  });

  it("reads a body that keeps coming to its end", async () => {
    expect(await readAll(await fetchDownload(`${url}/whole`, { stallTimeoutInMs: 400 }))).toBe(2048);
  });
});
