// Who a request acts as, the way GitHub names it in what it writes: a user (commit author by default, PR
// `user`, push `pusher`) or, for an installation token, the app's bot account `{slug}[bot]`.
import type { RequestContext } from "./route.js";

export interface CallerIdentity {
  login: string;
  /** The profile name, else the login (GitHub's default commit author name). */
  name: string;
  /** The public email, else GitHub's no-reply address `{id}+{login}@users.noreply.github.com`. */
  email: string;
}

export function callerIdentity(ctx: RequestContext): CallerIdentity {
  const credential = ctx.credential;
  if (credential?.kind === "installation") {
    const app = ctx.state.lookups.installation(credential.installationId)?.app;
    const login = `${app?.slug ?? "app"}[bot]`;
    return { login, name: login, email: `${ctx.state.accountId(login)}+${login}@users.noreply.github.com` };
  }
  const login = credential?.login ?? ctx.state.options.userLogin;
  const profile = ctx.state.people.profile(login);
  const name = profile?.login ?? login;
  return { login: name, name: profile?.name ?? name, email: profile?.email ?? `${ctx.state.accountId(name)}+${name}@users.noreply.github.com` };
}
