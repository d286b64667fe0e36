// Pull request checks (issue 22): from opening a pull request that changes 100 workflow files of the 10,000-file
// bench repository to its check run completed on the GitHub stand-in, through the local host with Azurite: the
// `pull_request` webhook, the check run created in progress, the queue, the check job (two trees, 100 blobs,
// discovery in the runner over the head's overlay, the TypeScript check), the check run completed. Reported as
// p50/p90 with the job's own parts, next to the floor of its GitHub reads: the same two trees and 100 blobs fetched
// with plain Octokit, 8 at a time, in the same run. Goal: p50 < 5 s.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { Octokit } from "@octokit/core";
import { createServices } from "../../functions/services.js";
import { triggers } from "../../functions/triggers.js";
import { saveAppCredentials } from "../../github-app/app-credentials.js";
import { readHostSettings } from "../../local/host-json.js";
import { startAzurite } from "../../local/azurite.js";
import { startLocalHost } from "../../local/local-host.js";
import type { ConnectionStatus, PullCheck, PullCheckList } from "../../src/api-types.js";
import { ensureStorageResources } from "../../src/azure/storage.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startGitHubStandIn } from "../../test/support/github-stand-in/index.js";
import { textish } from "../support/textish.js";
import { machineLine, median, percentile, round, shouldWrite, table, writeSection } from "../support/report.js";

const run = promisify(execFile);
const FILES = Number(process.env.BENCH_CHECK_FILES ?? 10_000);
const CHANGED = Number(process.env.BENCH_CHECK_CHANGED ?? 100);
const PULLS = Number(process.env.BENCH_CHECK_PULLS ?? 5);

const root = await mkdtemp(path.join(tmpdir(), "fs-bench-checks-"));
await chmod(root, 0o711);
const azurite = await startAzurite();
const github = await startGitHubStandIn({ root: path.join(root, "github"), userLogin: "octo-user" });
github.addToken("ghp_bench_owner", { type: "classic", scopes: ["repo"] });
const owner = new Octokit({ auth: "ghp_bench_owner", baseUrl: github.apiUrl });

const workflow = (i: number, value: number) =>
  `import { defineWorkflow } from "funcspace";\nimport { label } from "../lib/label.ts";\n\nexport default defineWorkflow({\n  name: "w${i}",\n  parameters: { n: { type: "integer", default: ${value} } },\n  async run({ n }) {\n    return label(${i}, n);\n  },\n});\n`;

