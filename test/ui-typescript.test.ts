// The editor as a small TypeScript IDE (issue 20, item 1), in Chromium against the real local host: the
// TypeScript worker is not fetched until a script file opens; then completion lists ctx.log's members and a
// helper's exports, a type error is squiggled and listed under Problems (a click jumps to it), hover shows a
// type, F12 and Ctrl-click open the helper at its definition, Tab indents and Escape-Tab leaves the editor,
// and Ctrl-Shift-F finds a file by its text.
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWorkspaceFile } from "./support/engine-workspace.js";
import { saveScreenshot, startUiHost, type UiHost } from "./support/browser.js";

let host: UiHost;

const HELPER = `// Text helpers.
export function shout(text: string): string {
  return text.toUpperCase() + "!";
}

export const WHISPER_LEVEL = 3;
`;

const WORKFLOW = `import { defineWorkflow } from "funcspace";
import { shout } from "./_text";

export default defineWorkflow({
  name: "greet",
  parameters: { who: { type: "string", required: true } },
  async run({ who }, ctx) {
    const loud = shout(who);
    return { loud };
  },
});
`;

beforeAll(async () => {
  host = await startUiHost();
  await writeWorkspaceFile(host.workspaceDir, "workflows/_text.ts", HELPER);
  await writeWorkspaceFile(host.workspaceDir, "workflows/greet.ts", WORKFLOW);
  await writeWorkspaceFile(host.workspaceDir, "notes/plan.md", "# Plan\n\nThe quokka migration starts on Monday.\n");
}, 120_000);
afterAll(async () => {
  await host?.close();
});

const isTypeScriptRequest = (request: Request) => /ts-worker|typescript/i.test(request.url());

/** Viewport coordinates of the `occurrence`-th (0-based) appearance of `text` in the editor, at its start or end. */
async function coordsOf(page: Page, text: string, options: { occurrence?: number; at?: "start" | "end" | "middle" } = {}) {
  const found = await page.evaluate(
    ({ text, occurrence, at }) => {
      const content = document.querySelector(".cm-content");
      if (!content) return undefined;
      // Text runs over several token spans: map the joined text back to the nodes that hold it.
      const nodes: Text[] = [];
      const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node as Text);
      const lines = Array.from(content.querySelectorAll(".cm-line"));
      for (const line of lines) {
        const lineNodes = nodes.filter((node) => line.contains(node));
        const joined = lineNodes.map((node) => node.data).join("");
        let index = -1;
        for (let seen = 0; seen <= occurrence; seen++) {
          index = joined.indexOf(text, index + 1);
          if (index < 0) break;
        }
        if (index < 0) {
          occurrence -= joined.split(text).length - 1;
          continue;
        }
        const offset = at === "start" ? index : at === "end" ? index + text.length : index + Math.floor(text.length / 2);
        let remaining = offset;
        for (const node of lineNodes) {
          if (remaining <= node.data.length) {
            const range = document.createRange();
            range.setStart(node, remaining);
            range.setEnd(node, remaining);
            const rect = range.getBoundingClientRect();
            return { x: rect.left + 1, y: rect.top + rect.height / 2 };
          }
          remaining -= node.data.length;
        }
      }
      return undefined;
    },
    { text, occurrence: options.occurrence ?? 0, at: options.at ?? "end" },
  );
  if (!found) throw new Error(`"${text}" is not shown in the editor`);
  return found;
}

async function clickAt(page: Page, text: string, options: { occurrence?: number; at?: "start" | "end" | "middle" } = {}) {
  const { x, y } = await coordsOf(page, text, options);
  await page.mouse.click(x, y);
}

const completionLabels = (page: Page) =>
  page.locator(".cm-tooltip-autocomplete .cm-completionLabel").evaluateAll((labels) => labels.map((label) => label.textContent ?? ""));

const cursorLine = (page: Page) => page.locator(".cm-activeLine").first().textContent();

