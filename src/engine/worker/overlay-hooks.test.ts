// The draft overlay's load hook (overlay-hooks.ts) run as Node runs it: its data: URL imported by a real Node
// process (not vitest's transform), given a draft's files the way they reach it (views on one shared buffer, as
// the runner's IPC message leaves them). Node 24 transfers the buffer of a source a hook returns, so the hook must
// never hand over the draft's own bytes: the next file of the same draft would then be a view on a detached buffer
// (DataCloneError, the draft run failed). Checked here on whatever Node runs the tests: each source is a copy.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { overlayHooksUrl } from "./overlay-hooks.js";

const script = String.raw`
const [hooksUrl, root] = process.argv.slice(1);
const hooks = await import(hooksUrl);
const shared = new TextEncoder().encode("export default 1;\n{ \"a\": 2 }\n");
const files = new Map([
  [root + "/one.ts", new Uint8Array(shared.buffer, 0, 18)],
  [root + "/two.json", new Uint8Array(shared.buffer, 18, 11)],
  [root + "/gone.ts", null],
]);
await hooks.initialize({ files });
const next = async (url) => ({ format: "module", source: "from disk: " + url, shortCircuit: true });
const answer = {};
for (const name of ["one.ts", "two.json", "other.ts"]) {
  const loaded = await hooks.load("file://" + root + "/" + name, {}, next);
  const source = loaded.source;
  answer[name] = {
    format: loaded.format,
    text: typeof source === "string" ? source : new TextDecoder().decode(source),
    sharesTheDraftsBuffer: typeof source !== "string" && source.buffer === shared.buffer,
  };
}
try {
  await hooks.load("file://" + root + "/gone.ts", {}, next);
  answer.gone = "loaded";
} catch (error) {
  answer.gone = error.code;
}
console.log(JSON.stringify(answer));
`;

describe("the draft overlay's load hook", () => {
  it("serves a draft's files as copies of their bytes, with their format, and refuses a deleted one", () => {
    // Paths only: nothing is read from or written to this folder (the hook's `next` answers for files not drafted).
    const root = "/tmp/overlay-hooks-test";
    const output = execFileSync(process.execPath, ["--input-type=module", "-e", script, overlayHooksUrl, root], { encoding: "utf8" });
    expect(JSON.parse(output)).toEqual({
      "one.ts": { format: "module-typescript", text: "export default 1;\n", sharesTheDraftsBuffer: false },
      "two.json": { format: "json", text: '{ "a": 2 }\n', sharesTheDraftsBuffer: false },
      "other.ts": { format: "module", text: `from disk: file://${root}/other.ts`, sharesTheDraftsBuffer: false },
      gone: "ERR_MODULE_NOT_FOUND",
    });
  });
});
