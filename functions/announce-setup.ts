// At start in `github` mode: while no GitHub App exists, print the one-time setup code (both hosts call this
// after their services are up). Every instance prints the same code (github-app/sign-in/setup-code.ts).
import { getSetupCode } from "../github-app/sign-in/setup-code.js";
import type { Services } from "./services.js";

export async function announceSetupCode(services: Services): Promise<string | undefined> {
  if (services.config.authMode !== "github") return undefined;
  const code = await getSetupCode(services);
  const { publicUrl, roleRules } = services.config;
  if (code) {
    // Printed on purpose, like Jenkins' initial admin password: whoever reads the server log owns the server.
    services.logger.warn(
      { setupUrl: `${publicUrl}/` },
      `first-run setup code: ${code} — open ${publicUrl}/ and enter it to create the GitHub App (it works once)`,
    );
  } else if (roleRules.admin.length === 0) {
    const grants = [];
    for await (const grant of services.access.listGrants()) if (grant.role === "admin") grants.push(grant.login);
    if (grants.length === 0) services.logger.warn({}, "nobody is an admin: set AUTH_ADMINS to your GitHub login");
  }
  return code;
}
