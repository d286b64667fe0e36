// The people of the stand-in: users with a profile, their organization and team memberships, and who is
// signed in to github.com's pages.
import type { StandInState } from "./stand-in-state.js";

export type OrgRole = "member" | "admin";
export type MembershipState = "active" | "pending";
export type TeamRole = "member" | "maintainer";

export interface AddUserOptions {
  /** The account id GitHub reports (default: the next free one). Must not be another account's. */
  id?: number;
  /** Profile name (`GET /user` → `name`; default null). */
  name?: string | null;
  /** Public email (`GET /user` → `email`; default null). */
  email?: string | null;
  /** Organization memberships: `owner` = role `admin`. `pending` = invited, not yet accepted. */
  orgs?: Record<string, { role: OrgRole; state?: MembershipState }>;
  /** `"org/team-slug"` (role `member`) or `{ team: "org/team-slug", role: "maintainer" }`; the org must be in `orgs`. */
  teams?: (string | { team: string; role?: TeamRole })[];
}

export interface StandInUser {
  login: string;
  id: number;
  name: string | null;
  email: string | null;
  /** Keyed by the organization's login as first given. */
  orgs: Record<string, { role: OrgRole; state: MembershipState }>;
  teams: { org: string; slug: string; role: TeamRole }[];
  createdAt: Date;
}

const loginShape = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

export class UserDirectory {
  /** Who is signed in to the web pages (OAuth authorize, app registration, installation). */
  signedIn: string;
  private readonly profiles = new Map<string, StandInUser>();
  private readonly orgNames = new Map<string, string>();
  private readonly teamIds = new Map<string, number>();

  constructor(private readonly state: StandInState) {
    this.signedIn = state.options.userLogin;
  }

  /** Adds a user, or replaces a known user's profile and memberships (the id stays). */
  add(login: string, options: AddUserOptions = {}): StandInUser {
    if (!loginShape.test(login)) throw new TypeError(`addUser: "${login}" is not a login GitHub would accept`);
    const key = login.toLowerCase();
    if (this.orgNames.has(key)) throw new Error(`addUser: ${login} is an organization`);
    const orgs: StandInUser["orgs"] = {};
    for (const [org, membership] of Object.entries(options.orgs ?? {})) {
      if (!loginShape.test(org)) throw new TypeError(`addUser: "${org}" is not an organization login GitHub would accept`);
      if (org.toLowerCase() === key || this.state.users.has(org.toLowerCase())) throw new Error(`addUser: ${org} is a user, not an organization`);
      if (membership.role !== "member" && membership.role !== "admin") throw new TypeError(`addUser: role of ${org} must be "member" or "admin"`);
      orgs[this.orgName(org)] = { role: membership.role, state: membership.state ?? "active" };
    }
    const teams = (options.teams ?? []).map((entry) => {
      const [team, role] = typeof entry === "string" ? [entry, "member" as const] : [entry.team, entry.role ?? "member"];
      const [org = "", slug = "", ...rest] = team.split("/");
      if (!org || !slug || rest.length > 0) throw new TypeError(`addUser: team "${team}" is not "org/team-slug"`);
      if (!Object.keys(orgs).some((name) => name.toLowerCase() === org.toLowerCase())) {
        throw new Error(`addUser: ${login} is in team ${team} but not in organization ${org} (list it in orgs)`);
      }
      return { org: this.orgName(org), slug: slug.toLowerCase(), role };
    });
    if (options.id !== undefined) this.state.claimAccountId(login, options.id);
    const existing = this.profiles.get(key);
    this.state.users.add(key);
    for (const org of Object.keys(orgs)) this.orgNames.set(org.toLowerCase(), org);
    const user: StandInUser = {
      login: existing?.login ?? login,
      id: this.state.accountId(login),
      name: options.name ?? null,
      email: options.email ?? null,
      orgs,
      teams,
      createdAt: existing?.createdAt ?? new Date(),
    };
    this.profiles.set(key, user);
    return user;
  }

  signInAs(login: string): void {
    if (!this.state.users.has(login.toLowerCase())) throw new Error(`signInAs: ${login} is not a user of the stand-in (addUser first)`);
    this.signedIn = this.profiles.get(login.toLowerCase())?.login ?? login;
  }

  /** A known user's profile (users met only through tokens or options get an empty one), else undefined. */
  profile(login: string): StandInUser | undefined {
    const key = login.toLowerCase();
    if (!this.state.users.has(key)) return undefined;
    let user = this.profiles.get(key);
    if (!user) {
      const known = key === this.state.options.userLogin.toLowerCase() ? this.state.options.userLogin : login;
      user = { login: known, id: this.state.accountId(known), name: null, email: null, orgs: {}, teams: [], createdAt: new Date() };
      this.profiles.set(key, user);
    }
    return user;
  }

  /** The organization's login as first given (organization names are not case-sensitive). */
  orgName(org: string): string {
    return this.orgNames.get(org.toLowerCase()) ?? org;
  }

  /** Whether anyone was ever made a member of this organization. */
  isKnownOrg(org: string): boolean {
    return this.orgNames.has(org.toLowerCase());
  }

  membership(org: string, login: string): { role: OrgRole; state: MembershipState } | undefined {
    const user = this.profiles.get(login.toLowerCase());
    const found = Object.entries(user?.orgs ?? {}).find(([name]) => name.toLowerCase() === org.toLowerCase());
    return found?.[1];
  }

  isActiveMember(org: string, login: string): boolean {
    return this.membership(org, login)?.state === "active";
  }

  /** An organization owner (active, role admin): admin on every repository of the organization. */
  isOwnerOf(org: string, login: string): boolean {
    const membership = this.membership(org, login);
    return membership?.state === "active" && membership.role === "admin";
  }

  /** GitHub: an organization owner's role in a team is always `maintainer`; the state is the organization membership's. */
  teamMembership(org: string, slug: string, login: string): { role: TeamRole; state: MembershipState } | undefined {
    const user = this.profiles.get(login.toLowerCase());
    const membership = this.membership(org, login);
    const team = user?.teams.find((t) => t.org.toLowerCase() === org.toLowerCase() && t.slug === slug.toLowerCase());
    if (!team || !membership) return undefined;
    return { role: membership.role === "admin" ? "maintainer" : team.role, state: membership.state };
  }

  teamId(org: string, slug: string): number {
    const key = `${org}/${slug}`.toLowerCase();
    let id = this.teamIds.get(key);
    if (id === undefined) {
      id = this.state.nextId();
      this.teamIds.set(key, id);
    }
    return id;
  }
}
