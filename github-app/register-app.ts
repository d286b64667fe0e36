// Registering funcspace's GitHub App without manual steps (GitHub's manifest flow): a form posts app.yml
// to GitHub, GitHub sends the browser back with a one-time code, and the code is exchanged for the App's
// credentials (POST /app-manifests/{code}/conversions), which go straight into the secret store.
// Probot has this flow but does not export it, so it is written here on Octokit.
// https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
import { BadRequestError, ConflictError } from "../src/errors.js";
import { buildAppManifest } from "./app-manifest.js";
import { getAppCredentials, saveAppCredentials } from "./app-credentials.js";
import { createOctokit } from "./create-octokit.js";
import { describePublicUrl } from "./describe-public-url.js";
import type { AbortOptions, GitHubAppDeps } from "./github-app-deps.js";
import { createSignedState, verifySignedState } from "./signed-state.js";

export type { AppRegistration, AppRegistrationForm, AppRegistrationRequest } from "../src/api-types.js";
import type { AppRegistration, AppRegistrationForm, AppRegistrationRequest } from "../src/api-types.js";

/** What the admin asked for (organization, name, overwrite: the API's request), and who and which browser asked. */
export interface StartAppRegistrationOptions extends AbortOptions, AppRegistrationRequest {
  /** The signed-in user starting the flow; the callback must come back to the same user. */
  user: string;
  /** The flow cookie's nonce (src/auth/cookies.ts): the callback must come back to the same browser. */
  browser: string;
}

const ACCOUNT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

/** Whether an App is registered, and which (never a secret). */
export async function getAppRegistration(deps: GitHubAppDeps, options: AbortOptions = {}): Promise<AppRegistration> {
  const credentials = await getAppCredentials(deps.secrets, options);
  const where = { githubWebUrl: deps.config.githubWebUrl, delivery: describePublicUrl(deps.config.publicUrl) };
  if (!credentials) return { registered: false, ...where };
  const note = await deps.access.getNote(REGISTRATION_NOTE, options);
  return {
    ...where,
    registered: true,
    appId: credentials.appId,
    slug: credentials.slug,
    htmlUrl: `${deps.config.githubWebUrl}/apps/${credentials.slug}`,
    registeredBy: typeof note?.registeredBy === "string" ? note.registeredBy : undefined,
    registeredAt: typeof note?.registeredAt === "string" ? note.registeredAt : undefined,
  };
}

const REGISTRATION_NOTE = "github-app-registration";

async function saveAppRegistrationRecord(
  deps: GitHubAppDeps,
  record: { registeredBy: string; replaced: boolean },
  options: AbortOptions,
): Promise<void> {
  await deps.access.upsertNote(REGISTRATION_NOTE, { ...record, registeredAt: new Date().toISOString() }, options);
}

/** The form the UI posts to GitHub (the manifest flow is a browser form POST), with a signed state in its URL. */
export async function startAppRegistration(deps: GitHubAppDeps, options: StartAppRegistrationOptions): Promise<AppRegistrationForm> {
  if (options.organization !== undefined && !ACCOUNT_NAME.test(options.organization)) {
    throw new BadRequestError(`"${options.organization}" is not a GitHub organisation name.`);
  }
  if (options.name !== undefined && (options.name.length < 1 || options.name.length > 34)) {
    throw new BadRequestError("The app name must be 1 to 34 characters (GitHub's limit).");
  }
  const existing = await getAppRegistration(deps, options);
  if (existing.registered && !options.overwrite) throw alreadyRegistered(existing);
  const manifest = await buildAppManifest(deps.config.publicUrl, { name: options.name ?? defaultAppName(deps.config.publicUrl) });
  const state = await createSignedState(
    deps.secrets,
    { purpose: "manifest", user: options.user, browser: options.browser, data: { overwrite: options.overwrite === true } },
    options,
  );
  const owner = options.organization ? `/organizations/${encodeURIComponent(options.organization)}` : "";
  const action = `${deps.config.githubWebUrl}${owner}/settings/apps/new?state=${encodeURIComponent(state)}`;
  return { action, manifest: JSON.stringify(manifest) };
}

export interface CompleteAppRegistrationOptions extends AbortOptions {
  user: string;
  browser: string | undefined;
  /** Who registered it, for the record. */
  actor?: string;
}

/** Exchanges the one-time code for the App's credentials and stores them. */
export async function completeAppRegistration(
  deps: GitHubAppDeps,
  code: string | null,
  state: string | null,
  options: CompleteAppRegistrationOptions,
): Promise<AppRegistration> {
  const { overwrite } = await verifySignedState<{ overwrite: boolean }>(
    deps.secrets,
    state,
    { purpose: "manifest", user: options.user, browser: options.browser },
    { ...options, useOnce: (nonce) => deps.access.useNonce(nonce, options) },
  );
  if (!code || !/^[\w-]{1,200}$/.test(code)) {
    throw new BadRequestError("GitHub did not send back a registration code. Start the registration again.");
  }
  const existing = await getAppRegistration(deps, options);
  if (existing.registered && !overwrite) throw alreadyRegistered(existing);

  const github = createOctokit(deps.config.githubApiUrl, { kind: "none" }, { logger: deps.logger, interactive: true });
  const { data } = await github.request("POST /app-manifests/{code}/conversions", {
    code,
    request: { signal: options.abortSignal },
  });
  if (!data.webhook_secret) throw new Error("GitHub returned the new App without a webhook secret");
  await saveAppCredentials(
    deps.secrets,
    {
      appId: data.id,
      slug: data.slug ?? String(data.id),
      privateKey: data.pem,
      webhookSecret: data.webhook_secret,
      clientId: data.client_id,
      clientSecret: data.client_secret,
    },
    options,
  );
  await saveAppRegistrationRecord(deps, { registeredBy: options.actor ?? options.user, replaced: existing.registered }, options);
  deps.logger.info({ appId: data.id, slug: data.slug, registeredBy: options.actor ?? options.user, replaced: existing.registered }, "github app registered");
  return getAppRegistration(deps, options);
}

function alreadyRegistered(existing: AppRegistration): ConflictError {
  return new ConflictError(
    `A GitHub App (${existing.slug}) is already registered for this platform. To replace it, start again with overwrite=true.`,
    { code: "app_already_registered", details: { slug: existing.slug, htmlUrl: existing.htmlUrl } },
  );
}

/** A name that is likely free on GitHub (names are global): "funcspace-" plus the host's first label. */
function defaultAppName(publicUrl: string): string {
  const label = new URL(publicUrl).hostname.split(".")[0]?.replace(/[^A-Za-z0-9-]/g, "-") ?? "";
  return `funcspace-${label}`.slice(0, 34).replace(/-+$/, "");
}

