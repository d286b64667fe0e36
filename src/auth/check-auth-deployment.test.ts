import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, type Env } from "../config.js";
import { checkAuthDeployment, isLoopbackHost } from "./check-auth-deployment.js";

const base: Env = { AzureWebJobsStorage: "UseDevelopmentStorage=true" };
const azure: Env = { WEBSITE_SITE_NAME: "funcspace-fn", WEBSITE_HOSTNAME: "funcspace-fn.azurewebsites.net" };

function problem(env: Env, profile: "local" | "container", bindHost?: string): string | undefined {
  const config = loadConfig({ ...base, ...env }, { profile });
  try {
    checkAuthDeployment(config, { ...base, ...env }, { bindHost });
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
}

describe("checkAuthDeployment", () => {
  it.each<[string, Env, "local" | "container", string | undefined, RegExp | undefined]>([
    ["npm start on loopback (local)", {}, "local", "127.0.0.1", undefined],
    ["npm start on ::1 (local)", { HOST: "::1" }, "local", "::1", undefined],
    ["local mode on 0.0.0.0", { HOST: "0.0.0.0" }, "local", "0.0.0.0", /HOST=0\.0\.0\.0 with AUTH_MODE=local would make every caller on the network an admin/],
    ["local mode on a LAN address", { HOST: "192.0.2.10" }, "local", "192.0.2.10", /AUTH_MODE=local/],
    ["local mode in the container", { AUTH_MODE: "local" }, "container", undefined, /only for `npm start` on loopback/],
    ["swa outside Azure, no emulator setting", {}, "container", undefined, /AUTH_MODE=swa outside Azure would trust identity headers/],
    ["swa with the named emulator setting (dev compose)", { AUTH_SWA_EMULATOR: "true" }, "container", undefined, undefined],
    ["swa emulator under npm start on loopback", { AUTH_MODE: "swa", AUTH_SWA_EMULATOR: "true" }, "local", "127.0.0.1", undefined],
    ["swa emulator under npm start on 0.0.0.0", { AUTH_MODE: "swa", AUTH_SWA_EMULATOR: "true", HOST: "0.0.0.0" }, "local", "0.0.0.0", /only safe on loopback/],
    ["swa in Azure without App Service authentication", { ...azure }, "container", undefined, /needs App Service authentication/],
    ["swa in Azure with authentication off (False)", { ...azure, WEBSITE_AUTH_ENABLED: "False" }, "container", undefined, /needs App Service authentication/],
    ["swa in Azure with App Service authentication", { ...azure, WEBSITE_AUTH_ENABLED: "True" }, "container", undefined, undefined],
    ["swa in Azure with the emulator setting left on", { ...azure, WEBSITE_AUTH_ENABLED: "True", AUTH_SWA_EMULATOR: "true" }, "container", undefined, /for development only/],
    ["github on a public https URL", { AUTH_MODE: "github", PUBLIC_URL: "https://funcspace.example.com" }, "container", undefined, undefined],
    ["github on a public http URL", { AUTH_MODE: "github", PUBLIC_URL: "http://funcspace.example.com" }, "container", undefined, /sign-in cookies need HTTPS/],
    ["github on loopback http (trying it out)", { AUTH_MODE: "github", PUBLIC_URL: "http://127.0.0.1:7071" }, "container", undefined, undefined],
  ])("%s", (_label, env, profile, bindHost, expected) => {
    const message = problem(env, profile, bindHost);
    if (expected) expect(message).toMatch(expected);
    else expect(message).toBeUndefined();
  });

  it.each([
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["localhost", true],
    ["::1", true],
    ["[::1]", true],
    ["0.0.0.0", false],
    ["127.0.0.1.evil.example", false],
    ["localhost.evil", false],
    ["::", false],
  ])("isLoopbackHost(%s) = %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});
