// Property: after any sequence of commits, a sync leaves the workspace equal to `git archive` of the commit
// extracted by `tar` (see support/sync-equivalence-property.ts), on the local disk. test/sync-smb.test.ts
// checks the same property on an SMB share. SYNC_PROPERTY_RUNS raises the number of random sequences
// (default 4: the run stays short).
import { afterAll, beforeAll, describe, it } from "vitest";
import { startGitHubStandIn, type GitHubStandIn } from "./support/github-stand-in/index.js";
import { checkSyncEquivalence } from "./support/sync-equivalence-property.js";

const RUNS = Number(process.env.SYNC_PROPERTY_RUNS ?? 4);

let github: GitHubStandIn;
beforeAll(async () => {
  github = await startGitHubStandIn();
});
afterAll(async () => {
  await github.close();
});

describe("workspace equals git archive after every sync", () => {
  it("holds for random commit sequences through both fetch paths", async () => {
    await checkSyncEquivalence(github, { runs: RUNS });
  }, 600_000);
});
