// Issue 21, item 1, in Chromium: "Propose changes" on a GitHub-connected workspace, end to end on the real local
// host (Azurite, the sync worker) and real git behind the GitHub stand-in. In the browser: Propose changes → edit a
// workflow, create a file, delete one → the tree marks them and the Changes panel lists them (diff, Revert) → the
// mode survives a reload → Open pull request (the check's base, head and author) → the notice links the pull
// request. Then git: the pull request's branch, fetched, is the base commit plus exactly those changes, and the
// workspace folder never changed. A save over a draft changed in another tab is refused and shown (the conflict
// dialog); a rename goes to the draft; a change pushed upstream (its webhook lost) is a conflict in the pull
// request dialog, and a token that can only read says so: in both the button stays disabled with the reason.
// "Run draft" in the run panel runs the draft's version (one only the draft has too), labelled as a draft run,
// and the workspace's when chosen.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readHostSettings } from "../local/host-json.js";
import type { ConnectionStatus, Draft } from "../src/api-types.js";
import { startUiHost, saveScreenshot, type UiHost } from "./support/browser.js";
import { expectNoHorizontalOverflow } from "./support/expect-no-horizontal-overflow.js";
import { connectPatWithRepoHook, removeRepoHooks, resetGitHubState } from "./support/github-app-fixtures.js";
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from "./support/github-stand-in/index.js";
import { classicToken } from "./support/pat-tokens.js";
import { seriousViolations } from "./support/serious-violations.js";
import { archiveState, diffWorkspace, fetchedState, type FileState } from "./support/sync-fixtures.js";
import { createTempDir } from "./support/temp-dir.js";
import { waitFor } from "./support/wait-for.js";

const run = promisify(execFile);
const hostSettings = readHostSettings();
const settings = { ...hostSettings, queues: { ...hostSettings.queues, visibilityTimeoutInMs: 200, maxPollingIntervalInMs: 100 } };
/** The machine is shared and small: every wait on the host or the sync is generous. */
const SLOW = { timeout: 60_000 };

let github: GitHubStandIn;
let host: UiHost;
let scratch: { path: string; cleanup(): Promise<void> };
let repo: StandInRepository;
let token: string | undefined;

beforeAll(async () => {
  github = await startGitHubStandIn();
  scratch = await createTempDir("ui-propose-");
  host = await startUiHost({ enableQueues: true, settings, env: { GITHUB_API_URL: github.apiUrl, GITHUB_WEB_URL: github.webUrl } });
}, 180_000);
afterAll(async () => {
  await host?.close();
  await github?.close();
  await scratch?.cleanup();
});
afterEach(async () => {
  if (token) await removeRepoHooks(github, repo.fullName, token);
  token = undefined;
});

const HELLO = (greeting: string) => `import { defineWorkflow } from "funcspace";

export default defineWorkflow({
  name: "hello",
  async run() {
    return { message: "${greeting}" };
  },
});
`;

const BASE = {
  "README.md": "# site\n",
  "flows/hello.ts": HELLO("v1"),
  "docs/old.md": "old\n",
  "bin/tool.sh": { content: "#!/bin/sh\necho v1\n", executable: true },
};

/** A fresh repository (c1), connected by a PAT with a webhook, synced; the person's draft starts empty. */
async function startConnected(collaborators: Record<string, "read" | "write"> = {}) {
  repo = await github.createRepository(`octo-user/ui-propose-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`, { private: true, collaborators });
  const c1 = await repo.commit(BASE, { message: "c1" });
  await resetGitHubState(host);
  const connected = await connectPatWithRepoHook(host, github, repo.fullName);
  token = connected.token;
  await syncTo(c1);
  expect((await host.fetch("/api/drafts/mine", { method: "DELETE" })).status).toBe(204);
  return { c1, record: connected.record };
}

async function syncTo(sha: string): Promise<void> {
  await host.fetch("/api/github/sync", { method: "POST" });
  await waitFor(
    `the workspace at ${sha.slice(0, 7)}`,
    async () => {
      const now = (await (await host.fetch("/api/github/connection")).json()) as ConnectionStatus;
      return now.appliedSha === sha && now.state === "Ready" ? now : undefined;
    },
    { timeoutInMs: 60_000 },
  );
}

const readDraft = async (): Promise<Draft> => (await host.fetch("/api/drafts/mine")).json() as Promise<Draft>;

const fetchedTree = (ref: string) => fetchedState(repo, ref, scratch.path);

