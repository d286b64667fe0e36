// The offline ARM validator (../shared/arm-schemas/validate-arm.mjs) reads one schemas folder. The shared one is
// read-only and lacks the monitoring types of infra/azuredeploy.json (workbooks, scheduledQueryRules, actionGroups):
// test/arm-schemas/ holds those upstream files, and this lays both out in one temp folder for the validator.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const root = path.resolve(import.meta.dirname, "../..");
export const sharedSchemasDir = path.resolve(root, "../shared/arm-schemas");
export const extraSchemasDir = path.join(root, "test/arm-schemas");

export interface ArmReport {
  errors: unknown[];
  warnings: unknown[];
  checked: unknown[];
}
export interface ArmValidator {
  validate(template: unknown): ArmReport;
}

/** Copies the files under `from` to `to` (contents only: the shared copy's read-only modes stay behind). */
async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.isDirectory()) await copyTree(path.join(from, entry.name), path.join(to, entry.name));
    else await writeFile(path.join(to, entry.name), await readFile(path.join(from, entry.name)));
  }
}

/** A validator over the shared schemas plus test/arm-schemas/schemas; `dispose()` removes its temp folder. */
export async function createArmValidator(): Promise<{
  validator: ArmValidator;
  parseTemplateText(text: string): unknown;
  dispose(): Promise<void>;
}> {
  const dir = await mkdtemp(path.join(tmpdir(), "arm-schemas-"));
  await copyTree(path.join(sharedSchemasDir, "schemas"), path.join(dir, "schemas"));
  await writeFile(path.join(dir, "apiversion-catalog.json"), await readFile(path.join(sharedSchemasDir, "apiversion-catalog.json")));
  await copyTree(path.join(extraSchemasDir, "schemas"), path.join(dir, "schemas"));
  const module = (await import(pathToFileURL(path.join(sharedSchemasDir, "validate-arm.mjs")).href)) as {
    createValidator(options: { schemasDir: string }): Promise<ArmValidator>;
    parseTemplateText(text: string): unknown;
  };
  return {
    validator: await module.createValidator({ schemasDir: dir }),
    parseTemplateText: module.parseTemplateText,
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