async function openScript(page: Page, path: string) {
  await page.goto(`/editor?file=${encodeURIComponent(path)}`);
  await page.getByRole("tab", { name: path.slice(path.lastIndexOf("/") + 1) }).waitFor();
  await page.locator(".cm-content").waitFor();
  // The language service has the workspace once the problems list has been checked.
  await page.getByRole("heading", { name: /Problems \((none|\d+ error)/ }).waitFor();
}

describe("the editor's TypeScript service", () => {
  it("loads no TypeScript until a script file opens, then starts its worker", async () => {
    const { page, context } = await host.newPage();
    const requests: string[] = [];
    page.on("request", (request) => {
      if (isTypeScriptRequest(request)) requests.push(request.url());
    });
    await page.goto("/editor");
    await page.getByRole("treeitem", { name: "workflows" }).waitFor();
    await page.waitForLoadState("networkidle");
    // A Markdown file opens CodeMirror, not TypeScript.
    await page.goto("/editor?file=notes%2Fplan.md");
    await page.locator(".cm-content").filter({ hasText: "quokka" }).waitFor();
    await page.waitForLoadState("networkidle");
    expect(requests).toEqual([]);
    expect(await page.getByRole("heading", { name: /Problems/ }).count()).toBe(0);

    await page.getByRole("treeitem", { name: "workflows" }).click();
    await page.getByRole("treeitem", { name: "greet.ts" }).click();
    await page.getByRole("heading", { name: "Problems (none)" }).waitFor();
    expect(requests.filter((url) => url.includes("ts-worker"))).toHaveLength(1);
    await context.close();
  });

  it("completes ctx.log's members and a helper's exports", async () => {
    const { page, context } = await host.newPage();
    await openScript(page, "workflows/greet.ts");
    await clickAt(page, "const loud = shout(who);");
    await page.keyboard.press("Enter");
    await page.keyboard.type("ctx.log.");
    await page.locator(".cm-tooltip-autocomplete").waitFor();
    expect((await completionLabels(page)).sort()).toEqual(["debug", "error", "info", "warn"]);
    // The selected entry's signature is shown beside the list.
    await page.locator(".cm-completionInfo .cm-ts-signature").filter({ hasText: "WorkflowLogger.debug(message: string" }).waitFor();
    await page.keyboard.type("in");
    await page.keyboard.press("Enter");
    expect(await cursorLine(page)).toContain("ctx.log.info");
    await page.keyboard.type("(");
    await page.locator(".cm-ts-signature-help").filter({ hasText: "message: string" }).waitFor();
    await page.keyboard.press("Escape");

    // Inside `import { … } from "./_text"`: the helper's exports.
    await clickAt(page, 'import { shout } from "./_text";');
    await page.keyboard.press("Enter");
    await page.keyboard.insertText('import {  } from "./_text";');
    await page.keyboard.press("Home");
    for (let i = 0; i < "import { ".length; i++) await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Control+Space");
    await page.locator(".cm-tooltip-autocomplete").waitFor();
    expect(await completionLabels(page)).toEqual(expect.arrayContaining(["shout", "WHISPER_LEVEL"]));
    await saveScreenshot(page, "editor-ts-completion");
    await context.close();
  });

  it("squiggles a type error, lists it under Problems, and jumps to it from there", async () => {
    const { page, context } = await host.newPage();
    await openScript(page, "workflows/greet.ts");
    expect(await page.locator(".cm-lintRange-error").count()).toBe(0);
    await clickAt(page, "return { loud };");
    await page.keyboard.press("Enter");
    // At once, as a paste: typed key by key, a pause could show a squiggle on the half-typed line first.
    await page.keyboard.insertText("const count: number = loud;");
    const squiggle = page.locator(".cm-lintRange-error");
    await squiggle.first().waitFor();
    expect(await squiggle.first().textContent()).toBe("count");
    const problem = page.getByRole("list", { name: "Problems" }).getByRole("button");
    await problem.first().waitFor();
    expect(await problem.allTextContents()).toEqual(["workflows/greet.ts:10:11 Type 'string' is not assignable to type 'number'."]);
    await page.getByRole("heading", { name: "Problems (1 error)" }).waitFor();
    await saveScreenshot(page, "editor-ts-problem");

    // From the top of the file, the problem's button puts the cursor on its line.
    await page.keyboard.press("Control+Home");
    expect(await cursorLine(page)).toContain("import { defineWorkflow }");
    await problem.first().click();
    await expect.poll(() => cursorLine(page)).toContain("const count: number = loud;");

    // Fixed, the squiggle and the entry go.
    await clickAt(page, "number", { at: "end" });
    for (let i = 0; i < "number".length; i++) await page.keyboard.press("Backspace");
    await page.keyboard.type("string");
    await page.getByRole("heading", { name: "Problems (none)" }).waitFor();
    expect(await squiggle.count()).toBe(0);
    await context.close();
  });

  it("shows a type on hover", async () => {
    const { page, context } = await host.newPage();
    await openScript(page, "workflows/greet.ts");
    const { x, y } = await coordsOf(page, "loud", { at: "middle" });
    await page.mouse.move(x, y);
    const tooltip = page.locator(".cm-tooltip-hover");
    await tooltip.waitFor();
    expect(await tooltip.locator(".cm-ts-signature").textContent()).toBe("const loud: string");
    await context.close();
  });

  it("goes to a helper's definition with F12 and with Ctrl-click", async () => {
    const { page, context } = await host.newPage();
    await openScript(page, "workflows/greet.ts");
    await clickAt(page, "shout(who", { at: "start" });
    await page.keyboard.press("F12");
    await page.getByRole("tab", { name: "_text.ts", selected: true }).waitFor();
    await expect.poll(() => cursorLine(page)).toContain("export function shout(text: string)");
    expect(new URL(page.url()).searchParams.get("file")).toBe("workflows/_text.ts");

    await page.getByRole("tab", { name: "greet.ts" }).click();
    await page.locator(".cm-content").filter({ hasText: "defineWorkflow" }).waitFor();
    const { x, y } = await coordsOf(page, "shout", { occurrence: 0, at: "middle" });
    await page.keyboard.down("Control");
    await page.mouse.click(x, y);
    await page.keyboard.up("Control");
    await page.getByRole("tab", { name: "_text.ts", selected: true }).waitFor();
    await expect.poll(() => cursorLine(page)).toContain("export function shout(text: string)");
    await context.close();
  });

  it("indents with Tab, and leaves the editor with Escape then Tab", async () => {
    const { page, context } = await host.newPage();
    await openScript(page, "workflows/_text.ts");
    await clickAt(page, "// Text helpers.", { at: "start" });
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.classList.contains("cm-content"))).toBe(true);
    expect(await cursorLine(page)).toMatch(/^\s{2,}\/\/ Text helpers\.$/);
    await page.keyboard.press("Shift+Tab");
    expect(await cursorLine(page)).toBe("// Text helpers.");

    await page.keyboard.press("Escape");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.classList.contains("cm-content"))).toBe(false);
    expect(await page.locator(".cm-line").first().textContent()).toBe("// Text helpers.");
    await context.close();
  });

  it("finds a file by its text with Ctrl-Shift-F and opens it at the line", async () => {
    const { page, context } = await host.newPage();
    await openScript(page, "workflows/greet.ts");
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+Shift+F");
    const dialog = page.getByRole("dialog", { name: "Search files" });
    await dialog.waitFor();
    await page.keyboard.type("QUOKKA");
    const line = dialog.getByRole("button", { name: /quokka migration/ });
    await line.waitFor();
    expect(await dialog.getByRole("list", { name: "Search results" }).getByRole("button").allTextContents()).toEqual([
      "notes/plan.md",
      "3 The quokka migration starts on Monday.",
    ]);
    await line.click();
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("tab", { name: "plan.md", selected: true }).waitFor();
    await expect.poll(() => cursorLine(page)).toBe("The quokka migration starts on Monday.");
    await context.close();
  });
});
