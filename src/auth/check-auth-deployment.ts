// Start-up refusal: a mode whose source of identity cannot be trusted where the process runs never starts.
// Nothing here guesses from the network: each mode names what must be true, and the message names the fix.
import { ConfigError, type Config, type Env } from "../config.js";

export interface AuthDeployment {
  /** Where the local host listens (npm start); absent in the container, which listens on every interface. */
  bindHost?: string;
}

export function isLoopbackHost(host: string): boolean {
  const value = host.replace(/^\[|\]$/g, "").toLowerCase();
  return value === "localhost" || value === "::1" || /^127\.\d+\.\d+\.\d+$/.test(value);
}

/** App Service (and so a Function App) sets WEBSITE_SITE_NAME in every app's environment. */
export function isAzureAppService(env: Env): boolean {
  return Boolean(env.WEBSITE_SITE_NAME?.trim());
}

/** App Service sets WEBSITE_AUTH_ENABLED=True when App Service authentication ("Easy Auth") is on. */
export function isAppServiceAuthEnabled(env: Env): boolean {
  return env.WEBSITE_AUTH_ENABLED?.trim().toLowerCase() === "true";
}

/** Throws a ConfigError (one line per problem, each with its fix) when the mode is unsafe here. */
export function checkAuthDeployment(config: Config, env: Env, deployment: AuthDeployment = {}): void {
  const problems: string[] = [];
  const { bindHost } = deployment;
  const loopbackOnly = bindHost !== undefined && isLoopbackHost(bindHost);
  switch (config.authMode) {
    case "local":
      if (!loopbackOnly) {
        problems.push(
          bindHost === undefined
            ? "AUTH_MODE=local makes every caller an admin and is only for `npm start` on loopback; in a container use " +
                "AUTH_MODE=github (sign in with GitHub) or AUTH_MODE=swa behind Azure Static Web Apps."
            : `HOST=${bindHost} with AUTH_MODE=local would make every caller on the network an admin: bind to 127.0.0.1, ` +
                "or use AUTH_MODE=github.",
        );
      }
      break;
    case "swa":
      if (isAzureAppService(env)) {
        if (config.authSwaEmulator) problems.push("AUTH_SWA_EMULATOR=true is for development only: remove it from the Azure app settings.");
        else if (!config.authSwaCheckUrl) {
          problems.push(
            "AUTH_SWA_CHECK_URL=off in Azure would believe the principal header from anything in this container, " +
              "workflow code included: remove the setting (PUBLIC_URL's /.auth/me confirms each session).",
          );
        }
        if (!isAppServiceAuthEnabled(env)) {
          problems.push(
            "AUTH_MODE=swa in Azure needs App Service authentication, so that only the linked Static Web App reaches " +
              "this app (WEBSITE_AUTH_ENABLED is not True): deploy infra/azuredeploy.json, which declares it " +
              "(Microsoft.Web/sites/config authsettingsV2), or turn it on in the portal.",
          );
        }
      } else if (!config.authSwaEmulator) {
        problems.push(
          "AUTH_MODE=swa outside Azure would trust identity headers from anyone who reaches the port. Use " +
            "AUTH_MODE=github on a self-hosted server; for the Static Web Apps CLI on this machine set " +
            "AUTH_SWA_EMULATOR=true and publish the port on 127.0.0.1 only.",
        );
      } else if (bindHost !== undefined && !loopbackOnly) {
        problems.push(`AUTH_SWA_EMULATOR=true with HOST=${bindHost}: the emulator's headers are only safe on loopback; bind to 127.0.0.1.`);
      }
      break;
    case "github": {
      const url = new URL(config.publicUrl);
      if (url.protocol !== "https:" && !isLoopbackHost(url.hostname)) {
        problems.push(
          `PUBLIC_URL=${config.publicUrl}: sign-in cookies need HTTPS on a public host. Put a TLS proxy in front ` +
            "(docker/README.md) and set PUBLIC_URL=https://…",
        );
      }
      break;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
