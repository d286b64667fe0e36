// Repository webhooks: list/create/get/delete, and what a push does (the post-receive hook reports here).
import { HttpError, notFound, readBody, readJsonBody, sendJson } from "./http-kit.js";
import { buildPushPayload, parseRefUpdates } from "./push-payload.js";
import { toGitHubDate } from "./git-objects.js";
import { repositoryJson } from "./repository-json.js";
import { loadRepository } from "./repository-routes.js";
import type { RequestContext, Route } from "./route.js";
import type { StandInRepository } from "./stand-in-repository.js";
import type { AppHookTarget, PushedRef, RepositoryHook, StandInState } from "./stand-in-state.js";

const repoPath = "/repos/([^/]+)/([^/]+)";
const docs = "https://docs.github.com/rest/repos/webhooks";
const acceptedScopes = "admin:repo_hook, read:repo_hook, repo, write:repo_hook";

/** Events a repository hook may subscribe to (a subset of GitHub's list; `*` is every event). */
const knownEvents = new Set([
  "*", "push", "create", "delete", "ping", "pull_request", "pull_request_review", "issues", "issue_comment", "release",
  "repository", "status", "check_run", "check_suite", "workflow_run", "workflow_job", "deployment", "deployment_status",
  "fork", "star", "watch", "member", "meta", "public", "label", "milestone", "commit_comment", "gollum", "page_build",
]);

function hooksOf(state: StandInState, repo: StandInRepository): RepositoryHook[] {
  let list = state.hooks.get(repo.fullName.toLowerCase());
  if (!list) {
    list = [];
    state.hooks.set(repo.fullName.toLowerCase(), list);
  }
  return list;
}

export function hookJson(state: StandInState, hook: RepositoryHook): Record<string, unknown> {
  const api = `${state.apiUrl}/repos/${hook.repository}/hooks/${hook.id}`;
  const last = [...state.webhooks.deliveries].reverse().find((d) => d.hookId === hook.id);
  const config: Record<string, unknown> = { content_type: hook.config.content_type, insecure_ssl: hook.config.insecure_ssl, url: hook.config.url };
  if (hook.config.secret) config.secret = "********";
  return {
    type: "Repository",
    id: hook.id,
    name: "web",
    active: hook.active,
    events: hook.events,
    config,
    updated_at: toGitHubDate(hook.updatedAt),
    created_at: toGitHubDate(hook.createdAt),
    url: api,
    test_url: `${api}/test`,
    ping_url: `${api}/pings`,
    deliveries_url: `${api}/deliveries`,
    last_response: last
      ? { code: last.statusCode ?? null, status: last.outcome === "delivered" ? "active" : "failed", message: last.error ?? "OK" }
      : { code: null, status: "unused", message: null },
  };
}

function loadForHooks(ctx: RequestContext, owner: string, name: string, level: "read" | "write"): StandInRepository {
  ctx.headers["x-accepted-oauth-scopes"] = acceptedScopes;
  return loadRepository(ctx, owner, name, { permission: "webhooks", level });
}

function invalid(message: string): HttpError {
  return new HttpError(422, "Validation Failed", { documentationUrl: `${docs}#create-a-repository-webhook`, errors: [{ resource: "Hook", code: "custom", message }] });
}

