// Registering funcspace's GitHub App (manifest flow) and telling the UI whether one is registered.
// Starting is a POST (JSON in, the form to post to GitHub out) that sets the flow cookie; GitHub's redirect
// back is a GET whose signed state must match that cookie and is accepted once.
import { completeAppRegistration, getAppRegistration, startAppRegistration } from "../github-app/register-app.js";
import { actorName } from "../src/auth/principal.js";
import { newFlowCookie, readFlowNonce } from "../src/auth/cookies.js";
import { BadRequestError } from "../src/errors.js";
import { readJsonBody } from "../src/json-body.js";
import type { AppRegistration, AppRegistrationForm, AppRegistrationRequest, Unchecked } from "../src/api-types.js";
import { defineHttp } from "./define.js";
import { getGitHubRuntime } from "./github-runtime.js";

export const githubApp = defineHttp({
  name: "githubApp",
  methods: ["GET"],
  route: "github/app",
  role: "reader",
  handler: async (_request, { services }) => {
    const registration: AppRegistration = await getAppRegistration(services);
    return { jsonBody: registration };
  },
});

const optionalString = (value: unknown, name: string): string | undefined => {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new BadRequestError(`"${name}" must be a string.`);
  return value;
};

export const githubAppManifest = defineHttp({
  name: "githubAppManifest",
  methods: ["POST"],
  route: "github/app/manifest",
  role: "admin",
  handler: async (request, { services, principal }) => {
    const body: Unchecked<AppRegistrationRequest> = await readJsonBody(
      request.body as AsyncIterable<Uint8Array> | null,
      '{"organization": "acme", "overwrite": false}',
      { allowEmpty: true },
    );
    const flow = newFlowCookie(services.config);
    const form: AppRegistrationForm = await startAppRegistration(services, {
      user: principal!.userId,
      browser: flow.nonce,
      organization: optionalString(body.organization, "organization"),
      name: optionalString(body.name, "name"),
      overwrite: body.overwrite === true,
    });
    return { jsonBody: form, cookies: [flow.cookie] };
  },
});

export const githubAppCallback = defineHttp({
  name: "githubAppCallback",
  methods: ["GET"],
  route: "github/app/callback",
  role: "admin",
  errorPage: { title: "Could not register the GitHub App", backTo: "/settings/github", backLabel: "Back to Settings → GitHub" },
  handler: async (request, { services, principal }) => {
    const registration = await completeAppRegistration(services, request.query.get("code"), request.query.get("state"), {
      user: principal!.userId,
      browser: readFlowNonce(request.headers, services.config),
      actor: actorName(principal),
    });
    await getGitHubRuntime(services).reloadApp();
    const location = `${services.config.publicUrl}/settings?app=${encodeURIComponent(registration.slug ?? "")}`;
    return { status: 302, headers: { location } };
  },
});

export const githubAppTriggers = [githubApp, githubAppManifest, githubAppCallback];
