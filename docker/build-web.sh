#!/bin/sh
# Builds the web UI into web/dist when the repository has one, whichever way web/ is set up: a `build:web` script
# in the root package.json, its own package.json, or a bare Vite config built with the root's Vite.
set -eu
if [ ! -d web ]; then
  echo "build-web: no web/ folder, the image ships the API only"
  exit 0
fi
if node -e "process.exit(JSON.parse(require('fs').readFileSync('package.json','utf8')).scripts?.['build:web'] ? 0 : 1)"; then
  npm run build:web
elif [ -f web/package.json ]; then
  (cd web && if [ -f package-lock.json ]; then npm ci --ignore-scripts --no-audit --no-fund; else npm install --ignore-scripts --no-audit --no-fund; fi && npm run build)
elif ls web/vite.config.* >/dev/null 2>&1; then
  npx --no-install vite build web
else
  echo "build-web: web/ has no build (no build:web script, web/package.json or vite config)" >&2
  exit 1
fi
test -f web/dist/index.html || { echo "build-web: the UI build wrote no web/dist/index.html" >&2; exit 1; }
