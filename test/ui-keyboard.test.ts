// Keyboard use and labels, in Chromium: the tree is reached with Tab and driven with the arrow keys, Enter,
// F2 and Delete; the editor is reached with Tab, saves with Ctrl-S and is left with Escape then Shift-Tab;
// dialogs take Enter and Escape; every form field on every page has an accessible name; leaving with unsaved
// changes asks first.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWorkspaceFile } from "./support/engine-workspace.js";
import { CHROMIUM_ARGS, CHROMIUM_PATH, saveScreenshot, startUiHost, type UiHost } from "./support/browser.js";

let host: UiHost;
beforeAll(async () => {
  host = await startUiHost();
  await writeWorkspaceFile(host.workspaceDir, "workflows/alpha.ts", "export const alpha = 1;\n");
  await writeWorkspaceFile(host.workspaceDir, "workflows/beta.ts", "export const beta = 2;\n");
  await writeWorkspaceFile(
    host.workspaceDir,
    "workflows/hello.ts",
    `import { defineWorkflow } from "funcspace";
export default defineWorkflow({
  name: "hello",
  parameters: {
    who: { type: "string", required: true, label: "Who to greet", help: "A name." },
    times: { type: "integer", default: 1 },
    loud: { type: "boolean" },
    mood: { type: "string", options: ["calm", "happy"] },
    extra: { type: "json" },
  },
  async run({ who }) { return { who }; },
});
`,
  );
  await writeWorkspaceFile(host.workspaceDir, "readme.md", "# Readme\n");
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

/** Presses Tab (or Shift-Tab) until the focused element matches, as a keyboard user would; fails after 40. */
async function tabTo(page: Page, matches: (element: Element) => boolean, options: { backwards?: boolean } = {}): Promise<void> {
  const test = `(${matches.toString()})(document.activeElement)`;
  for (let i = 0; i < 40; i++) {
    if (await page.evaluate(test)) return;
    await page.keyboard.press(options.backwards ? "Shift+Tab" : "Tab");
  }
  throw new Error("the element was not reached with the keyboard");
}

const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent ?? "");

/** Form fields without an accessible name (label, aria-label or aria-labelledby). */
function unlabelledFields(page: Page): Promise<string[]> {
  return page.locator("input, select, textarea").evaluateAll((elements) =>
    elements
      .filter((element) => {
        const field = element as HTMLInputElement;
        if (field.type === "hidden") return false;
        const named = (field.labels?.length ?? 0) > 0 || field.getAttribute("aria-label") || field.getAttribute("aria-labelledby");
        return !named;
      })
      .map((element) => element.outerHTML),
  );
}

describe("keyboard and labels", () => {
  it("drives the tree, the editor and the dialogs with the keyboard alone", async () => {
    const { page, context } = await host.newPage();
    await page.goto("/editor");
    await page.getByRole("tree", { name: "Workspace files" }).waitFor();

    // Tab reaches the tree (one tab stop); arrows move, Right opens a folder, Enter opens a file.
    await tabTo(page, (e) => e.getAttribute("role") === "treeitem");
    expect(await focusedText(page)).toContain("workflows");
    await page.keyboard.press("ArrowRight");
    await page.getByRole("treeitem", { name: "alpha.ts" }).waitFor();
    await page.keyboard.press("ArrowDown");
    expect(await focusedText(page)).toContain("alpha.ts");
    await page.keyboard.press("ArrowDown");
    expect(await focusedText(page)).toContain("beta.ts");
    await page.keyboard.press("Enter");
    await page.getByRole("tab", { name: "beta.ts" }).waitFor();
    await page.keyboard.press("ArrowLeft"); // to the parent folder
    expect(await focusedText(page)).toContain("workflows");
    await page.keyboard.press("ArrowLeft"); // closes it
    expect(await page.getByRole("treeitem", { name: "alpha.ts" }).count()).toBe(0);
    await page.keyboard.press("ArrowRight");

    // Tab reaches the editor; typing and Ctrl-S save.
    await tabTo(page, (e) => e.classList.contains("cm-content"));
    await page.keyboard.press("Control+End");
    await page.keyboard.insertText("export const gamma = 3;\n");
    await page.keyboard.press("Control+s");
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    expect(await onDisk("workflows/beta.ts")).toBe("export const beta = 2;\nexport const gamma = 3;\n");
    await saveScreenshot(page, "editor-keyboard");

    // Back to the tree: in the editor Tab and Shift-Tab indent, so Escape first (then Shift-Tab leaves, as
    // CodeMirror lets keyboard users out). F2 renames through a dialog whose field has the focus; Enter confirms.
    await page.keyboard.press("Escape");
    await tabTo(page, (e) => e.getAttribute("role") === "treeitem", { backwards: true });
    await page.keyboard.press("Home");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    expect(await focusedText(page)).toContain("beta.ts");
    await page.keyboard.press("F2");
    const rename = page.getByRole("dialog", { name: /Rename/ });
    await rename.waitFor();
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).value)).toBe("workflows/beta.ts");
    await page.keyboard.press("Control+a");
    await page.keyboard.type("workflows/bravo.ts");
    await page.keyboard.press("Enter");
    await rename.waitFor({ state: "detached" });
    await page.getByRole("treeitem", { name: "bravo.ts" }).waitFor();
    expect(await exists("workflows/bravo.ts")).toBe(true);

    // Delete asks; Escape cancels; Delete again, Tab to the Delete button, Enter deletes.
    await page.getByRole("treeitem", { name: "bravo.ts" }).focus();
    await page.keyboard.press("Delete");
    const confirm = page.getByRole("dialog", { name: "Delete file" });
    await confirm.waitFor();
    await page.keyboard.press("Escape");
    await confirm.waitFor({ state: "detached" });
    expect(await exists("workflows/bravo.ts")).toBe(true);
    await page.getByRole("treeitem", { name: "bravo.ts" }).focus();
    await page.keyboard.press("Delete");
    await confirm.waitFor();
    await tabTo(page, (e) => e.textContent === "Delete" && e.tagName === "BUTTON");
    await page.keyboard.press("Enter");
    await confirm.waitFor({ state: "detached" });
    expect(await exists("workflows/bravo.ts")).toBe(false);
    await context.close();
  }, 90_000);

  it("asks before leaving a page with unsaved changes", async () => {
    // A browser of its own: headless Chromium now and then crashes when a page whose beforeunload prompt was
    // dismissed is closed. The prompt is what this test checks; such a crash must not take the shared browser.
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    try {
      const context = await browser.newContext({ baseURL: host.url });
      const page = await context.newPage();
      await page.goto("/editor?file=readme.md");
      await page.getByRole("tab", { name: "readme.md" }).waitFor();
      await page.locator(".cm-content").click();
      await page.keyboard.insertText("draft ");
      await page.getByRole("tab", { name: /readme\.md.*unsaved/ }).waitFor();
      const asked = new Promise<string>((resolve) => page.once("dialog", (dialog) => (resolve(dialog.type()), void dialog.dismiss())));
      await page.close({ runBeforeUnload: true });
      expect(await asked).toBe("beforeunload");
      expect(page.isClosed()).toBe(false);
      expect(await onDisk("readme.md")).toBe("# Readme\n");
    } finally {
      await browser.close().catch(() => undefined);
    }
  }, 30_000);

  it("labels every form field on every page", async () => {
    const { page, context } = await host.newPage();
    await page.goto("/editor");
    await page.getByRole("tree").waitFor();
    await page.getByRole("button", { name: "New file" }).click();
    await page.getByLabel("File path").waitFor();
    expect(await unlabelledFields(page)).toEqual([]);
    await page.keyboard.press("Escape");

    await page.goto("/workflows?name=hello");
    await page.getByLabel("Who to greet").waitFor();
    for (const label of ["times", "loud", "mood", "extra"]) await page.getByLabel(label).waitFor();
    // Help text is tied to its field.
    expect(await page.getByLabel("Who to greet").getAttribute("aria-describedby")).toMatch(/help/);
    expect(await unlabelledFields(page)).toEqual([]);
    // A required field left empty is refused by the form, not sent.
    await page.getByRole("button", { name: "Run", exact: true }).click();
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).validity.valueMissing)).toBe(true);
    await saveScreenshot(page, "workflows-form");

    await page.goto("/settings/github");
    await page.getByLabel("Token", { exact: true }).waitFor();
    expect(await page.getByLabel("Token", { exact: true }).getAttribute("type")).toBe("password");
    expect(await unlabelledFields(page)).toEqual([]);

    await page.goto("/health");
    await page.getByTestId("health-status").waitFor();
    expect(await unlabelledFields(page)).toEqual([]);
    await saveScreenshot(page, "health");
    await context.close();
  }, 60_000);
});
