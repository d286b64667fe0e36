import { stat, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTempDir } from "../../test/support/temp-dir.js";
import { LocalSecretStore } from "./local-secret-store.js";

describe("LocalSecretStore", () => {
  let dir: Awaited<ReturnType<typeof createTempDir>>;
  let file: string;
  beforeEach(async () => {
    dir = await createTempDir();
    file = path.join(dir.path, "nested", "secrets.json");
  });
  afterEach(() => dir.cleanup());

  it("sets, gets, lists and deletes, in a 0600 file", async () => {
    const store = new LocalSecretStore(file);
    expect(await store.get("github-pat")).toBeUndefined();
    await store.set("github-pat", "ghp_value");
    await store.set("webhook-secret", "s3cret");
    expect(await store.get("github-pat")).toBe("ghp_value");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const names: string[] = [];
    for await (const name of store.listNames()) names.push(name);
    expect(names).toEqual(["github-pat", "webhook-secret"]);
    await store.delete("github-pat");
    await store.delete("github-pat"); // absent: still succeeds
    expect(await store.get("github-pat")).toBeUndefined();
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ "webhook-secret": "s3cret" });
  });

  it("loses no write when many happen at once", async () => {
    const store = new LocalSecretStore(file);
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.set(`s${i}`, `v${i}`)));
    const all = JSON.parse(await readFile(file, "utf8")) as Record<string, string>;
    expect(Object.keys(all)).toHaveLength(40);
  });

  it("rejects names Key Vault would reject", async () => {
    const store = new LocalSecretStore(file);
    await expect(store.set("bad name", "x")).rejects.toThrow(TypeError);
    await expect(store.get("../etc/passwd")).rejects.toThrow(TypeError);
  });

  it("says which file is broken without quoting it", async () => {
    const store = new LocalSecretStore(file);
    await store.set("a", "b");
    await writeFile(file, '{"a": "ghp_leak" broken');
    const error = await store.get("a").catch((e: Error) => e);
    expect(String(error)).toContain(file);
    expect(String(error)).not.toContain("ghp_leak");
  });
});