try {
  // The repository: CHANGED workflows sharing a helper, the rest plain files of 1-9 KB.
  const repo = await github.createRepository("octo-user/bench-checks", { private: true });
  const files: Record<string, string> = { "lib/label.ts": "export const label = (i: number, n: number): string => `workflow ${i}: ${n}`;\n" };
  for (let i = 0; i < CHANGED; i++) files[`flows/w${String(i).padStart(3, "0")}.ts`] = workflow(i, 1);
  for (let i = 0, count = CHANGED + 1; count < FILES; i++, count++) files[`data/${String(i % 100).padStart(2, "0")}/f${i}.txt`] = textish(i, 1024 + ((i * 7907) % 8192)).toString("utf8");
  const base = await repo.commit(files, { message: "base" });

  const config = loadConfig(
    {
      AzureWebJobsStorage: azurite.connectionString,
      WORKSPACE_DIR: path.join(root, "workspace"),
      TEMP_DIR: path.join(root, "tmp"),
      LOCAL_SECRETS_FILE: path.join(root, "secrets.json"),
      GITHUB_API_URL: github.apiUrl,
      GITHUB_WEB_URL: github.webUrl,
      LOG_LEVEL: "warn",
    },
    { profile: "local" },
  );
  await mkdir(config.workspaceDir, { recursive: true });
  await mkdir(config.tempDir, { recursive: true });
  const services = createServices(config, { logger: createLogger({ level: "warn" }) });
  await ensureStorageResources(services.storage);
  const settings = readHostSettings();
  const host = await startLocalHost({
    triggers,
    services,
    port: 0,
    settings: { ...settings, queues: { ...settings.queues, maxPollingIntervalInMs: 100 } },
    enableQueues: true,
    enableTimers: false,
  });
  const api = (p: string, init?: RequestInit) => fetch(new URL(p, host.url), init);

  const app = await github.createApp({
    name: "funcspace-bench",
    permissions: { contents: "write", pull_requests: "write", checks: "write", metadata: "read" },
    events: ["push", "pull_request", "check_run"],
    webhookUrl: `${host.url}/api/github/webhooks`,
  });
  await saveAppCredentials(services.secrets, { appId: app.id, slug: app.slug, privateKey: app.pem, clientId: app.clientId, clientSecret: app.clientSecret, webhookSecret: app.webhookSecret });
  const installation = await github.createInstallation(app.id, { account: "octo-user", repositories: [repo.fullName] });
  const now = new Date().toISOString();
  await services.connections.create({
    connectionId: randomUUID(),
    kind: "app",
    repository: repo.fullName,
    branch: "main",
    installationId: installation.id,
    deliveryMode: "webhook",
    state: "Connecting",
    createdAt: now,
    updatedAt: now,
  });
  console.log(`bench/pull-checks: syncing the ${FILES}-file repository once…`);
  await api("/api/github/sync", { method: "POST" });
  for (;;) {
    const status = (await (await api("/api/github/connection")).json()) as ConnectionStatus;
    if (status.appliedSha === base && status.state === "Ready") break;
    if (status.state === "Failed") throw new Error(`the first sync failed: ${status.stateReason}`);
    await new Promise((r) => setTimeout(r, 250));
  }

  const latencies: number[] = [];
  const parts: NonNullable<PullCheck["timings"]>[] = [];
  const floors: number[] = [];
  for (let p = 1; p <= PULLS; p++) {
    const branch = `change-${p}`;
    await run("git", ["-C", repo.bareDir, "branch", branch, base]);
    const changes: Record<string, string> = {};
    for (let i = 0; i < CHANGED; i++) changes[`flows/w${String(i).padStart(3, "0")}.ts`] = workflow(i, p + 1);
    const head = await repo.commit(changes, { branch, message: `change ${p}` });

    const start = performance.now();
    const { data: pull } = await owner.request("POST /repos/{owner}/{repo}/pulls", { owner: "octo-user", repo: "bench-checks", title: `Change ${p}`, head: branch, base: "main" });
    for (;;) {
      const done = github.checkRuns(repo.fullName).find((r) => r.headSha === head && r.status === "completed");
      if (done) {
        if (done.conclusion !== "success") throw new Error(`check of ${head.slice(0, 7)} concluded ${done.conclusion}: ${done.output.title}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    latencies.push(performance.now() - start);
    for (;;) {
      const row = ((await (await api("/api/github/pull-checks")).json()) as PullCheckList).checks.find((c) => c.number === pull.number && c.status === "completed");
      if (row?.timings) {
        parts.push(row.timings);
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }

    // The floor of the job's GitHub reads: the same trees and blobs with plain Octokit (installation token), 8 at a time.
    const token = (await owner.request("POST /app/installations/{installation_id}/access_tokens", { installation_id: installation.id }).catch(() => undefined))?.data.token;
    const reader = token ? new Octokit({ auth: token, baseUrl: github.apiUrl }) : owner;
    const floorStart = performance.now();
    const [, headTree] = await Promise.all(
      [base, head].map((sha) => reader.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", { owner: "octo-user", repo: "bench-checks", tree_sha: sha, recursive: "1" })),
    );
    const blobs = headTree!.data.tree.filter((e) => e.path?.startsWith("flows/")).map((e) => e.sha!);
    for (let i = 0; i < blobs.length; i += 8) {
      await Promise.all(blobs.slice(i, i + 8).map((sha) => reader.request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", { owner: "octo-user", repo: "bench-checks", file_sha: sha })));
    }
    floors.push(performance.now() - floorStart);
    console.log(`  pull request ${p}: ${round(latencies.at(-1)! / 1000, 2)} s (${JSON.stringify(parts.at(-1))}), GitHub reads alone ${round(floors.at(-1)!)} ms`);
  }
  await host.close();
  await services.engine.close();

  const part = (key: keyof NonNullable<PullCheck["timings"]>) => round(median(parts.map((t) => t[key])));
  const p50 = median(latencies);
  const markdown = [
    "## Pull request checks (`bench/pull-checks`)",
    "",
    machineLine(),
    "",
    `A pull request changing ${CHANGED} workflow files of a ${FILES}-file repository, from \`POST …/pulls\` on the GitHub stand-in to its check run`,
    `completed (webhook, check run created, queue, job, check run completed), ${PULLS} pull requests in a row, each checked whole.`,
    "",
    table(
      ["", "median", "p90"],
      [
        ["delivery → check completed", `${round(p50 / 1000, 2)} s`, `${round(percentile(latencies, 90) / 1000, 2)} s`],
        ["  job: two trees", `${part("treesMs")} ms`, ""],
        ["  job: the head's blobs", `${part("fetchMs")} ms`, ""],
        ["  job: discovery in the runner (draft thread, overlay)", `${part("discoveryMs")} ms`, ""],
        ["  job: TypeScript check", `${part("typeCheckMs")} ms`, ""],
        ["  job: total", `${part("totalMs")} ms`, ""],
        ["baseline: the same trees and blobs with plain Octokit", `${round(median(floors))} ms`, `${round(percentile(floors, 90))} ms`],
      ],
    ),
    "",
    `Goal p50 < 5 s: **${p50 < 5000 ? "met" : "not met"}**.`,
  ].join("\n");
  console.log(`\n${markdown}\n`);
  if (shouldWrite) await writeSection("pull-checks", markdown);
} finally {
  await github.close();
  await azurite.stop();
  await rm(root, { recursive: true, force: true });
}
