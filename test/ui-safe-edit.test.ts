// Safe editing (issue 20, item 2) in Chromium against the real local host: the conflict dialog shows a diff,
// focuses the safe choice, and neither Escape nor Enter discards the browser's text; "Reload theirs" can be
// undone; a tab notices a change made elsewhere when the window regains focus; a rename onto an existing file
// asks in words and overwrites when told to; a copy of a workflow gets a name of its own, so the original
// keeps loading.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkflowListing } from "../src/engine/workflow-catalog.js";
import { saveScreenshot, startUiHost, type UiHost } from "./support/browser.js";
import { writeWorkspaceFile } from "./support/engine-workspace.js";

let host: UiHost;
beforeAll(async () => {
  host = await startUiHost();
}, 120_000);
afterAll(async () => {
  await host?.close();
});

const onDisk = (relative: string) => readFile(path.join(host.workspaceDir, relative), "utf8");
const exists = (relative: string) =>
  stat(path.join(host.workspaceDir, relative)).then(
    () => true,
    () => false,
  );
const put = (relative: string, text: string) => writeWorkspaceFile(host.workspaceDir, relative, text);

/** The main editor (not the diff's), line by line. */
const editor = (page: Page) => page.locator(".code-host .cm-content");
const editorText = async (page: Page) => (await editor(page).locator(".cm-line").allTextContents()).join("\n");
async function setEditorText(page: Page, text: string): Promise<void> {
  await editor(page).click();
  await page.keyboard.press("Control+a");
  await page.keyboard.insertText(text);
}
const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent?.trim() ?? "");

/** Two tabs on one file; the first saves `theirs`, the second types `mine` and saves: the conflict dialog. */
async function openTwice(file: string): Promise<{ first: Page; second: Page; context: BrowserContext }> {
  const { page: first, context } = await host.newPage();
  const second = await context.newPage();
  for (const page of [first, second]) {
    await page.goto(`/editor?file=${file}`);
    await page.getByRole("tab", { name: path.basename(file) }).waitFor();
    await expect.poll(() => editorText(page)).not.toBe("");
  }
  return { first, second, context };
}
async function conflict(first: Page, second: Page, theirs: string, mine: string): Promise<Locator> {
  await setEditorText(first, theirs);
  await first.keyboard.press("Control+s");
  await first.getByRole("status").filter({ hasText: "Saved" }).waitFor();
  await setEditorText(second, mine);
  await second.keyboard.press("Control+s");
  const dialog = second.getByRole("dialog", { name: "This file changed on the server" });
  await dialog.waitFor();
  return dialog;
}