const render = (files: Map<string, FileState>) =>
  Object.fromEntries([...files].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, f]) => [p, `${f.executable ? "x " : ""}${f.content.toString("utf8")}`]));

/** Replaces the whole text of the editor, as a person selecting all and pasting. */
async function replaceEditorText(page: Page, text: string): Promise<void> {
  await page.locator(".cm-content").click();
  await page.keyboard.press("Control+a");
  await page.keyboard.insertText(text);
}

async function saveActiveTab(page: Page): Promise<void> {
  await page.keyboard.press("Control+s");
  await page.locator(".file-status").filter({ hasText: "Saved" }).waitFor(SLOW);
}

/** The editor on `file` in propose mode: the read-only banner's "Propose changes", then an editable editor. */
async function startProposing(page: Page, file: string): Promise<void> {
  await page.goto(`/editor?file=${encodeURIComponent(file)}`);
  await page.getByText(`Managed by GitHub: ${repo.fullName}@main`).waitFor(SLOW);
  await page.getByRole("button", { name: "Propose changes" }).click();
  await page.getByTestId("propose-banner").waitFor(SLOW);
  await expect.poll(() => page.locator(".cm-content").getAttribute("contenteditable"), SLOW).toBe("true");
}

const changedPaths = (page: Page) => page.getByTestId("changes-panel").locator("li[data-path]").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-path")));

