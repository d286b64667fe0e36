import { describe, expect, it } from "vitest";
import { drainBody } from "./drain-body.js";

async function* body(chunks: number, fail = false): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < chunks; i++) yield new Uint8Array(100);
  if (fail) throw new Error("client went away");
}

describe("drainBody", () => {
  it("reads a body to its end", async () => {
    const iterator = body(5);
    expect(await drainBody(iterator, 1000)).toBe(true);
    expect((await iterator.next()).done).toBe(true);
  });

  it("stops past the cap and says so", async () => {
    const iterator = body(50);
    expect(await drainBody(iterator, 1000)).toBe(false);
    expect((await iterator.next()).done).toBe(false);
  });

  it("reports a body that broke off", async () => {
    expect(await drainBody(body(2, true), 1000)).toBe(false);
  });
});
