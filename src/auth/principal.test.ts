import { describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import { hasRole, LOCAL_PRINCIPAL, readSwaPrincipal, requireRole, type Principal } from "./principal.js";
import type { Role } from "./roles.js";

const headers = (value?: string) => ({ get: (name: string) => (name === "x-ms-client-principal" ? (value ?? null) : null) });
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64");

describe("readSwaPrincipal", () => {
  it("reads the Static Web Apps principal header, keeping only invited roles (expanded)", () => {
    const principal = readSwaPrincipal(
      headers(encode({ identityProvider: "github", userId: "u1", userDetails: "octocat", userRoles: ["anonymous", "authenticated", "operator", "owner"] })),
    );
    expect(principal).toEqual({ identityProvider: "swa:github", userId: "u1", userDetails: "octocat", roles: ["reader", "operator"] });
  });

  it("gives a signed-in user without an invitation no role at all", () => {
    expect(readSwaPrincipal(headers(encode({ userId: "u1", userRoles: ["anonymous", "authenticated"] })))?.roles).toEqual([]);
  });

  it.each([
    ["no header", undefined],
    ["not base64 JSON", "%%%"],
    ["JSON that is not an object", encode("admin")],
    ["no userId", encode({ userRoles: ["authenticated", "admin"] })],
    ["not authenticated", encode({ userId: "u1", userRoles: ["anonymous", "admin"] })],
    [
      "two headers joined by a proxy (halves spliced by a lenient decoder)",
      (() => {
        const whole = encode({ userId: "u1", userRoles: ["authenticated", "admin"] });
        return `${whole.slice(0, 20)}, ${whole.slice(20)}`;
      })(),
    ],
    ["base64 with whitespace inside", `${encode({ userId: "u1", userRoles: ["authenticated", "admin"] }).slice(0, 8)} ${encode({ userId: "u1", userRoles: ["authenticated", "admin"] }).slice(8)}`],
    ["a header too large to be SWA's", encode({ userId: "u1", userRoles: ["authenticated", "admin"], pad: "x".repeat(20_000) })],
  ])("is anonymous with %s", (_label, value) => {
    expect(readSwaPrincipal(headers(value))).toBeUndefined();
  });
});

describe("requireRole", () => {
  const person = (roles: Principal["roles"]): Principal => ({ identityProvider: "github", userId: "u", userDetails: "u", roles });
  const uninvited = person([]);
  const reader = person(["reader"]);
  const operator = person(["reader", "operator"]);
  const admin = person(["reader", "operator", "admin"]);
  // Every route role × every kind of caller: the status each gets (undefined = let in).
  const table: [Role, Principal | undefined, number | undefined, string?][] = [
    ["anonymous", undefined, undefined],
    ["signedIn", undefined, 401],
    ["signedIn", uninvited, undefined],
    ["reader", undefined, 401],
    ["reader", uninvited, 403, "not_invited"],
    ["reader", reader, undefined],
    ["operator", reader, 403, "forbidden"],
    ["operator", operator, undefined],
    ["admin", operator, 403, "forbidden"],
    ["admin", admin, undefined],
    ["admin", LOCAL_PRINCIPAL, undefined],
  ];
  it.each(table)("%s with %o → %s", (role, principal, status, code) => {
    let thrown: unknown;
    try {
      requireRole(principal, role);
    } catch (error) {
      thrown = error;
    }
    expect(thrown === undefined ? undefined : (thrown as AppError).status).toBe(status);
    if (code) expect((thrown as AppError).code).toBe(code);
    expect(hasRole(principal, role)).toBe(status === undefined);
  });
});
