#!/usr/bin/env -S node --max-semi-space-size=2
// Shim for the `funcspace-sync` command (no build step). Runs the TypeScript entry point as one ES module,
// bundled by esbuild (tsx's own compiler, reached through tsx) into bin/.cache and rebuilt when a source it
// bundles changes (~0.1 s). Loading the sources through tsx's hooks instead runs those hooks on a loader
// thread of their own, another V8 isolate: ~30 MB of the CLI's ~90 MB before it syncs anything (bench/sync,
// peak-RSS rows; issue 23). Where the bundle cannot be built or written (a read-only install), tsx loads the
// sources as before (and always with FUNCSPACE_SYNC_NO_BUNDLE=1).
// The shebang's --max-semi-space-size=2 (MB) caps V8's young generation, which otherwise grows to 3 × 16 MB
// while a sync streams an archive through: peak RSS ~45 MB lower for ~10 % more CPU (bench/sync/profile.ts). Packages stay outside the bundle and resolve from the project's node_modules.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const cache = path.join(here, ".cache");
const bundle = path.join(cache, "funcspace-sync.mjs");
const inputs = path.join(cache, "funcspace-sync.inputs.json");

/** The bundle, when it is newer than every source it holds. */
function isFresh() {
  try {
    const built = statSync(bundle).mtimeMs;
    const files = JSON.parse(readFileSync(inputs, "utf8"));
    return files.length > 0 && files.every((file) => statSync(path.resolve(root, file)).mtimeMs < built);
  } catch {
    return false;
  }
}

/** Bundles the entry point; each file lands by rename, so a run racing this one reads a whole file or none. */
function build() {
  const esbuild = createRequire(createRequire(import.meta.url).resolve("tsx/package.json"))("esbuild");
  mkdirSync(cache, { recursive: true });
  const temp = `${bundle}.${process.pid}.tmp`;
  try {
    const result = esbuild.buildSync({
      entryPoints: [path.join(here, "funcspace-sync.ts")],
      absWorkingDir: root,
      bundle: true,
      platform: "node",
      format: "esm",
      target: `node${process.versions.node.split(".")[0]}`,
      packages: "external",
      metafile: true,
      outfile: temp,
      logLevel: "silent",
    });
    writeFileSync(`${inputs}.${process.pid}.tmp`, JSON.stringify(Object.keys(result.metafile.inputs)));
    renameSync(`${inputs}.${process.pid}.tmp`, inputs);
    renameSync(temp, bundle);
  } finally {
    rmSync(temp, { force: true });
    rmSync(`${inputs}.${process.pid}.tmp`, { force: true });
  }
}

// FUNCSPACE_SYNC_NO_BUNDLE=1: the sources through tsx, always (to rule the bundle out).
const allowed = process.env.FUNCSPACE_SYNC_NO_BUNDLE !== "1";
let bundled = allowed && isFresh();
if (allowed && !bundled) {
  try {
    build();
    bundled = true;
  } catch {
    bundled = false;
  }
}
if (bundled) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./funcspace-sync.ts");
}
