// The GitHub App manifest: app.yml at the repository root, with ${PUBLIC_URL} filled in.
import { readFile } from "node:fs/promises";
import { parse } from "yaml";

export interface AppManifest {
  name: string;
  url: string;
  hook_attributes: { url: string; active?: boolean };
  redirect_url: string;
  setup_url?: string;
  callback_urls?: string[];
  public: boolean;
  default_permissions: Record<string, string>;
  default_events: string[];
  [key: string]: unknown;
}

// app.yml sits at the root: one level above this file under tsx, two above it in the compiled dist/.
const CANDIDATES = [new URL("../app.yml", import.meta.url), new URL("../../app.yml", import.meta.url)];

export async function buildAppManifest(publicUrl: string, options: { name?: string } = {}): Promise<AppManifest> {
  let template: string | undefined;
  for (const candidate of CANDIDATES) {
    template = await readFile(candidate, "utf8").catch(() => undefined);
    if (template !== undefined) break;
  }
  if (template === undefined) throw new Error("app.yml was not found next to the app");
  const base = publicUrl.replace(/\/+$/, "");
  const manifest = parse(template.replaceAll("${PUBLIC_URL}", base)) as AppManifest;
  if (options.name) manifest.name = options.name;
  return manifest;
}
