import { describe, expect, it } from "vitest";
import { KnownSecretValues } from "./known-secret-values.js";

describe("KnownSecretValues", () => {
  it("blanks every occurrence of a known value, raw and JSON-escaped", () => {
    const known = new KnownSecretValues();
    known.add("ghp_abcdefghijklmnop");
    known.add("-----BEGIN KEY-----\nMIIE\n-----END KEY-----");
    const line = JSON.stringify({ msg: "failed ghp_abcdefghijklmnop twice: ghp_abcdefghijklmnop", key: "-----BEGIN KEY-----\nMIIE\n-----END KEY-----" });
    const scrubbed = known.scrub(line);
    expect(scrubbed).not.toContain("ghp_abcdefghijklmnop");
    expect(scrubbed).not.toContain("MIIE");
    expect(JSON.parse(scrubbed)).toEqual({ msg: "failed [redacted] twice: [redacted]", key: "[redacted]" });
  });

  it("ignores short values and undefined, and replaces the longer of overlapping values first", () => {
    const known = new KnownSecretValues();
    known.add("12345");
    known.add(undefined);
    known.add("token-value");
    known.add("token-value-longer");
    expect(known.scrub("app 12345 token-value-longer token-value")).toBe("app 12345 [redacted] [redacted]");
  });

  it("stays bounded, forgetting the oldest values first", () => {
    const known = new KnownSecretValues();
    for (let i = 0; i < 1001; i++) known.add(`secret-value-${String(i).padStart(4, "0")}`);
    expect(known.scrub("secret-value-0000")).toBe("secret-value-0000");
    expect(known.scrub("secret-value-1000")).toBe("[redacted]");
  });
});
