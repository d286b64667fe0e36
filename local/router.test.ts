import { describe, expect, it } from "vitest";
import { compileRoute, createRouter } from "./router.js";

describe("compileRoute", () => {
  it.each<[string, string, Record<string, string> | undefined]>([
    ["health", "/health", {}],
    ["health", "/HEALTH", {}],
    ["health", "/health/x", undefined],
    ["runs/{id}", "/runs/42", { id: "42" }],
    ["runs/{id}", "/runs", undefined],
    ["runs/{id?}", "/runs", {}],
    ["runs/{id:int}", "/runs/abc", undefined],
    ["runs/{id:int}", "/runs/7", { id: "7" }],
    ["workspace/files/{*path}", "/workspace/files/a/b/c.ts", { path: "a/b/c.ts" }],
    ["workspace/files/{*path}", "/workspace/files/a%20b/%C3%A9.ts", { path: "a b/é.ts" }],
    ["workspace/files/{*path}", "/workspace/files", { path: "" }],
    ["workflows/{name}/runs", "/workflows/hello%2Fx/runs", { name: "hello/x" }],
  ])("%s matches %s → %o", (template, path, expected) => {
    expect(compileRoute(template, null).match(path)).toEqual(expected);
  });
});

describe("createRouter", () => {
  it("prefers literal routes over parameters", () => {
    const router = createRouter([
      { template: "runs/{id}", value: "byId" },
      { template: "runs/latest", value: "latest" },
    ]);
    expect(router.match("/runs/latest").map((m) => m.route.value)).toEqual(["latest", "byId"]);
    expect(router.match("/runs/9").map((m) => m.route.value)).toEqual(["byId"]);
  });
});
