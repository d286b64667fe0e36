#!/bin/sh
# Gathers what the runtime image ships into one folder: package.json (its `main` is the host's entry point),
# host.json, the compiled dist/ (with the platform's type declarations), app.yml (the GitHub App manifest, read at run time) and the built UI when present.
# Dependencies come from the image's deps stage, never from here.
set -eu
out="$1"
main="$(node -p "JSON.parse(require('fs').readFileSync('package.json','utf8')).main")"
test -f "$main" || { echo "collect-app: package.json main ($main) was not built" >&2; exit 1; }
mkdir -p "$out"
cp package.json package-lock.json host.json "$out/"
cp -R dist "$out/dist"
# The declarations a pull request check type-checks against (src/checks/platform-types.ts reads them relative to
# dist/src/checks/, where the sources keep them relative to src/checks/).
for types in templates/workspace/funcspace.d.ts web/src/editor/typescript/types/workflow-globals.d.ts; do
  mkdir -p "$out/dist/$(dirname "$types")"
  cp "$types" "$out/dist/$types"
done
if [ -f app.yml ]; then cp app.yml "$out/"; fi
if [ -f web/dist/index.html ]; then
  mkdir -p "$out/web"
  cp -R web/dist "$out/web/dist"
  # The Static Web Apps CLI (compose `web` service) reads routes and roles from the folder it serves.
  if [ -f web/staticwebapp.config.json ] && [ ! -f "$out/web/dist/staticwebapp.config.json" ]; then
    cp web/staticwebapp.config.json "$out/web/dist/"
  fi
fi
