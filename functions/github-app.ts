// Registering funcspace's GitHub App (manifest flow) and telling the UI whether one is registered.
import { completeAppRegistration, getAppRegistration, startAppRegistration } from "../github-app/register-app.js";
import { defineHttp } from "./define.js";
import { getGitHubRuntime } from "./github-runtime.js";

export const githubApp = defineHttp({
  name: "githubApp",
  methods: ["GET"],
  route: "github/app",
  role: "authenticated",
  handler: async (_request, { services }) => ({
    headers: { "cache-control": "no-store" },
    jsonBody: await getAppRegistration(services),
  }),
});

export const githubAppManifest = defineHttp({
  name: "githubAppManifest",
  methods: ["GET"],
  route: "github/app/manifest",
  role: "admin",
  handler: async (request, { services, principal }) => {
    const query = request.query;
    const html = await startAppRegistration(services, {
      user: principal!.userId,
      organization: query.get("organization") ?? query.get("org") ?? undefined,
      name: query.get("name") ?? undefined,
      overwrite: query.get("overwrite") === "true",
    });
    return { headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }, body: html };
  },
});

export const githubAppCallback = defineHttp({
  name: "githubAppCallback",
  methods: ["GET"],
  route: "github/app/callback",
  role: "admin",
  handler: async (request, { services, principal }) => {
    const registration = await completeAppRegistration(services, request.query.get("code"), request.query.get("state"), {
      user: principal!.userId,
    });
    await getGitHubRuntime(services).reloadApp();
    const location = `${services.config.publicUrl}/settings?app=${encodeURIComponent(registration.slug ?? "")}`;
    return { status: 302, headers: { location, "cache-control": "no-store" } };
  },
});

export const githubAppTriggers = [githubApp, githubAppManifest, githubAppCallback];
