// US-4 in Chromium, against the real local host (Azurite, worker threads, a temp workspace): create a workflow
// file in the tree, write it, save, run it from the Workflows page and see its output; edit, run again, see
// the change; rename and delete it; a run error links to the line in the editor; a file that fails to load
// is listed with its error; a save from a second tab over a stale version shows the 412 conflict dialog, and
// each of its three choices does what it says.
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveScreenshot, startUiHost, type UiHost } from "./support/browser.js";

let host: UiHost;
beforeAll(async () => {
  host = await startUiHost();
}, 120_000);
afterAll(async () => {
  await host?.close();
});

const workflowSource = (greeting: string) => `import { defineWorkflow } from "funcspace";

export default defineWorkflow({
  name: "greet",
  description: "Says hello.",
  parameters: { who: { type: "string", required: true, label: "Who to greet" } },
  async run({ who }, { log }) {
    log.info("greeting " + who);
    return { message: \`${greeting}, \${who}!\` };
  },
});
`;

const exists = (relative: string) =>
  stat(path.join(host.workspaceDir, relative)).then(
    () => true,
    () => false,
  );

/** Replaces the whole text of the editor, as a user selecting all and pasting. */
async function replaceEditorText(page: Page, text: string): Promise<void> {
  await page.locator(".cm-content").click();
  await page.keyboard.press("Control+a");
  await page.keyboard.insertText(text);
}

async function runGreet(page: Page, who: string): Promise<string> {
  await page.getByRole("link", { name: "Workflows" }).click();
  await page.getByRole("link", { name: /greet/ }).click();
  await page.getByLabel("Who to greet").fill(who);
  // The run shown now (none on arrival): the result view must change to a new run.
  const shownRun = () => page.evaluate(() => document.querySelector("[data-run-id]")?.getAttribute("data-run-id") ?? null);
  const previous = await shownRun();
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await expect.poll(shownRun, { timeout: 20_000 }).not.toBe(previous);
  return (await page.getByTestId("run-output").textContent()) ?? "";
}

