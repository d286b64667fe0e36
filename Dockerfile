# funcspace: the Azure Functions app (Node 24, v4 programming model) in one image for every setting:
# docker compose (dev and prod) and Azure (Function App, Linux container). `func init --docker-only` layout,
# built in stages so the shipped image holds production dependencies, dist/, host.json and the built UI only.
#
# Node 24: the Active LTS line (maintained to April 2028; Node 22 ends in April 2027, Node 20 ended in April 2026),
# GA on Functions (Azure/azure-functions-nodejs-worker README: "GA | 26, 24, 22"; PR #809), and where the
# platform's telemetry costs least (AsyncLocalStorage without promise hooks: BENCHMARKS.md, issue 24). The test
# suite runs on it (docker/README.md, Supply chain). package.json's engines ("^22.13.0 || >=24") admits it.
# Base: mcr.microsoft.com/azure-functions/node:4-node24 (the Functions host with Node 24), not the -appservice
# variant. This one runs the Functions host from a short start script (CA certificates, then the host), runs no
# sshd with the variant's well-known root password, does not copy the environment (connection strings) into
# /etc/profile, and does not take over PORT (src/config.ts reads PORT for the local host). The cost: no portal SSH
# console in Azure. Remote debugging is ours: docker/entrypoint.sh maps ENABLE_DEBUGGING to the Node inspector.
# Size estimate (base + layers): docker/README.md.
# The build stages are Debian 12 (bookworm); what they hand to the runtime stage is JavaScript only (no production
# dependency ships a native addon: test/containers.test.ts), so the base's Debian release does not have to match.

ARG FUNCTIONS_BASE=mcr.microsoft.com/azure-functions/node:4-node24

# --- build: dev dependencies, TypeScript to dist/, the web UI to web/dist ---------------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: the repo allows none it has not reviewed (package.json "allowScripts"), and nothing the
# build needs runs one (esbuild and rollup ship their binaries as optional platform packages).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && sh docker/build-web.sh && sh docker/collect-app.sh /out

# --- deps: production dependencies only ---------------------------------------------------------------------------
FROM node:24-bookworm-slim AS deps
WORKDIR /deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime: the Functions host with the app in /home/site/wwwroot ------------------------------------------------
FROM ${FUNCTIONS_BASE} AS runtime

ARG FUNCTIONS_BASE
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="funcspace" \
      org.opencontainers.image.description="Code-first workflows on Azure Functions: a workspace edited in the browser or synced from GitHub." \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.vendor="funcspace" \
      org.opencontainers.image.source="https://github.com/funcspace/funcspace" \
      org.opencontainers.image.documentation="https://github.com/funcspace/funcspace#readme" \
      org.opencontainers.image.base.name="${FUNCTIONS_BASE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"

# The container defaults of src/config.ts, spelled out so `docker inspect` shows them. The host listens on 80
# (what App Service routes to); docker compose publishes it on 7071, the port `npm start` uses. UV_THREADPOOL_SIZE
# matches IO_CONCURRENCY's default: Node runs file-system calls on libuv's pool (4 threads unless told), and on
# Azure Files each metadata call waits on the network, so 4 threads would cap the parallel calls at 4. For the
# same reason the sync's own file-system threads (src/sync/fs-threads.ts) are 8 here rather than 4: each makes
# one call at a time. (An estimate: this machine has no Azure Files share to measure against.)
ENV AzureWebJobsScriptRoot=/home/site/wwwroot \
    AzureFunctionsJobHost__Logging__Console__IsEnabled=true \
    ASPNETCORE_URLS=http://+:80 \
    FUNCTIONS_WORKER_RUNTIME=node \
    NODE_ENV=production \
    WORKSPACE_DIR=/workspace \
    TEMP_DIR=/mnt/tmp \
    LOCAL_SECRETS_FILE=/mnt/tmp/secrets/secrets.json \
    AUTH_MODE=swa \
    UV_THREADPOOL_SIZE=16 \
    SYNC_FS_THREADS=8

COPY --from=deps /deps/node_modules /home/site/wwwroot/node_modules
COPY --from=build /out/ /home/site/wwwroot/
COPY docker/entrypoint.sh /usr/local/bin/funcspace-entrypoint
COPY docker/relay.mjs /home/site/wwwroot/docker/relay.mjs
# The mount points exist in the image so an unmounted container still starts (and /api/health says what is missing).
# funcspace-runner: the unprivileged user workflow code runs as (src/runner/), never root, never the platform.
RUN chmod 0755 /usr/local/bin/funcspace-entrypoint && mkdir -p /workspace /mnt/tmp \
 && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin funcspace-runner

# 80: the Functions host (HTTP API). 9229: the Node inspector, open only when ENABLE_DEBUGGING=true.
EXPOSE 80 9229

# /api/health answers 503 when a dependency (storage, folders, Key Vault) is down. Node is in the base image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:80/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["/usr/local/bin/funcspace-entrypoint"]
# The base image's own start command (installs extra CA certificates, then execs the host).
CMD ["/opt/startup/start_nonappservice.sh"]