function parseHook(body: Record<string, unknown>, existing: RepositoryHook[]): Pick<RepositoryHook, "active" | "events" | "config"> {
  if (body.name !== undefined && body.name !== "web") throw invalid(`Invalid hook name: ${String(body.name)}`);
  const config = body.config;
  if (!config || typeof config !== "object") throw invalid("Config must contain URL for webhooks");
  const { url, content_type: contentType = "form", secret, insecure_ssl: insecure = "0" } = config as Record<string, unknown>;
  if (typeof url !== "string" || url === "") throw invalid("Config must contain URL for webhooks");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid("Config url is not a valid URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw invalid("Config url must be http or https");
  if (contentType !== "json" && contentType !== "form") throw invalid("Config content_type must be json or form");
  if (secret !== undefined && typeof secret !== "string") throw invalid("Config secret must be a string");
  const events = body.events ?? ["push"];
  if (!Array.isArray(events) || events.length === 0 || events.some((e) => typeof e !== "string")) throw invalid("Events must be a list of event names");
  const unknown = (events as string[]).filter((e) => !knownEvents.has(e));
  if (unknown.length > 0) throw invalid(`Events are invalid: ${unknown.join(", ")}`);
  if (existing.some((hook) => hook.config.url === url)) throw invalid("Hook already exists on this repository");
  return {
    active: body.active === undefined ? true : body.active === true,
    events: [...new Set(events as string[])],
    config: { url, content_type: contentType, ...(secret ? { secret } : {}), insecure_ssl: String(insecure) },
  };
}

export const hookRoutes: Route[] = [
  {
    method: "GET",
    area: "api",
    pattern: new RegExp(`^${repoPath}/hooks$`),
    handle(ctx, [owner = "", name = ""]) {
      const repo = loadForHooks(ctx, owner, name, "read");
      sendJson(ctx.req, ctx.res, 200, hooksOf(ctx.state, repo).map((hook) => hookJson(ctx.state, hook)), ctx.headers);
    },
  },
  {
    method: "POST",
    area: "api",
    pattern: new RegExp(`^${repoPath}/hooks$`),
    async handle(ctx, [owner = "", name = ""]) {
      const repo = loadForHooks(ctx, owner, name, "write");
      const list = hooksOf(ctx.state, repo);
      const now = new Date();
      const hook: RepositoryHook = { id: ctx.state.nextId(), repository: repo.fullName, createdAt: now, updatedAt: now, ...parseHook(await readJsonBody(ctx.req), list) };
      list.push(hook);
      const json = hookJson(ctx.state, hook);
      // GitHub pings a new hook right away, in the background: its ping can reach the receiver before the
      // creator has read this 201. The stand-in plays that worst case: the ping is answered first.
      if (hook.active) {
        const ping = { zen: "Keep it logically awesome.", hook_id: hook.id, hook: json, repository: repositoryJson(ctx.state, repo), sender: ctx.state.accountJson(ctx.state.options.userLogin) };
        await ctx.state.webhooks.send(targetOf(hook, repo), "ping", ping).catch(() => undefined);
      }
      sendJson(ctx.req, ctx.res, 201, json, { ...ctx.headers, location: String(json.url) });
    },
  },
  {
    method: "GET",
    area: "api",
    pattern: new RegExp(`^${repoPath}/hooks/(\\d+)$`),
    handle(ctx, [owner = "", name = "", id = ""]) {
      const repo = loadForHooks(ctx, owner, name, "read");
      const hook = hooksOf(ctx.state, repo).find((h) => h.id === Number(id));
      if (!hook) throw notFound(`${docs}#get-a-repository-webhook`);
      sendJson(ctx.req, ctx.res, 200, hookJson(ctx.state, hook), ctx.headers);
    },
  },
  {
    method: "DELETE",
    area: "api",
    pattern: new RegExp(`^${repoPath}/hooks/(\\d+)$`),
    handle(ctx, [owner = "", name = "", id = ""]) {
      const repo = loadForHooks(ctx, owner, name, "write");
      const list = hooksOf(ctx.state, repo);
      const index = list.findIndex((h) => h.id === Number(id));
      if (index < 0) throw notFound(`${docs}#delete-a-repository-webhook`);
      list.splice(index, 1);
      ctx.res.writeHead(204, ctx.headers).end();
    },
  },
  {
    // The bare repository's post-receive hook: deliver `push` to every hook (and app) that listens.
    method: "POST",
    area: "raw",
    pattern: /^\/_stand-in\/pushes\/([^/]+)\/([^/]+)$/,
    async handle(ctx, [owner = "", name = ""]) {
      const repo = ctx.state.repository(owner, name);
      if (!repo || !ctx.state.verify(`push:${repo.fullName}`, String(ctx.req.headers["x-stand-in-key"] ?? ""))) throw new HttpError(404, "Not Found");
      const updates = (await readBody(ctx.req)).toString("utf8");
      const pusher = String(ctx.req.headers["x-stand-in-pusher"] ?? "") || ctx.state.options.userLogin;
      repo.pushedAt = new Date();
      for (const update of parseRefUpdates(updates)) await announcePushedRef(ctx.state, repo, update, pusher);
      ctx.res.writeHead(204).end();
    },
  },
];

function targetOf(hook: RepositoryHook, repo: StandInRepository) {
  return { hookId: hook.id, url: hook.config.url, contentType: hook.config.content_type, secret: hook.config.secret, targetType: "repository" as const, targetId: repo.id };
}

export interface DeliverEventOptions {
  /** Whether repository hooks hear it (default true; GitHub keeps some actions for apps alone). */
  hooks?: boolean;
  /** Which installed apps hear it (default: those whose `events` include the event). */
  apps?: (app: AppHookTarget) => boolean;
}

/** Sends a repository event to its active hooks that subscribe to it, and to the apps installed on it. */
export async function deliverEvent(state: StandInState, repo: StandInRepository, event: string, payload: Record<string, unknown>, options: DeliverEventOptions = {}): Promise<void> {
  const sends = (options.hooks === false ? [] : hooksOf(state, repo))
    .filter((hook) => hook.active && (hook.events.includes(event) || hook.events.includes("*")))
    .map((hook) => state.webhooks.send(targetOf(hook, repo), event, payload));
  const hears = options.apps ?? ((app: AppHookTarget) => app.events.includes(event));
  for (const app of state.appHookTargets(repo)) {
    if (hears(app)) sends.push(state.webhooks.send(app.target, event, { ...payload, installation: app.installation }));
  }
  await Promise.all(sends);
}

/**
 * What GitHub sends when a ref moves (a `git push`, or the API): the `push` event, then what listens to pushes
 * (a pull request's `synchronize`, a check suite's `requested`).
 */
export async function announcePushedRef(state: StandInState, repo: StandInRepository, update: PushedRef, pusher: string): Promise<void> {
  await deliverEvent(state, repo, "push", await buildPushPayload(state, repo, update, pusher));
  for (const listener of state.pushListeners) await listener(repo, update, pusher);
}