describe("script editor and workflows (US-4)", () => {
  it("creates, edits, saves, runs, reruns, renames and deletes a workflow", async () => {
    const { page, context } = await host.newPage();
    await page.goto("/");
    await page.waitForURL("**/editor");
    await page.getByText("The workspace is empty").waitFor();
    await saveScreenshot(page, "editor-empty");

    // Create the file from the tree.
    await page.getByRole("button", { name: "New file" }).click();
    await page.getByLabel("File path").fill("workflows/greet.ts");
    await page.getByRole("button", { name: "Create" }).click();
    await page.getByRole("treeitem", { name: "greet.ts" }).waitFor();
    expect(await readFile(path.join(host.workspaceDir, "workflows/greet.ts"), "utf8")).toBe("");

    // Write it: the tab shows unsaved changes until Ctrl-S.
    await replaceEditorText(page, workflowSource("Hello"));
    await page.getByRole("tab", { name: /greet\.ts.*unsaved/ }).waitFor();
    await page.keyboard.press("Control+s");
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    expect(await readFile(path.join(host.workspaceDir, "workflows/greet.ts"), "utf8")).toBe(workflowSource("Hello"));
    expect(await page.getByRole("tab", { name: /unsaved/ }).count()).toBe(0);
    await saveScreenshot(page, "editor-file");

    // Run it from the Workflows page.
    expect(await runGreet(page, "Ada")).toContain('"message": "Hello, Ada!"');
    await page.getByTestId("run-logs").getByText("greeting Ada").waitFor();
    expect(await page.getByTestId("run-status").textContent()).toBe("succeeded");
    await saveScreenshot(page, "workflows-run");

    // Edit again with the Save button, run again, see the change; both runs are in the history.
    await page.getByRole("link", { name: "Editor" }).click();
    await page.getByRole("tab", { name: "greet.ts" }).waitFor();
    await replaceEditorText(page, workflowSource("Howdy"));
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    expect(await runGreet(page, "Grace")).toContain('"message": "Howdy, Grace!"');
    await expect.poll(() => page.getByRole("region", { name: "Run history" }).locator("tbody tr").count()).toBe(2);

    // Rename (a move to another folder) from the tree: the tab follows the file.
    await page.getByRole("link", { name: "Editor" }).click();
    await page.getByRole("treeitem", { name: "greet.ts" }).click();
    await page.getByRole("button", { name: "Rename" }).click();
    await page.getByLabel("New path").fill("flows/welcome.ts");
    await page.getByRole("dialog", { name: /^Rename or move / }).getByRole("button", { name: "Rename", exact: true }).click();
    await page.getByRole("treeitem", { name: "welcome.ts" }).waitFor();
    expect(await exists("flows/welcome.ts")).toBe(true);
    expect(await exists("workflows/greet.ts")).toBe(false);
    await page.getByRole("tab", { name: "welcome.ts" }).waitFor();

    // Delete, with confirmation: the file and its tab are gone.
    await page.getByRole("treeitem", { name: "welcome.ts" }).click();
    await page.getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete file" });
    await dialog.getByText("flows/welcome.ts").waitFor();
    await dialog.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("treeitem", { name: "welcome.ts" }).waitFor({ state: "detached" });
    expect(await exists("flows/welcome.ts")).toBe(false);
    expect(await page.getByRole("tab", { name: "welcome.ts" }).count()).toBe(0);
    await context.close();
  }, 120_000);

  it("lists a file that fails to load with its error, and links a run error to its line in the editor", async () => {
    await writeFile(path.join(host.workspaceDir, "broken.ts"), "export default {\n  name: 'broken',\n  run( {\n");
    await writeFile(
      path.join(host.workspaceDir, "fails.ts"),
      [
        'import { defineWorkflow } from "funcspace";',
        "",
        "export default defineWorkflow({",
        '  name: "fails",',
        "  async run() {",
        '    throw new Error("the database is on fire");',
        "  },",
        "});",
        "",
      ].join("\n"),
    );
    const { page, context } = await host.newPage();
    await page.goto("/workflows");
    const failures = page.getByRole("region", { name: "Files that failed to load" });
    await failures.getByRole("link", { name: /broken\.ts/ }).waitFor();
    await page.getByRole("link", { name: /^fails/ }).click();
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.getByTestId("run-status").filter({ hasText: "failed" }).waitFor();
    const alert = page.locator(".run-error");
    await alert.locator("p").getByText("the database is on fire").waitFor();
    await saveScreenshot(page, "workflows-error");

    // The error's file:line opens the editor on that line.
    await alert.getByRole("link", { name: "fails.ts:6" }).first().click();
    await page.waitForURL("**/editor?file=fails.ts&line=6");
    await page.getByRole("tab", { name: "fails.ts" }).waitFor();
    await expect.poll(() => page.locator(".cm-activeLine").textContent()).toContain("the database is on fire");
    await context.close();
  }, 60_000);

  it("shows the conflict dialog when a second tab saved first, and honours each choice", async () => {
    await writeFile(path.join(host.workspaceDir, "notes.md"), "# Notes\n");
    const { page: first, context } = await host.newPage();
    const second = await context.newPage();
    for (const page of [first, second]) {
      await page.goto("/editor?file=notes.md");
      await page.getByRole("tab", { name: "notes.md" }).waitFor();
      await expect.poll(() => page.locator(".cm-content").textContent()).toContain("# Notes");
    }

    const conflict = async (theirs: string, mine: string) => {
      await replaceEditorText(first, theirs);
      await first.keyboard.press("Control+s");
      await first.getByRole("status").filter({ hasText: "Saved" }).waitFor();
      await replaceEditorText(second, mine);
      await second.keyboard.press("Control+s");
      const dialog = second.getByRole("dialog", { name: "This file changed on the server" });
      await dialog.waitFor();
      return dialog;
    };
    const onDisk = () => readFile(path.join(host.workspaceDir, "notes.md"), "utf8");

    // Reload theirs: my text is replaced by what the other tab saved.
    let dialog = await conflict("theirs one", "mine one");
    await saveScreenshot(second, "editor-conflict");
    expect(await onDisk()).toBe("theirs one");
    await dialog.getByRole("button", { name: "Reload theirs" }).click();
    await dialog.waitFor({ state: "detached" });
    await expect.poll(() => second.locator(".cm-content").textContent()).toBe("theirs one");

    // Save mine as a copy: both versions are kept.
    dialog = await conflict("theirs two", "mine two");
    await dialog.getByRole("button", { name: "Save mine as a copy" }).click();
    await dialog.waitFor({ state: "detached" });
    await second.getByRole("tab", { name: "notes.mine.md" }).waitFor();
    expect(await readFile(path.join(host.workspaceDir, "notes.mine.md"), "utf8")).toBe("mine two");
    expect(await onDisk()).toBe("theirs two");

    // Overwrite with mine.
    await second.getByRole("tab", { name: "notes.md", exact: true }).click();
    dialog = await conflict("theirs three", "mine three");
    await dialog.getByRole("button", { name: "Overwrite with mine" }).click();
    await dialog.waitFor({ state: "detached" });
    await second.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    expect(await onDisk()).toBe("mine three");
    await context.close();
  }, 90_000);

  it("keeps what was typed in a name dialog when the dialog shows an error (it read the default again)", async () => {
    const { page, context } = await host.newPage();
    await page.goto("/editor");
    await page.getByRole("button", { name: "New file" }).click();
    const dialog = page.getByRole("dialog", { name: "New file" });
    const field = dialog.getByLabel("File path");
    await field.fill("../outside.ts");
    await dialog.getByRole("button", { name: "Create" }).click();
    // The refusal re-renders the dialog with its message; the field must still hold the path, to be corrected.
    await dialog.getByRole("alert").waitFor();
    expect(await field.inputValue()).toBe("../outside.ts");
    await field.fill("kept/typed.ts");
    await dialog.getByRole("button", { name: "Create" }).click();
    await page.getByRole("treeitem", { name: "typed.ts" }).waitFor();
    expect(await readFile(path.join(host.workspaceDir, "kept/typed.ts"), "utf8")).toBe("");
    await context.close();
  }, 60_000);
});
