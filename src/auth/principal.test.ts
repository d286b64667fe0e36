import { describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import { getPrincipal, LOCAL_PRINCIPAL, requireRole, type Role } from "./principal.js";

const headers = (value?: string) => ({ get: (name: string) => (name === "x-ms-client-principal" ? (value ?? null) : null) });
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64");

describe("getPrincipal", () => {
  it("treats every caller as the local admin in local mode", () => {
    expect(getPrincipal(headers(), "local")).toBe(LOCAL_PRINCIPAL);
    expect(LOCAL_PRINCIPAL.roles).toContain("admin");
  });

  it("reads the Static Web Apps principal header", () => {
    const principal = getPrincipal(
      headers(encode({ identityProvider: "github", userId: "u1", userDetails: "octocat", userRoles: ["anonymous", "authenticated", "admin"] })),
      "swa",
    );
    expect(principal).toEqual({ identityProvider: "github", userId: "u1", userDetails: "octocat", roles: ["anonymous", "authenticated", "admin"] });
  });

  it.each([
    ["no header", undefined],
    ["not base64 JSON", "%%%"],
    ["JSON that is not an object", encode("admin")],
    ["no userId", encode({ userRoles: ["authenticated"] })],
    ["not authenticated", encode({ userId: "u1", userRoles: ["anonymous"] })],
  ])("is anonymous with %s", (_label, value) => {
    expect(getPrincipal(headers(value), "swa")).toBeUndefined();
  });
});

describe("requireRole", () => {
  const user = { identityProvider: "github", userId: "u", userDetails: "u", roles: ["anonymous", "authenticated"] };
  const admin = { ...user, roles: [...user.roles, "admin"] };
  it.each<[Role, typeof user | undefined, number | undefined]>([
    ["anonymous", undefined, undefined],
    ["authenticated", undefined, 401],
    ["authenticated", user, undefined],
    ["admin", undefined, 401],
    ["admin", user, 403],
    ["admin", admin, undefined],
  ])("%s with %o → %s", (role, principal, status) => {
    let thrown: unknown;
    try {
      requireRole(principal, role);
    } catch (error) {
      thrown = error;
    }
    expect(thrown === undefined ? undefined : (thrown as AppError).status).toBe(status);
  });
});