describe("safe editing", () => {
  it("shows a diff in the conflict dialog, focuses Keep editing, and Escape or Enter keeps the editor's text", async () => {
    await put("notes.md", "# Notes\nshared line\n");
    const { first, second, context } = await openTwice("notes.md");
    const theirs = "# Notes\nshared line\ntheirs added this\n";
    const mine = "# Notes\nshared line\nmine added this\n";
    let dialog = await conflict(first, second, theirs, mine);

    // Side by side: my text on the left, the server's on the right, the changed line marked.
    const sides = dialog.getByTestId("conflict-diff").locator(".cm-mergeViewEditor");
    await expect.poll(() => sides.count()).toBe(2);
    await expect.poll(() => sides.nth(0).locator(".cm-content").textContent()).toContain("mine added this");
    await expect.poll(() => sides.nth(1).locator(".cm-content").textContent()).toContain("theirs added this");
    expect(await dialog.locator(".cm-changedLine").count()).toBeGreaterThan(0);
    await expect.poll(() => focusedText(second)).toBe("Keep editing");
    await saveScreenshot(second, "editor-conflict-diff");

    // Escape: the dialog closes, the text is mine, nothing was written, and a notice says what happened.
    await second.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await editorText(second)).toBe(mine);
    expect(await onDisk("notes.md")).toBe(theirs);
    await second.getByRole("tab", { name: /notes\.md.*unsaved/ }).waitFor();
    const notice = second.getByTestId("outdated");
    await notice.getByRole("button", { name: "Show diff" }).waitFor();

    // Saving again asks again; Enter on the focused button keeps my text too.
    await editor(second).click();
    await second.keyboard.press("Control+s");
    dialog = second.getByRole("dialog", { name: "This file changed on the server" });
    await dialog.waitFor();
    await expect.poll(() => focusedText(second)).toBe("Keep editing");
    await second.keyboard.press("Enter");
    await dialog.waitFor({ state: "detached" });
    expect(await editorText(second)).toBe(mine);
    expect(await onDisk("notes.md")).toBe(theirs);

    // Reload theirs is a click of its own, and my text can be had back: Restore, or Ctrl-Z.
    await notice.getByRole("button", { name: "Show diff" }).click();
    dialog = second.getByRole("dialog", { name: "This file changed outside this tab" });
    await dialog.getByRole("button", { name: "Reload theirs" }).click();
    await dialog.waitFor({ state: "detached" });
    await expect.poll(() => editorText(second)).toBe(theirs);
    const kept = second.getByTestId("kept-copy");
    await kept.getByRole("button", { name: "Restore my text" }).click();
    await expect.poll(() => editorText(second)).toBe(mine);
    await second.getByRole("tab", { name: /notes\.md.*unsaved/ }).waitFor();
    await editor(second).click();
    await second.keyboard.press("Control+z");
    await expect.poll(() => editorText(second)).toBe(theirs);
    await second.keyboard.press("Control+z");
    await expect.poll(() => editorText(second)).toBe(mine);
    await context.close();
  }, 120_000);

  it("notices a change made elsewhere when the window regains focus, and offers Reload or a diff", async () => {
    await put("outside.md", "one\n");
    const { page, context } = await host.newPage();
    await page.goto("/editor?file=outside.md");
    await expect.poll(() => editorText(page), { timeout: 15_000 }).toBe("one\n");
    const notice = page.getByTestId("outdated");

    // Changed through the API by someone else: nothing shows until the window comes back.
    expect((await host.fetch("/api/workspace/files/outside.md", { method: "PUT", body: "two\n" })).status).toBe(200);
    expect(await notice.count()).toBe(0);
    await page.evaluate(() => window.dispatchEvent(new Event("focus")));
    await notice.waitFor();
    await saveScreenshot(page, "editor-outside-change");
    // No unsaved edits: Reload is the primary action, and it loads the new text.
    expect(await notice.getByRole("button", { name: "Reload" }).getAttribute("class")).toContain("primary");
    expect(await editorText(page)).toBe("one\n");
    await notice.getByRole("button", { name: "Reload" }).click();
    await expect.poll(() => editorText(page)).toBe("two\n");
    await notice.waitFor({ state: "detached" });
    expect(await page.getByTestId("kept-copy").count()).toBe(0);

    // With unsaved edits: the notice offers the diff first; Escape in it keeps them.
    await setEditorText(page, "my edit\n");
    expect((await host.fetch("/api/workspace/files/outside.md", { method: "PUT", body: "three\n" })).status).toBe(200);
    await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
    await notice.getByRole("button", { name: "Show diff" }).click();
    const dialog = page.getByRole("dialog", { name: "This file changed outside this tab" });
    await expect.poll(() => dialog.getByTestId("conflict-diff").locator(".cm-mergeViewEditor").nth(1).textContent()).toContain("three");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await editorText(page)).toBe("my edit\n");
    expect(await onDisk("outside.md")).toBe("three\n");
    await context.close();
  }, 90_000);

  it("explains a rename onto an existing file in words and overwrites it when asked", async () => {
    await put("rename/a.ts", "export const a = 1;\n");
    await put("rename/b.ts", "export const b = 2;\n");
    const { page, context } = await host.newPage();
    await page.goto("/editor?file=rename/a.ts");
    await page.getByRole("treeitem", { name: "a.ts" }).click();
    await page.getByRole("button", { name: "Rename", exact: true }).click();
    await page.getByLabel("New path").fill("rename/b.ts");
    await page.getByRole("dialog", { name: /^Rename or move / }).getByRole("button", { name: "Rename", exact: true }).click();

    const confirm = page.getByRole("dialog", { name: "rename/b.ts already exists" });
    await confirm.getByText("There is already a file at rename/b.ts").waitFor();
    const wording = (await confirm.textContent()) ?? "";
    expect(wording).not.toMatch(/"overwrite"|Send /);
    // Cancel goes back to the path, nothing moved. (The path's dialog is mounted anew: its button is found inside
    // it, not as the page's last "Rename", which before it renders is the toolbar's, under the modal.)
    await confirm.getByRole("button", { name: "Cancel" }).click();
    expect(await page.getByLabel("New path").inputValue()).toBe("rename/b.ts");
    expect(await onDisk("rename/b.ts")).toBe("export const b = 2;\n");
    await page.getByRole("dialog", { name: /^Rename or move / }).getByRole("button", { name: "Rename", exact: true }).click();
    await confirm.getByRole("button", { name: "Overwrite" }).click();
    await confirm.waitFor({ state: "detached" });
    expect(await onDisk("rename/b.ts")).toBe("export const a = 1;\n");
    expect(await exists("rename/a.ts")).toBe(false);
    await page.getByRole("treeitem", { name: "a.ts" }).waitFor({ state: "detached" });
    await page.getByRole("tab", { name: "b.ts" }).waitFor();
    await context.close();
  }, 90_000);

  it("gives a saved copy of a workflow a name of its own, so the original keeps loading", async () => {
    const source = (greeting: string) =>
      `import { defineWorkflow } from "funcspace";\n\nexport default defineWorkflow({\n  name: "greet",\n  async run() {\n    return "${greeting}";\n  },\n});\n`;
    await put("flows/greet.ts", source("hello"));
    const listing = async () => (await (await host.fetch("/api/workflows")).json()) as WorkflowListing;
    const { first, second, context } = await openTwice("flows/greet.ts");

    let dialog = await conflict(first, second, source("theirs"), source("mine"));
    await dialog.getByRole("button", { name: "Save mine as a copy" }).click();
    await dialog.waitFor({ state: "detached" });
    await second.getByRole("tab", { name: "greet.mine.ts" }).waitFor();
    await second.getByText('This copy is the workflow "greet-copy"').waitFor();
    expect(await onDisk("flows/greet.mine.ts")).toBe(source("mine").replace('name: "greet"', 'name: "greet-copy"'));
    expect(await onDisk("flows/greet.ts")).toBe(source("theirs"));
    let found = await listing();
    expect(found.errors).toEqual([]);
    expect(found.workflows.map((w) => [w.name, w.file])).toEqual(
      expect.arrayContaining([
        ["greet", "flows/greet.ts"],
        ["greet-copy", "flows/greet.mine.ts"],
      ]),
    );

    // A second copy takes the next free name.
    await second.getByRole("tab", { name: "greet.ts", exact: true }).click();
    dialog = await conflict(first, second, source("theirs 2"), source("mine 2"));
    await dialog.getByRole("button", { name: "Save mine as a copy" }).click();
    await second.getByRole("tab", { name: "greet.mine-2.ts" }).waitFor();
    expect(await onDisk("flows/greet.mine-2.ts")).toContain('name: "greet-copy-2"');
    found = await listing();
    expect(found.errors).toEqual([]);
    expect(found.workflows.map((w) => w.name)).toEqual(expect.arrayContaining(["greet", "greet-copy", "greet-copy-2"]));

    // A name that is not a plain string cannot be changed for the user: the copy is refused, saying why.
    await second.getByRole("tab", { name: "greet.ts", exact: true }).click();
    const computed = (word: string) => source(word).replace('name: "greet"', 'name: ["gr", "eet"].join("")');
    dialog = await conflict(first, second, source("theirs 3"), computed("mine 3"));
    await dialog.getByRole("button", { name: "Save mine as a copy" }).click();
    await dialog.getByRole("alert").getByText(/not saved as a copy/).waitFor();
    expect(await exists("flows/greet.mine-3.ts")).toBe(false);
    await second.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await editorText(second)).toBe(computed("mine 3"));
    expect((await listing()).errors).toEqual([]);
    await context.close();
  }, 120_000);
});
