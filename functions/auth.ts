// Who am I, and signing in and out. `me` answers everyone (it tells only the caller about themselves); the
// sign-in routes exist in `github` mode (behind Static Web Apps, SWA's own /.auth/* does this; under
// `npm start` the loopback developer is admin).
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { completeSignIn, startSignIn } from "../github-app/sign-in/sign-in-with-github.js";
import { peekStatePurpose } from "../github-app/signed-state.js";
import { isSetupRequired, redeemSetupCode } from "../github-app/sign-in/setup-code.js";
import { newFlowCookie, readFlowNonce } from "../src/auth/cookies.js";
import { actorName, requireRole, type Principal } from "../src/auth/principal.js";
import { strongestRole } from "../src/auth/roles.js";
import { endSession } from "../src/auth/sessions.js";
import { AppError, NotFoundError } from "../src/errors.js";
import { readJsonBody } from "../src/json-body.js";
import type { AuthMe, RedirectAnswer, SetupCodeAnswer, SetupCodeRequest, Unchecked } from "../src/api-types.js";
import { defineHttp, type HttpHandlerContext } from "./define.js";
import { finishProposal } from "./drafts.js";
import type { Services } from "./services.js";

function requireGitHubMode(services: Services): void {
  if (services.config.authMode !== "github") {
    throw new NotFoundError(`Signing in here is only for AUTH_MODE=github (this server runs AUTH_MODE=${services.config.authMode}).`);
  }
}

export const authMe = defineHttp({
  name: "authMe",
  methods: ["GET"],
  route: "auth/me",
  role: "anonymous",
  handler: async (_request, { services, principal }: HttpHandlerContext) => {
    const { authMode } = services.config;
    const setupRequired = authMode === "github" && !principal ? await isSetupRequired(services) : false;
    const me: AuthMe = {
      authMode,
      signedIn: principal !== undefined,
      ...(principal
        ? { user: actorName(principal), provider: principal.identityProvider, roles: principal.roles, role: strongestRole(principal.roles) ?? null }
        : { roles: [], role: null }),
      ...(authMode === "github" ? { setupRequired } : {}),
    };
    return { jsonBody: me };
  },
});

export const authSignIn = defineHttp({
  name: "authSignIn",
  methods: ["POST"],
  route: "auth/sign-in",
  role: "anonymous",
  handler: async (_request, { services }) => {
    requireGitHubMode(services);
    const flow = newFlowCookie(services.config);
    const answer: RedirectAnswer = { location: await startSignIn(services, { browser: flow.nonce }) };
    return { jsonBody: answer, cookies: [flow.cookie] };
  },
});

export const authCallback = defineHttp({
  name: "authCallback",
  methods: ["GET"],
  route: "auth/callback",
  role: "anonymous",
  errorPage: { title: "Could not sign you in with GitHub", backTo: "/", backLabel: "Back to funcspace" },
  handler: async (request, { services, principal }) => {
    requireGitHubMode(services);
    const home = `${services.config.publicUrl}/`;
    // GitHub knows one callback URL for the App's user authorization: a proposal's round trip comes back here too.
    if (peekStatePurpose(request.query.get("state")) === "propose") return finishProposalRedirect(request, services, principal);
    try {
      const result = await completeSignIn(
        services,
        { code: request.query.get("code"), state: request.query.get("state") },
        { headers: request.headers, browser: readFlowNonce(request.headers, services.config) },
      );
      return { status: 302, headers: { location: home }, cookies: [result.cookie] };
    } catch (error) {
      // A person arrives here from GitHub in a browser tab: show them the page with the reason, not raw JSON.
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      return { status: 302, headers: { location: `${home}?signInError=${encodeURIComponent(error.message)}` } };
    }
  },
});

/** Back to the editor with the pull request opened, or with the reason it was not (a person reads it there). */
async function finishProposalRedirect(request: HttpRequest, services: Services, principal: Principal | undefined): Promise<HttpResponseInit> {
  const editor = `${services.config.publicUrl}/editor`;
  try {
    requireRole(principal, "admin");
    const proposal = await finishProposal(request, services, principal, readFlowNonce(request.headers, services.config));
    return { status: 302, headers: { location: `${editor}?proposed=${proposal.number}` } };
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    return { status: 302, headers: { location: `${editor}?proposeError=${encodeURIComponent(error.message)}` } };
  }
}

export const authSetup = defineHttp({
  name: "authSetup",
  methods: ["POST"],
  route: "auth/setup",
  role: "anonymous",
  handler: async (request, { services }) => {
    requireGitHubMode(services);
    const body: Unchecked<SetupCodeRequest> = await readJsonBody(request.body as AsyncIterable<Uint8Array> | null, '{"code": "ABCD-EFGH-JKLM"}');
    const cookie = await redeemSetupCode(services, body.code);
    const answer: SetupCodeAnswer = { signedIn: true };
    return { status: 201, jsonBody: answer, cookies: [cookie] };
  },
});

export const authSignOut = defineHttp({
  name: "authSignOut",
  methods: ["POST"],
  route: "auth/sign-out",
  role: "signedIn",
  handler: async (request, { services }) => {
    requireGitHubMode(services);
    const cookie = await endSession(services, request.headers);
    return { status: 204, cookies: [cookie] };
  },
});

export const authTriggers = [authMe, authSignIn, authCallback, authSetup, authSignOut];
