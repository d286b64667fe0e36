import { describe, expect, it } from "vitest";
import { PROBE_PREFIX } from "../health/folder-check.js";
import { assertVisiblePath, isHiddenName, isPlatformTempName, TEMP_PREFIX } from "./hidden-names.js";

describe("hidden names", () => {
  it.each([".DS_Store", "._report.ts", "Thumbs.db", "desktop.ini", ".funcspace-sync-1a2b3c4d", `${TEMP_PREFIX}abc`, `${PROBE_PREFIX}abc`])("hides %j", (name) => {
    expect(isHiddenName(name)).toBe(true);
    expect(() => assertVisiblePath(`a/${name}`)).toThrow(/reserved name/);
  });

  it.each([".env", ".github", "_private.ts", "DS_Store", "thumbs.db.ts", "a.DS_Store"])("shows %j", (name) => {
    expect(isHiddenName(name)).toBe(false);
    expect(() => assertVisiblePath(`a/${name}`)).not.toThrow();
  });

  it("marks only our own temp and probe files as removable", () => {
    expect(isPlatformTempName(`${TEMP_PREFIX}x`)).toBe(true);
    expect(isPlatformTempName(`${PROBE_PREFIX}x`)).toBe(true);
    expect(isPlatformTempName(".DS_Store")).toBe(false);
    expect(isPlatformTempName(".funcspace-sync-1a2b3c4d")).toBe(false);
  });
});
