// Live reload after a GitHub sync (issue 7): a workflow synced from the repository runs; a real push of a
// new version plus a sync changes what the very next run does, helper imports included, with no restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from "./support/github-stand-in/index.js";
import { fineGrainedToken } from "./support/pat-tokens.js";
import { startTestHost, type TestHost } from "./support/test-host.js";
import { waitFor } from "./support/wait-for.js";

const REPOSITORY = "octo-user/flows";

const workflow = `import { defineWorkflow } from "funcspace";
import { label } from "./_label.ts";

export default defineWorkflow({
  name: "versioned",
  description: "Says which version of the code ran.",
  parameters: { who: { type: "string", required: true } },
  async run({ who }) {
    return { text: label(who) };
  },
});
`;
const helper = (version: string) => `export function label(who: string): string {\n  return \`${version} for \${who}\`;\n}\n`;

describe("workflows synced from GitHub", () => {
  let github: GitHubStandIn;
  let repo: StandInRepository;
  let host: TestHost;
  const token = fineGrainedToken();

  const applied = (sha: string) =>
    waitFor(`sync of ${sha.slice(0, 7)}`, async () => {
      const record = (await host.services.connections.get())?.record;
      return record?.appliedSha === sha && record.state === "Ready" ? record : undefined;
    });
  const run = async () => {
    const response = await host.fetch("/api/workflows/versioned/runs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ params: { who: "Ada" } }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { status: string; output: unknown };
  };

  beforeAll(async () => {
    github = await startGitHubStandIn();
    repo = await github.createRepository(REPOSITORY, { private: true });
    // Contents: read only → polling mode; "Sync now" stands in for the poll.
    github.addToken(token, { type: "fine-grained", repositories: [REPOSITORY], permissions: { contents: "read" } });
    host = await startTestHost({ enableQueues: true, env: { GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl } });
  }, 60_000);
  afterAll(async () => {
    await host?.close();
    await github?.close();
  });

  it("runs the synced code, then the pushed version after the next sync", async () => {
    const first = await repo.commit({ "workflows/versioned.ts": workflow, "workflows/_label.ts": helper("v1") });
    const connected = await host.fetch("/api/github/connection", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "pat", token, repository: REPOSITORY, branch: "main" }),
    });
    expect(connected.status).toBe(201);
    await applied(first);
    expect(await run()).toMatchObject({ status: "succeeded", output: { text: "v1 for Ada" } });

    // Only the helper changes: the run must pick up the imported module's new version too.
    const second = await repo.commit({ "workflows/_label.ts": helper("v2") });
    expect((await host.fetch("/api/github/sync", { method: "POST" })).status).toBeLessThan(300);
    await applied(second);
    expect(await run()).toMatchObject({ status: "succeeded", output: { text: "v2 for Ada" } });
  });
});