describe("Propose changes in the editor (issue 21)", () => {
  it("keeps edits in the draft, lists them, and opens a pull request whose branch is the base plus the changes exactly", async () => {
    const { c1 } = await startConnected();
    const before = await archiveState(repo, c1, scratch.path);
    const { page, context } = await host.newPage();
    await startProposing(page, "flows/hello.ts");
    await page.locator(".cm-content").filter({ hasText: "v1" }).waitFor(SLOW);

    // Edit the workflow: saved to the draft, marked M in the tree.
    await replaceEditorText(page, HELLO("v2"));
    await saveActiveTab(page);
    await page.getByRole("treeitem", { name: /hello\.ts.*modified in your draft/ }).waitFor(SLOW);

    // A new file: created in the draft (A), written and saved there.
    await page.getByRole("button", { name: "New file" }).click();
    await page.getByLabel("File path").fill("flows/new.ts");
    await page.getByRole("button", { name: "Create" }).click();
    await page.getByRole("tab", { name: "new.ts" }).waitFor(SLOW);
    await page.getByRole("treeitem", { name: /new\.ts.*added in your draft/ }).waitFor(SLOW);
    await replaceEditorText(page, "export const fresh = true;\n");
    await saveActiveTab(page);

    // Delete a file: it stays in the tree, struck through and marked D.
    await page.getByRole("treeitem", { name: "docs" }).click();
    await page.getByRole("treeitem", { name: "old.md" }).click();
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const deleteDialog = page.getByRole("dialog", { name: "Delete file" });
    await deleteDialog.getByText("Revert under Changes brings it back").waitFor();
    await deleteDialog.getByRole("button", { name: "Delete" }).click();
    const deleted = page.getByRole("treeitem", { name: /old\.md.*deleted in your draft/ });
    await deleted.waitFor(SLOW);
    expect(await deleted.evaluate((item) => item.classList.contains("deleted"))).toBe(true);
    expect(await deleted.locator(".tree-name").evaluate((name) => getComputedStyle(name).textDecorationLine)).toBe("line-through");

    // One more change, then Revert it from the Changes panel (it asks first).
    await page.getByRole("treeitem", { name: "README.md" }).click();
    await page.locator(".cm-content").filter({ hasText: "# site" }).waitFor(SLOW);
    await replaceEditorText(page, "# changed\n");
    await saveActiveTab(page);
    await expect.poll(() => changedPaths(page), SLOW).toEqual(["README.md", "docs/old.md", "flows/hello.ts", "flows/new.ts"]);
    await page.getByRole("button", { name: "Revert README.md" }).click();
    const revert = page.getByRole("dialog", { name: "Revert this change?" });
    await revert.getByRole("button", { name: "Revert" }).click();
    await revert.waitFor({ state: "detached" });
    await expect.poll(() => changedPaths(page), SLOW).toEqual(["docs/old.md", "flows/hello.ts", "flows/new.ts"]);
    await page.locator(".cm-content").filter({ hasText: "# site" }).waitFor(SLOW);
    expect(await page.getByRole("treeitem", { name: /README\.md.*in your draft/ }).count()).toBe(0);
    const panel = page.getByTestId("changes-panel");
    expect(await panel.locator("[data-change]").evaluateAll((badges) => badges.map((badge) => badge.getAttribute("data-change")))).toEqual(["deleted", "modified", "added"]);

    // The diff of a change against the workspace.
    await page.getByRole("button", { name: "Diff of flows/hello.ts" }).click();
    const diff = page.getByRole("dialog", { name: "Changes to flows/hello.ts" });
    await expect.poll(() => diff.getByTestId("change-diff").textContent(), SLOW).toContain('message: "v2"');
    expect(await diff.getByTestId("change-diff").textContent()).toContain('message: "v1"');
    await saveScreenshot(page, "editor-propose-diff");
    await page.keyboard.press("Escape");
    await diff.waitFor({ state: "detached" });
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, "editor-propose");

    // The draft is on the server: loading the page again comes back in propose mode, with the same changes.
    await page.goto("/editor?file=flows%2Fhello.ts");
    await page.getByTestId("propose-banner").waitFor(SLOW);
    await expect.poll(() => changedPaths(page), SLOW).toEqual(["docs/old.md", "flows/hello.ts", "flows/new.ts"]);
    await page.locator(".cm-content").filter({ hasText: "v2" }).waitFor(SLOW);

    // On a phone the Changes panel is in the Files drawer.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("button", { name: "Files", exact: true }).click();
    await page.getByTestId("changes-panel").getByRole("button", { name: "Revert flows/new.ts" }).waitFor();
    await expectNoHorizontalOverflow(page);
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, "editor-propose-390");
    await page.keyboard.press("Escape");
    await page.setViewportSize({ width: 1280, height: 800 });

    // Open pull request: the check first (base, head, author), then the title.
    await page.getByRole("button", { name: "Open pull request" }).click();
    const dialog = page.getByRole("dialog", { name: "Open pull request" });
    await dialog.getByTestId("propose-author").waitFor(SLOW);
    expect(await dialog.getByTestId("propose-author").textContent()).toBe("Made with the connection's token, naming you in the commit");
    const facts = (await dialog.getByTestId("propose-check").textContent()) ?? "";
    expect(facts).toContain(c1.slice(0, 7));
    expect(facts).toContain("(the same commit)");
    expect(await dialog.getByTestId("propose-conflicts").count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByLabel("Title").fill("Say v2");
    await dialog.getByLabel("Description").fill("Because v1 was wrong.");
    await saveScreenshot(page, "editor-propose-dialog");
    await dialog.getByRole("button", { name: "Open pull request" }).click();

    // The notice links the pull request; the draft is empty, the tabs show the workspace again.
    const notice = page.getByTestId("propose-notice");
    await notice.waitFor(SLOW);
    const after = await readDraft();
    const proposal = after.lastProposal!;
    expect(after.changes).toEqual([]);
    expect(proposal.title).toBe("Say v2");
    const link = notice.getByRole("link", { name: `#${proposal.number}` });
    expect(await link.getAttribute("href")).toBe(`${github.webUrl}/${repo.fullName}/pull/${proposal.number}`);
    expect(await link.getAttribute("target")).toBe("_blank");
    expect(await notice.textContent()).toContain("Your draft is empty again");
    await page.getByTestId("changes-panel").getByText("No changes yet").waitFor(SLOW);
    await expect.poll(() => page.getByRole("tab", { name: "new.ts" }).count(), SLOW).toBe(0);
    await saveScreenshot(page, "editor-propose-opened");

    // The branch, fetched with git: c1's files plus the three changes, modes kept, nothing else.
    const expected = new Map(before);
    expected.set("flows/hello.ts", { content: Buffer.from(HELLO("v2")), executable: false });
    expected.set("flows/new.ts", { content: Buffer.from("export const fresh = true;\n"), executable: false });
    expected.delete("docs/old.md");
    expect(render(await fetchedTree(`refs/heads/${proposal.branch}`))).toEqual(render(expected));
    const parents = (await run("git", ["-C", repo.bareDir, "rev-list", "--parents", "-n", "1", proposal.commitSha])).stdout.trim().split(" ");
    expect(parents).toEqual([proposal.commitSha, c1]);
    // The workspace folder never changed.
    expect(await diffWorkspace(host.workspaceDir, before)).toEqual([]);

    // Back from GitHub's authorization (author mode `user`): ?proposed=N is said once, then leaves the address.
    await page.goto(`/editor?proposed=${proposal.number}`);
    await page.getByTestId("propose-notice").getByRole("link", { name: `#${proposal.number}` }).waitFor(SLOW);
    await expect.poll(() => page.url(), SLOW).not.toContain("proposed");
    await context.close();
  }, 300_000);

  it("shows a lost update of the draft and a file changed upstream as conflicts, the button disabled; renames in the draft; Discard all empties it", async () => {
    await startConnected();
    // Webhooks off for the next push: the workspace stays at c1 while the branch moves on.
    github.faults.loseWebhooks({ count: 1, event: "push" });
    const { page, context } = await host.newPage();
    await startProposing(page, "flows/hello.ts");
    await replaceEditorText(page, HELLO("mine"));
    await saveActiveTab(page);
    await page.getByRole("treeitem", { name: /hello\.ts.*modified in your draft/ }).waitFor(SLOW);

    // The same draft written elsewhere (another tab): this tab's save is refused (409 draft_changed) and says so.
    const elsewhere = await host.fetch("/api/drafts/mine/files/flows/hello.ts", { method: "PUT", body: HELLO("other tab") });
    expect(elsewhere.status).toBe(200);
    await replaceEditorText(page, HELLO("mine"));
    await page.keyboard.insertText("// again\n");
    await page.keyboard.press("Control+s");
    const stale = page.getByRole("dialog", { name: "This file changed on the server" });
    await stale.getByText("Your draft of flows/hello.ts changed in another tab or window").waitFor(SLOW);
    await expect.poll(() => stale.getByTestId("conflict-diff").textContent(), SLOW).toContain("other tab");
    await stale.getByRole("button", { name: "Overwrite with mine" }).click();
    await stale.waitFor({ state: "detached" });
    await page.locator(".file-status").filter({ hasText: "Saved" }).waitFor(SLOW);
    expect(await (await host.fetch("/api/drafts/mine/files/flows/hello.ts")).text()).toBe(`${HELLO("mine")}// again\n`);

    const c2 = await repo.commit({ "flows/hello.ts": HELLO("theirs") }, { message: "theirs" });

    await page.getByRole("button", { name: "Open pull request" }).click();
    const dialog = page.getByRole("dialog", { name: "Open pull request" });
    const conflicts = dialog.getByTestId("propose-conflicts");
    await conflicts.waitFor(SLOW);
    expect(await conflicts.textContent()).toContain(`"flows/hello.ts" was changed on main (now at ${c2.slice(0, 7)})`);
    expect((await dialog.getByTestId("propose-check").textContent()) ?? "").toContain("(main has moved on since)");
    const submit = dialog.getByRole("button", { name: "Open pull request" });
    await dialog.getByLabel("Title").fill("Mine");
    expect(await submit.isDisabled()).toBe(true);
    const reason = dialog.locator("#propose-blocked");
    expect(await reason.textContent()).toContain("changed since you started");
    expect(await submit.getAttribute("aria-describedby")).toBe("propose-blocked");
    await saveScreenshot(page, "editor-propose-conflict");
    await dialog.getByRole("button", { name: "Cancel" }).click();

    // A rename in the draft: the old path deleted, the new one added and saying where it came from.
    await page.getByRole("treeitem", { name: "README.md" }).click();
    await page.getByRole("button", { name: "Rename", exact: true }).click();
    await page.getByLabel("New path").fill("docs/readme.md");
    await page.getByRole("dialog", { name: /^Rename or move / }).getByRole("button", { name: "Rename", exact: true }).click();
    await page.getByRole("tab", { name: "readme.md" }).waitFor(SLOW);
    await expect.poll(() => changedPaths(page), SLOW).toEqual(["README.md", "docs/readme.md", "flows/hello.ts"]);
    await page.getByTestId("changes-panel").getByText("(renamed from README.md)").waitFor();
    await page.getByRole("treeitem", { name: /README\.md.*deleted in your draft/ }).waitFor(SLOW);
    expect(await (await host.fetch("/api/drafts/mine/files/docs/readme.md")).text()).toBe("# site\n");

    // Discard all asks first, then the draft is empty and the tabs show the workspace's versions again.
    await page.getByRole("button", { name: "Discard all" }).click();
    await page.getByRole("dialog", { name: "Discard all changes?" }).getByRole("button", { name: "Discard all" }).click();
    await page.getByTestId("changes-panel").getByText("No changes yet").waitFor(SLOW);
    await expect.poll(() => page.getByRole("tab", { name: "readme.md" }).count(), SLOW).toBe(0);
    await page.getByRole("tab", { name: "hello.ts" }).click();
    await page.locator(".cm-content").filter({ hasText: "v1" }).waitFor(SLOW);
    expect((await readDraft()).changes).toEqual([]);
    await context.close();
  }, 240_000);

  it("says that a token that can only read cannot propose, and shows GitHub's refusal sent back to the editor", async () => {
    github.addUser("reed");
    const { record } = await startConnected({ reed: "read" });
    const { page, context } = await host.newPage();
    await startProposing(page, "flows/hello.ts");
    await replaceEditorText(page, HELLO("v2"));
    await saveActiveTab(page);
    // The connection's token now belongs to someone with read access only.
    const reader = classicToken();
    github.addToken(reader, { type: "classic", scopes: ["repo"], login: "reed" });
    await host.services.secrets.set(record.tokenSecretName!, reader);

    await page.getByRole("button", { name: "Open pull request" }).click();
    const dialog = page.getByRole("dialog", { name: "Open pull request" });
    const reason = dialog.locator("#propose-blocked");
    await expect.poll(() => reason.textContent(), SLOW).toContain("can only read");
    expect(await dialog.getByRole("button", { name: "Open pull request" }).isDisabled()).toBe(true);
    await dialog.getByRole("button", { name: "Cancel" }).click();

    // GitHub's round trip refused (the sign-in callback's ?proposeError=): said once, the draft kept.
    await page.goto("/editor?proposeError=GitHub%20authorized%20someone%20else.");
    const notice = page.getByTestId("propose-notice");
    await notice.getByText("GitHub authorized someone else.").waitFor(SLOW);
    await expect.poll(() => page.url(), SLOW).not.toContain("proposeError");
    await page.getByTestId("propose-banner").waitFor(SLOW);
    expect((await readDraft()).changes.map((change) => change.path)).toEqual(["flows/hello.ts"]);
    await context.close();
  }, 240_000);
  it("runs the draft's version of a workflow from the run panel (one only the draft has too), and the workspace's when chosen", async () => {
    await startConnected();
    const { page, context } = await host.newPage();
    await startProposing(page, "flows/hello.ts");
    await replaceEditorText(page, HELLO("draft v2"));
    await page.getByRole("button", { name: "Run…" }).click();
    const panel = page.locator(".run-panel");
    await panel.getByRole("heading", { name: /Run draft of hello/ }).waitFor(SLOW);
    // Unsaved text is saved to the draft first, then the draft's version runs; the run says it was a draft run.
    await panel.getByRole("button", { name: "Run draft" }).click();
    await expect.poll(() => panel.getByTestId("run-output").textContent(), SLOW).toContain("draft v2");
    await panel.getByTestId("draft-run").waitFor();
    expect(await panel.getByTestId("run-draft").textContent()).toBe("draft run");
    expect(await panel.getByRole("link", { name: "Edit and re-run" }).count()).toBe(0);
    expect(await (await host.fetch("/api/drafts/mine/files/flows/hello.ts")).text()).toBe(HELLO("draft v2"));
    await saveScreenshot(page, "editor-propose-run-draft");
    expect(await seriousViolations(page)).toEqual([]);

    // The workspace's version, when chosen.
    await panel.getByLabel("The workspace, as synced").check();
    await panel.getByRole("heading", { name: /^Run hello/ }).waitFor(SLOW);
    await panel.getByRole("button", { name: "Run", exact: true }).click();
    await expect.poll(() => panel.getByTestId("run-output").textContent(), SLOW).toContain('"v1"');
    expect(await panel.getByTestId("draft-run").count()).toBe(0);

    // A workflow only the draft has: listed from the draft (GET /api/drafts/mine/workflows), and run from it.
    await page.getByRole("button", { name: "New workflow" }).click();
    await page.getByLabel("Workflow file").fill("flows/added.ts");
    await page.getByRole("button", { name: "Create" }).click();
    await page.getByRole("tab", { name: "added.ts" }).waitFor(SLOW);
    await page.getByRole("treeitem", { name: /added\.ts.*added in your draft/ }).waitFor(SLOW);
    await page.getByRole("button", { name: "Run…" }).click();
    await panel.getByText("does not define a workflow in the workspace").waitFor(SLOW);
    await panel.getByLabel("Your draft (saved first)").check();
    await panel.getByRole("heading", { name: /Run draft of added/ }).waitFor(SLOW);
    await panel.getByLabel("Input").fill("from the draft");
    await panel.getByRole("button", { name: "Run draft" }).click();
    await expect.poll(() => panel.getByTestId("run-output").textContent(), SLOW).toContain("from the draft");
    await panel.getByTestId("draft-run").waitFor();
    await context.close();
  }, 240_000);
});
