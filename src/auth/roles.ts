// What a route requires and what a user holds. Invited roles nest: admin ⊃ operator ⊃ reader. `signedIn` is
// "any signed-in person, invited or not" and is only ever enough for "who am I"; `anonymous` is for GitHub's
// webhooks, a liveness answer and the steps of signing in.

/** Roles a person can be invited with, weakest first. */
export const INVITED_ROLES = ["reader", "operator", "admin"] as const satisfies readonly InvitedRole[];
export type { InvitedRole } from "../api-types.js";
import type { InvitedRole } from "../api-types.js";

/** What a route declares. */
export type Role = "anonymous" | "signedIn" | InvitedRole;

/** Every role a route may declare, in order of strength (the route table test walks this list). */
export const ROUTE_ROLES: readonly Role[] = ["anonymous", "signedIn", ...INVITED_ROLES];

/** The granted roles with the ones they imply (admin → operator → reader), weakest first, no duplicates. */
export function expandRoles(granted: Iterable<string>): InvitedRole[] {
  let strongest = -1;
  for (const role of granted) strongest = Math.max(strongest, INVITED_ROLES.indexOf(role as InvitedRole));
  return INVITED_ROLES.slice(0, strongest + 1);
}

/** The strongest invited role, or `undefined` for a signed-in person with none. */
export function strongestRole(roles: readonly InvitedRole[]): InvitedRole | undefined {
  return expandRoles(roles).at(-1);
}

export function isInvitedRole(value: unknown): value is InvitedRole {
  return typeof value === "string" && (INVITED_ROLES as readonly string[]).includes(value);
}
