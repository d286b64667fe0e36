// infra/azuredeploy.json checked offline: against the real ARM schemas (../shared/arm-schemas/validate-arm.mjs),
// then its wiring: app settings against what src/config.ts needs, mounts against WORKSPACE_DIR/TEMP_DIR, queues
// and tables against src/azure/resources.ts, the exact role assignments of the app's identity (and infra/README.md's
// table saying why each), Key Vault purge protection, every resourceId() naming a declared resource, every parameter
// used, no secret with a default, and the image the compose files run, by tag or by digest. Then the trust boundary: the
// function app's App Service authentication (only the linked Static Web App gets through) and the roles that
// web/staticwebapp.config.json asks of every route. What only a deployment can prove (names free, regions, role
// propagation, the container starting, the SWA-to-app handshake) is listed in infra/README.md.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import YAML from "yaml";
import { QUEUES, TABLES, poisonQueueName } from "../src/azure/resources.js";
import { ConfigError, loadConfig, type Env } from "../src/config.js";
import { createArmValidator } from "./support/arm-schemas.js";

const root = path.resolve(import.meta.dirname, "..");

/**
 * Every role the app's identity gets, and nothing else: Azure's built-in role definition ids (the same in every
 * tenant) and the resource each is scoped to. Why each is needed: infra/README.md, "What the app's identity may do".
 */
const BUILT_IN_ROLES = {
  keyVaultSecretsOfficer: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  storageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
} as const;
const ROLE_SCOPES: Record<keyof typeof BUILT_IN_ROLES, "Microsoft.KeyVault/vaults" | "Microsoft.Storage/storageAccounts"> = {
  keyVaultSecretsOfficer: "Microsoft.KeyVault/vaults",
  storageBlobDataOwner: "Microsoft.Storage/storageAccounts",
  storageQueueDataContributor: "Microsoft.Storage/storageAccounts",
  storageTableDataContributor: "Microsoft.Storage/storageAccounts",
  reader: "Microsoft.Storage/storageAccounts",
};
/** Storage File Data Privileged Reader: read every file of every share, and still not the share calls /api/health makes. */
const REMOVED_FILE_DATA_PRIVILEGED_READER = "b8eda974-7b85-4f76-af95-65846b26df6d";
/** App settings the Functions platform reads (not src/config.ts). */
const PLATFORM_SETTINGS = new Set([
  "FUNCTIONS_EXTENSION_VERSION",
  "FUNCTIONS_WORKER_RUNTIME",
  "WEBSITES_ENABLE_APP_SERVICE_STORAGE",
  "DOCKER_REGISTRY_SERVER_URL",
  "APPLICATIONINSIGHTS_CONNECTION_STRING",
]);

interface Resource {
  type: string;
  apiVersion: string;
  name: string;
  scope?: string;
  kind?: string;
  sku?: Record<string, string>;
  identity?: { type: string };
  properties?: Record<string, unknown>;
  dependsOn?: string[];
}
interface Parameter {
  type: string;
  defaultValue?: unknown;
  allowedValues?: unknown[];
  maxLength?: number;
  metadata?: { description?: string };
}
interface Template {
  parameters: Record<string, Parameter>;
  variables: Record<string, unknown> & { roles: Record<string, string> };
  resources: Resource[];
  outputs: Record<string, { type: string; value: string }>;
}
interface SiteConfig {
  linuxFxVersion: string;
  ftpsState: string;
  healthCheckPath: string;
  appSettings: { name: string; value: string }[];
  azureStorageAccounts: Record<string, { type: string; shareName: string; mountPath: string; accountName: string; accessKey: string }>;
}

let text: string;
let template: Template;

beforeAll(async () => {
  text = await readFile(path.join(root, "infra/azuredeploy.json"), "utf8");
  template = JSON.parse(text) as Template;
});

const ofType = (type: string) => template.resources.filter((r) => r.type === type);
const only = (type: string): Resource => {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};
const site = () => only("Microsoft.Web/sites");
const siteConfig = () => (site().properties as { siteConfig: SiteConfig }).siteConfig;
const appSettings = () => new Map(siteConfig().appSettings.map((s) => [s.name, s.value]));
const isExpression = (value: string) => value.startsWith("[") && !value.startsWith("[[");

/** Splits `a, f(b, c), 'd'` at top-level commas. */
function splitArgs(args: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of args) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else current += char;
  }
  if (current.trim()) parts.push(current.trim());
  return parts.map((p) => (/^'[^']*'$/.test(p) ? p.slice(1, -1) : p));
}

/** A resource's name as segments: `[format('{0}/default/tmp', variables('storageName'))]` → [variables('storageName'), default, tmp]. */
function nameSegments(name: string): string[] {
  const format = /^\[format\('([^']*)', (.*)\)\]$/.exec(name);
  if (format) {
    const args = splitArgs(format[2]!);
    return format[1]!.split("/").map((segment) => segment.replace(/\{(\d+)\}/g, (_, i: string) => args[Number(i)] ?? "?"));
  }
  const expression = /^\[(.*)\]$/.exec(name);
  return expression ? [expression[1]!] : name.split("/");
}

/** Every `resourceId('Type', a, b)` in a string, as type + name segments. */
function resourceIdRefs(value: string): { type: string; segments: string[] }[] {
  return [...value.matchAll(/(?<![A-Za-z])resourceId\(((?:[^()]|\((?:[^()]|\([^()]*\))*\))*)\)/g)].map((m) => {
    const [type = "", ...segments] = splitArgs(m[1]!);
    return { type, segments };
  });
}

function declares(ref: { type: string; segments: string[] }): boolean {
  return template.resources.some((r) => r.type === ref.type && JSON.stringify(nameSegments(r.name)) === JSON.stringify(ref.segments));
}

/**
 * Evaluates a template expression built from the few functions the image reference uses (parameters, variables,
 * if, empty, format), with the parameters' defaults overridden by `given`. Anything else throws: a change to the
 * expression must come with a change here, not pass unevaluated.
 */
function evaluate(expression: string, given: Record<string, unknown> = {}): unknown {
  const source = /^\[(.*)\]$/s.exec(expression)?.[1];
  if (source === undefined) return expression;
  let at = 0;
  const skipSpaces = () => {
    while (source[at] === " ") at++;
  };
  const call = (name: string, args: unknown[]): unknown => {
    switch (name) {
      case "parameters": {
        const parameterName = String(args[0]);
        if (parameterName in given) return given[parameterName];
        expect(template.parameters, parameterName).toHaveProperty(parameterName);
        return template.parameters[parameterName]!.defaultValue;
      }
      case "variables":
        return evaluate(String(template.variables[String(args[0])]), given);
      case "if":
        return args[0] === true ? args[1] : args[2];
      case "empty":
        return args[0] === "" || args[0] === null || args[0] === undefined;
      case "format":
        return String(args[0]).replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i) + 1]));
      default:
        throw new Error(`evaluate() does not know ${name}()`);
    }
  };
  const parse = (): unknown => {
    skipSpaces();
    if (source[at] === "'") {
      let value = "";
      for (at++; at < source.length; at++) {
        if (source[at] !== "'") value += source[at];
        else if (source[at + 1] === "'") value += source[++at];
        else break;
      }
      at++;
      return value;
    }
    const name = /^[A-Za-z]+/.exec(source.slice(at))?.[0];
    if (!name || source[at + name.length] !== "(") throw new Error(`cannot parse ${expression} at ${at}`);
    at += name.length + 1;
    const args: unknown[] = [];
    for (skipSpaces(); source[at] !== ")"; skipSpaces()) {
      if (at >= source.length) throw new Error(`unclosed call in ${expression}`);
      args.push(parse());
      skipSpaces();
      if (source[at] === ",") at++;
    }
    at++;
    return call(name, args);
  };
  const value = parse();
  if (at !== source.length) throw new Error(`trailing text in ${expression}`);
  return value;
}

describe("infra/azuredeploy.json against the ARM schemas", () => {
  it("validates with 0 errors and 0 warnings, and the validator does catch a broken copy", async () => {
    // The shared schemas plus test/arm-schemas/ (workbooks, scheduledQueryRules, actionGroups).
    const { validator, parseTemplateText, dispose } = await createArmValidator();
    onTestFinished(dispose);
    const report = validator.validate(parseTemplateText(text));
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.checked).toHaveLength(template.resources.length);

    const broken = JSON.parse(text) as Template;
    const share = broken.resources.find((r) => r.type === "Microsoft.Storage/storageAccounts/fileServices/shares")!;
    share.properties = { ...share.properties, accessTier: "Lukewarm" };
    const mount = (broken.resources.find((r) => r.type === "Microsoft.Web/sites")!.properties as { siteConfig: SiteConfig }).siteConfig
      .azureStorageAccounts.workspace!;
    mount.mountPath = "/home/workspace";
    const auth = broken.resources.find((r) => r.type === "Microsoft.Web/sites/config")!.properties as { globalValidation: Record<string, unknown> };
    auth.globalValidation.unauthenticatedClientAction = "Return402";
    // The monitoring resources are checked too (their schemas: test/arm-schemas/).
    const rule = broken.resources.find((r) => r.type === "Microsoft.Insights/scheduledQueryRules")!.properties as { criteria: { allOf: { operator: string }[] } };
    rule.criteria.allOf[0]!.operator = "Bigger";
    const group = broken.resources.find((r) => r.type === "Microsoft.Insights/actionGroups")!.properties as { emailReceivers: { useCommonAlertSchema: unknown }[] };
    group.emailReceivers[0]!.useCommonAlertSchema = "yes";
    expect(validator.validate(broken).errors).toHaveLength(5);
  }, 60_000);
});

describe("wiring", () => {
  it("sets every variable src/config.ts requires, and each setting is one something reads", async () => {
    const settings = appSettings();
    // What an empty container environment is missing: each problem must be answered by a setting it names.
    let problems: string[] = [];
    try {
      loadConfig({}, { profile: "container" });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems;
    }
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      const answered = [...settings.keys()].some((name) => new RegExp(`\\b${name}\\b`).test(problem));
      expect(answered, `no app setting answers: ${problem}`).toBe(true);
    }

    const configSource = await readFile(path.join(root, "src/config.ts"), "utf8");
    for (const name of settings.keys()) {
      expect(PLATFORM_SETTINGS.has(name) || configSource.includes(`"${name}"`), `${name} is read by nothing`).toBe(true);
    }

    // The values the template computes at deploy time, in the shape Azure gives them, must load.
    const deployTime: Env = {
      AzureWebJobsStorage__accountName: "stabcdefghijklm",
      KEY_VAULT_URL: "https://kv-abcdefghijklm.vault.azure.net/",
      PUBLIC_URL: "https://funcspace-web.azurestaticapps.net",
      APPLICATIONINSIGHTS_CONNECTION_STRING: "InstrumentationKey=00000000-0000-0000-0000-000000000000",
    };
    const env: Env = { WEBSITE_HOSTNAME: "funcspace-api.azurewebsites.net" };
    for (const [name, value] of settings) {
      if (isExpression(value)) {
        expect(deployTime, `a deploy-time stand-in for ${name}`).toHaveProperty(name);
        env[name] = deployTime[name];
      } else env[name] = value;
    }
    const config = loadConfig(env, { profile: "container" });
    expect(config.storage.kind).toBe("identity");
    expect(config.keyVaultUrl).toBe("https://kv-abcdefghijklm.vault.azure.net");
    expect(config.authMode).toBe("swa");
    expect(config.workspaceShareName).toBe("workspace");
  });

  it("the deploy-time settings come from the right resources", () => {
    const settings = appSettings();
    expect(settings.get("AzureWebJobsStorage__accountName")).toBe("[variables('storageName')]");
    expect(settings.get("KEY_VAULT_URL")).toMatch(/^\[reference\(resourceId\('Microsoft\.KeyVault\/vaults', variables\('vaultName'\)\), '[\d-]+'\)\.vaultUri\]$/);
    expect(settings.get("PUBLIC_URL")).toMatch(/^\[format\('https:\/\/\{0\}', reference\(resourceId\('Microsoft\.Web\/staticSites', variables\('swaName'\)\), '[\d-]+'\)\.defaultHostname\)\]$/);
    expect(settings.get("APPLICATIONINSIGHTS_CONNECTION_STRING")).toMatch(/^\[reference\(resourceId\('Microsoft\.Insights\/components', variables\('insightsName'\)\), '[\d-]+'\)\.ConnectionString\]$/);
    expect(Object.fromEntries([...settings].filter(([, v]) => !isExpression(v)))).toEqual({
      FUNCTIONS_EXTENSION_VERSION: "~4",
      FUNCTIONS_WORKER_RUNTIME: "node",
      WEBSITES_ENABLE_APP_SERVICE_STORAGE: "false",
      DOCKER_REGISTRY_SERVER_URL: "https://index.docker.io/v1",
      WORKSPACE_DIR: "/workspace",
      TEMP_DIR: "/mnt/tmp",
      WORKSPACE_SHARE_NAME: "workspace",
      AUTH_MODE: "swa",
      // The host forwards the worker's stdout to Application Insights uncorrelated (Host.Function.Console), and the
      // app exports every line itself in its operation: info lines on stdout would arrive twice.
      LOG_CONSOLE_LEVEL: "warn",
    });
    expect(settings.has("AzureWebJobsStorage"), "identity-based storage: no connection string").toBe(false);
  });

  it("mounts the workspace and tmp shares at WORKSPACE_DIR and TEMP_DIR", () => {
    const settings = appSettings();
    const mounts = siteConfig().azureStorageAccounts;
    const byPath = new Map(Object.values(mounts).map((m) => [m.mountPath, m]));
    expect(byPath.get(settings.get("WORKSPACE_DIR")!)?.shareName).toBe(settings.get("WORKSPACE_SHARE_NAME"));
    expect(byPath.get(settings.get("TEMP_DIR")!)?.shareName).toBe("tmp");
    expect(byPath.size).toBe(2);
    const shares = ofType("Microsoft.Storage/storageAccounts/fileServices/shares").map((r) => nameSegments(r.name).at(-1));
    for (const mount of Object.values(mounts)) {
      expect(mount).toMatchObject({ type: "AzureFiles", accountName: "[variables('storageName')]" });
      expect(mount.accessKey).toMatch(/^\[listKeys\(resourceId\('Microsoft\.Storage\/storageAccounts', variables\('storageName'\)\)/);
      expect(shares).toContain(mount.shareName);
    }
  });

  it("declares every queue (and its poison queue) and table of src/azure/resources.ts", () => {
    const queues = ofType("Microsoft.Storage/storageAccounts/queueServices/queues").map((r) => nameSegments(r.name).at(-1)).sort();
    const expected = Object.values(QUEUES).flatMap((q) => [q, poisonQueueName(q)]).sort();
    expect(queues).toEqual(expected);
    const tables = ofType("Microsoft.Storage/storageAccounts/tableServices/tables").map((r) => nameSegments(r.name).at(-1)).sort();
    expect(tables).toEqual(Object.values(TABLES).sort());
  });

  it("grants the app's identity exactly its roles, each on the right scope with a guid() name", () => {
    expect(template.variables.roles).toEqual(BUILT_IN_ROLES);
    const assignments = ofType("Microsoft.Authorization/roleAssignments");
    const roleOf = (assignment: Resource) => /variables\('roles'\)\.(\w+)\)\]$/.exec(assignment.properties?.roleDefinitionId as string)?.[1];
    expect(assignments.map(roleOf).sort()).toEqual(Object.keys(BUILT_IN_ROLES).sort());
    const siteId = "resourceId('Microsoft.Web/sites', variables('appName'))";
    for (const [role, scopeType] of Object.entries(ROLE_SCOPES)) {
      const assignment = assignments.find((a) => roleOf(a) === role)!;
      const scopeName = scopeType === "Microsoft.KeyVault/vaults" ? "variables('vaultName')" : "variables('storageName')";
      const scopeId = `resourceId('${scopeType}', ${scopeName})`;
      expect(assignment.scope, role).toBe(`[format('${scopeType}/{0}', ${scopeName})]`);
      expect(assignment.name).toBe(`[guid(${scopeId}, ${siteId}, variables('roles').${role})]`);
      expect(assignment.properties).toEqual({
        roleDefinitionId: `[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('roles').${role})]`,
        principalId: `[reference(${siteId}, '2024-04-01', 'full').identity.principalId]`,
        principalType: "ServicePrincipal",
      });
      expect(assignment.dependsOn).toEqual([`[${scopeId}]`, `[${siteId}]`]);
    }
    expect(text).not.toContain(REMOVED_FILE_DATA_PRIVILEGED_READER);
  });

  it("infra/README.md says why the identity needs each role, and lists no other", async () => {
    const readme = await readFile(path.join(root, "infra/README.md"), "utf8");
    const section = /^## What the app's identity may do\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? "";
    const rows = section.split("\n").filter((line) => /^\| .*`[0-9a-f-]{36}`/.test(line));
    const guids = rows.map((row) => /`([0-9a-f-]{36})`/.exec(row)?.[1]);
    expect(guids.sort()).toEqual(Object.values(BUILT_IN_ROLES).sort());
    for (const row of rows) expect(row.split(" | ").length, row).toBeGreaterThanOrEqual(3); // role | why | source
  });

  it("Key Vault: soft delete with purge protection, so the app's identity can delete a secret but not destroy it", () => {
    expect(only("Microsoft.KeyVault/vaults").properties).toMatchObject({
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      // Fixed when the vault is created: existing vaults have 90, and a different value would fail their redeployment.
      softDeleteRetentionInDays: 90,
      // Irreversible once deployed (the schema: "the property does not accept false as its value").
      enablePurgeProtection: true,
    });
  });

  it("every dependsOn and reference names a resource declared in the template", () => {
    let refs = 0;
    for (const resource of template.resources) {
      for (const dependency of resource.dependsOn ?? []) {
        const [ref, ...rest] = resourceIdRefs(dependency);
        expect(rest, dependency).toEqual([]);
        expect(ref && declares(ref), `${resource.type} dependsOn ${dependency}`).toBe(true);
        refs++;
      }
    }
    for (const ref of resourceIdRefs(JSON.stringify({ ...template, parameters: {} }))) {
      if (ref.type === "Microsoft.Authorization/roleDefinitions") continue; // built-in, via subscriptionResourceId
      expect(declares(ref), `${ref.type} ${ref.segments.join("/")}`).toBe(true);
      refs++;
    }
    expect(refs).toBeGreaterThan(30);
    expect(declares({ type: "Microsoft.Web/sites", segments: ["variables('nope')"] })).toBe(false);
  });

  it("uses every parameter and variable; secrets are secure and have no default", () => {
    const body = JSON.stringify({ ...template, parameters: {} });
    for (const name of Object.keys(template.parameters)) expect(body, `parameter ${name}`).toContain(`parameters('${name}')`);
    const others = (name: string) => JSON.stringify({ ...template, variables: { ...template.variables, [name]: null } });
    for (const name of Object.keys(template.variables)) expect(others(name), `variable ${name}`).toContain(`variables('${name}')`);
    for (const [name, parameter] of Object.entries(template.parameters)) {
      expect(parameter.metadata?.description, `${name} has a description`).toBeTruthy();
      if (/token|secret|password|key$/i.test(name) || parameter.type.startsWith("secure")) {
        expect(parameter.type, name).toMatch(/^secure/);
        expect(parameter, name).not.toHaveProperty("defaultValue");
      }
    }
    expect(template.parameters.staticWebAppLocation?.allowedValues).toEqual(expect.arrayContaining(["westeurope", "eastus2"]));
    expect(template.parameters.planSku).toMatchObject({ defaultValue: "EP1", allowedValues: ["EP1", "EP2", "EP3"] });
  });

  it("the parameters file names only template parameters, covers the required ones and holds no secret", async () => {
    const file = JSON.parse(await readFile(path.join(root, "infra/azuredeploy.parameters.json"), "utf8")) as { parameters: Record<string, unknown> };
    for (const name of Object.keys(file.parameters)) expect(template.parameters, name).toHaveProperty(name);
    for (const [name, parameter] of Object.entries(template.parameters)) {
      if (parameter.type.startsWith("secure")) expect(file.parameters, name).not.toHaveProperty(name);
      else if (!("defaultValue" in parameter)) expect(file.parameters, name).toHaveProperty(name);
    }
  });

  it("runs the image the compose files run, from Docker Hub", async () => {
    const image = `${template.parameters.containerImage?.defaultValue}:${template.parameters.containerImageTag?.defaultValue}`;
    const packageJson = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as { config: { image: string } };
    expect(image).toBe(`${packageJson.config.image}:latest`);
    for (const file of ["docker-compose.dev.yml", "docker-compose.prod.yml", "templates/workspace/docker-compose.yml"]) {
      const compose = YAML.parse(await readFile(path.join(root, file), "utf8")) as { services: { functions: { image: string } } };
      expect(/^\$\{FUNCSPACE_IMAGE:-(.+)\}$/.exec(compose.services.functions.image)?.[1], file).toBe(image);
    }
    expect(siteConfig().linuxFxVersion).toBe("[format('DOCKER|{0}', variables('image'))]");
    expect(evaluate(siteConfig().linuxFxVersion)).toBe(`DOCKER|docker.io/${image}`);
  });

  it("takes the image by digest when imageDigest is set (the tag is then ignored), by tag otherwise", () => {
    expect(template.parameters.imageDigest).toMatchObject({ type: "string", defaultValue: "", maxLength: "sha256:".length + 64 });
    const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
    expect(digest).toHaveLength(template.parameters.imageDigest!.maxLength!);
    expect(evaluate(siteConfig().linuxFxVersion, { containerImageTag: "1.2.3" })).toBe("DOCKER|docker.io/funcspace/funcspace:1.2.3");
    expect(evaluate(siteConfig().linuxFxVersion, { imageDigest: digest })).toBe(`DOCKER|docker.io/funcspace/funcspace@${digest}`);
    expect(evaluate(siteConfig().linuxFxVersion, { imageDigest: digest, containerImageTag: "1.2.3", containerImage: "me/fork" })).toBe(
      `DOCKER|docker.io/me/fork@${digest}`,
    );
    expect(() => evaluate("[concat('a', 'b')]")).toThrow(/does not know concat/);
  });

  it("builds the platform the spec asks for: secure storage, RBAC vault, EP plan, container app, SWA Standard linked to it", () => {
    expect(only("Microsoft.Storage/storageAccounts")).toMatchObject({
      kind: "StorageV2",
      properties: { minimumTlsVersion: "TLS1_2", allowBlobPublicAccess: false, allowSharedKeyAccess: true, supportsHttpsTrafficOnly: true },
    });
    for (const share of ofType("Microsoft.Storage/storageAccounts/fileServices/shares")) {
      expect(share.properties).toMatchObject({ accessTier: "[parameters('shareAccessTier')]" });
    }
    expect(template.parameters.shareAccessTier?.defaultValue).toBe("Hot");
    expect(only("Microsoft.KeyVault/vaults").properties).toMatchObject({ enableRbacAuthorization: true, enableSoftDelete: true, enablePurgeProtection: true });
    expect(only("Microsoft.Web/serverfarms")).toMatchObject({ kind: "elastic", sku: { name: "[parameters('planSku')]", tier: "ElasticPremium" }, properties: { reserved: true } });
    expect(site()).toMatchObject({ kind: "functionapp,linux,container", identity: { type: "SystemAssigned" }, properties: { httpsOnly: true, reserved: true } });
    expect(siteConfig()).toMatchObject({ ftpsState: "Disabled", healthCheckPath: "/api/health" });
    expect(only("Microsoft.Insights/components").properties).toMatchObject({
      WorkspaceResourceId: "[resourceId('Microsoft.OperationalInsights/workspaces', variables('logAnalyticsName'))]",
    });
    const swa = only("Microsoft.Web/staticSites");
    expect(swa.sku).toEqual({ name: "Standard", tier: "Standard" });
    expect(swa.properties).toMatchObject({ repositoryToken: "[parameters('repositoryToken')]", buildProperties: { apiLocation: "" } });
    expect(only("Microsoft.Web/staticSites/linkedBackends").properties).toEqual({
      backendResourceId: "[resourceId('Microsoft.Web/sites', variables('appName'))]",
      region: "[parameters('location')]",
    });
  });

  it("outputs the app URL, the API URL, the GitHub webhook URL (a real route) and the Key Vault name", async () => {
    const swaHost = "reference(resourceId('Microsoft.Web/staticSites', variables('swaName')), '2024-04-01').defaultHostname";
    expect(template.outputs.appUrl?.value).toBe(`[format('https://{0}', ${swaHost})]`);
    expect(template.outputs.apiUrl?.value).toBe(`[format('https://{0}/api', ${swaHost})]`);
    expect(template.outputs.githubWebhookUrl?.value).toBe(`[format('https://{0}/api/github/webhooks', ${swaHost})]`);
    expect(template.outputs.keyVaultName?.value).toBe("[variables('vaultName')]");
    expect(await readFile(path.join(root, "functions/github-webhooks.ts"), "utf8")).toContain('route: "github/webhooks"');
  });
});

/** The App Service authentication settings of the function app (Microsoft.Web/sites/config authsettingsV2). */
interface AuthSettingsV2 {
  platform: { enabled: boolean; runtimeVersion?: string };
  globalValidation: { requireAuthentication: boolean; unauthenticatedClientAction: string; excludedPaths?: string[] };
  identityProviders: Record<string, { enabled: boolean; registration?: { clientId?: string } }>;
  httpSettings: { requireHttps: boolean };
}

describe("App Service authentication: the function app accepts only what came through the linked Static Web App", () => {
  const swaId = "resourceId('Microsoft.Web/staticSites', variables('swaName'))";
  const siteId = "resourceId('Microsoft.Web/sites', variables('appName'))";
  const authResource = () => {
    const configs = ofType("Microsoft.Web/sites/config");
    expect(configs).toHaveLength(1);
    return configs[0]!;
  };
  const auth = () => authResource().properties as unknown as AuthSettingsV2;

  it("declares authsettingsV2 on the function app: on, every request authenticated, 401 otherwise, HTTPS only", () => {
    expect(nameSegments(authResource().name)).toEqual(["variables('appName')", "authsettingsV2"]);
    expect(auth().platform).toEqual({ enabled: true, runtimeVersion: "~1" });
    expect(auth().globalValidation).toMatchObject({ requireAuthentication: true, unauthenticatedClientAction: "Return401" });
    expect(auth().httpSettings).toEqual({ requireHttps: true });
  });

  it("trusts one identity provider, the Static Web App declared in this template (the one linked to the app)", () => {
    expect(Object.keys(auth().identityProviders)).toEqual(["azureStaticWebApps"]);
    expect(auth().identityProviders.azureStaticWebApps).toEqual({
      enabled: true,
      // What linking writes there, as observed (not documented): the SWA's default host name. See infra/README.md.
      registration: { clientId: `[reference(${swaId}, '2024-04-01').defaultHostname]` },
    });
    const link = only("Microsoft.Web/staticSites/linkedBackends");
    expect(nameSegments(link.name)).toEqual(["variables('swaName')", "api"]);
    expect(link.properties?.backendResourceId).toBe(`[${siteId}]`);
    // The users' URL is the same SWA: PUBLIC_URL (webhook and callback URLs are built from it) and the outputs.
    expect(appSettings().get("PUBLIC_URL")).toContain(`reference(${swaId}, '2024-04-01').defaultHostname`);
    expect(appSettings().get("AUTH_MODE")).toBe("swa");
  });

  it("is applied after the link, so linking cannot leave different settings behind", () => {
    expect(authResource().dependsOn).toEqual([
      `[${siteId}]`,
      `[${swaId}]`,
      "[resourceId('Microsoft.Web/staticSites/linkedBackends', variables('swaName'), 'api')]",
    ]);
  });

  it("excludes no path: webhooks arrive through the SWA and the platform health check passes authentication", () => {
    expect(auth().globalValidation.excludedPaths).toEqual([]);
    const swaHost = `reference(${swaId}, '2024-04-01').defaultHostname`;
    expect(template.outputs.githubWebhookUrl?.value).toBe(`[format('https://{0}/api/github/webhooks', ${swaHost})]`);
    expect(appSettings().get("PUBLIC_URL")).toBe(`[format('https://{0}', ${swaHost})]`);
    expect(siteConfig().healthCheckPath).toBe("/api/health");
  });

  it("leaves WEBSITE_AUTH_* to the platform: an app setting of that name would fake the start-up check", () => {
    // App Service injects WEBSITE_AUTH_ENABLED when authentication is on; the app refuses to start without it.
    for (const name of appSettings().keys()) expect(name, name).not.toMatch(/^WEBSITE_AUTH_/i);
    expect(text).not.toMatch(/"WEBSITE_AUTH_/i);
  });

  it("outputs the function app's own URL, where a direct call must get 401", () => {
    expect(template.outputs.functionAppUrl?.value).toBe(`[format('https://{0}', reference(${siteId}, '2024-04-01').defaultHostName)]`);
  });
});

interface SwaRoute {
  route: string;
  allowedRoles?: string[];
  statusCode?: number;
  redirect?: string;
  rewrite?: string;
  methods?: string[];
}
interface SwaConfig {
  routes: SwaRoute[];
  navigationFallback: { rewrite: string; exclude: string[] };
  responseOverrides: Record<string, { redirect?: string; rewrite?: string; statusCode?: number }>;
  globalHeaders: Record<string, string>;
}

const INVITED = ["reader", "operator", "admin"];
/** Anonymous on purpose: GitHub's deliveries (HMAC per connection) and a liveness answer. */
const ANONYMOUS_API = ["/api/github/webhooks", "/api/health"];
/** "Who am I": a signed-in person nobody has invited yet must be able to read it. */
const WHO_AM_I = "/api/auth/me";
/** The SPA shell, so that a signed-in person without a role sees "ask to be invited". */
const SPA_SHELL = ["/", "/index.html", "/assets/*"];

/** The first rule that matches, as Static Web Apps picks it: in order, exact or trailing-wildcard, `x/index.html` for `x`. */
function firstRule(config: SwaConfig, pathname: string): SwaRoute | undefined {
  const candidates = [pathname, pathname.endsWith("/") ? `${pathname}index.html` : `${pathname}/index.html`];
  return config.routes.find((rule) =>
    candidates.some((candidate) => {
      if (!rule.route.includes("*")) return rule.route === candidate;
      return rule.route.endsWith("*") && !rule.route.slice(0, -1).includes("*") && candidate.startsWith(rule.route.slice(0, -1));
    }),
  );
}

describe("web/staticwebapp.config.json: who may reach what behind Static Web Apps", () => {
  let config: SwaConfig;
  beforeAll(async () => {
    config = JSON.parse(await readFile(path.join(root, "web/staticwebapp.config.json"), "utf8")) as SwaConfig;
  });

  it("asks an invited role (reader, operator or admin) of every /api route but the webhook, health and 'who am I'", async () => {
    for (const rule of config.routes.filter((r) => r.route.startsWith("/api"))) {
      if (ANONYMOUS_API.includes(rule.route)) expect(rule.allowedRoles, rule.route).toEqual(["anonymous"]);
      else if (rule.route === WHO_AM_I) expect(rule.allowedRoles, rule.route).toEqual(["authenticated"]);
      else expect(rule.allowedRoles, rule.route).toEqual(INVITED);
    }
    expect(firstRule(config, "/api/anything/new")?.route).toBe("/api/*");

    // Every HTTP function the app registers, as SWA would route it (first match wins).
    const files = (await readdir(path.join(root, "functions"))).filter((f) => f.endsWith(".ts"));
    const sources = await Promise.all(files.map((f) => readFile(path.join(root, "functions", f), "utf8")));
    const declared = sources.flatMap((source) => [...source.matchAll(/\broute: "([^"]+)"/g)].map((m) => m[1]!));
    const routes = [...new Set(declared.map((route) => `/api/${route.replace(/\{[^}]+\}/g, "x")}`))];
    expect(routes).toEqual(expect.arrayContaining([...ANONYMOUS_API, "/api/workspace/tree", "/api/workspace/files/x"]));
    for (const route of routes) {
      const rule = firstRule(config, route);
      const expected = ANONYMOUS_API.includes(route) ? ["anonymous"] : route === WHO_AM_I ? ["authenticated"] : INVITED;
      expect(rule?.allowedRoles, route).toEqual(expected);
    }
  });

  it("lets the bare 'authenticated' role reach only 'who am I' and the SPA shell; every other page needs an invited role", () => {
    const bare = config.routes.filter((r) => r.allowedRoles?.includes("authenticated")).map((r) => r.route);
    expect(bare.sort()).toEqual([WHO_AM_I, ...SPA_SHELL].sort());
    for (const rule of config.routes.filter((r) => r.allowedRoles?.includes("authenticated"))) expect(rule.allowedRoles).toEqual(["authenticated"]);
    for (const rule of config.routes) {
      for (const role of rule.allowedRoles ?? []) expect(["anonymous", "authenticated", ...INVITED], rule.route).toContain(role);
    }
    expect(config.routes.at(-1)).toEqual({ route: "/*", allowedRoles: INVITED });
    for (const page of ["/", "/index.html", "/assets/index-abc.js"]) expect(firstRule(config, page)?.allowedRoles, page).toEqual(["authenticated"]);
    for (const page of ["/editor", "/workflows", "/health", "/something/deep"]) expect(firstRule(config, page)?.allowedRoles, page).toEqual(INVITED);
    for (const page of ["/settings", "/settings/github"]) expect(firstRule(config, page)?.allowedRoles, page).toEqual(["admin"]);
    for (const page of ["/forbidden.html", "/favicon.svg"]) expect(firstRule(config, page)?.allowedRoles, page).toEqual(["anonymous"]);
    expect(config.responseOverrides["401"]).toEqual({ redirect: "/.auth/login/github?post_login_redirect_uri=.referrer", statusCode: 302 });
    expect(config.responseOverrides["403"]).toEqual({ rewrite: "/forbidden.html", statusCode: 403 });
  });

  it("signs in with GitHub only: the other pre-configured providers answer 404", () => {
    for (const provider of ["aad", "apple", "facebook", "google", "twitter", "x"]) {
      expect(firstRule(config, `/.auth/login/${provider}`), provider).toEqual({ route: `/.auth/login/${provider}`, statusCode: 404 });
    }
    // SWA matches /.auth/login/<provider> against exact rules only; none may touch GitHub's.
    expect(config.routes.filter((r) => r.route.startsWith("/.auth/")).map((r) => r.route)).not.toContain("/.auth/login/github");
    expect(firstRule(config, "/login")).toMatchObject({ redirect: "/.auth/login/github" });
  });

  it("sends a Content-Security-Policy with the pages: scripts from the site only, inline styles allowed for CodeMirror", () => {
    const csp = new Map(
      config.globalHeaders["Content-Security-Policy"]!.split(";").map((d) => {
        const [name = "", ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(csp.get("default-src")).toEqual(["'self'"]);
    expect(csp.get("script-src")).toEqual(["'self'"]);
    expect(csp.get("style-src")).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp.get("object-src")).toEqual(["'none'"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    // "Create GitHub App" posts the manifest form to github.com (GitHub's manifest flow): form-action must allow it.
    expect(csp.get("form-action")).toEqual(["'self'", "https://github.com"]);
    for (const [name, values] of csp) if (name !== "style-src") expect(values, name).not.toContain("'unsafe-inline'");
    expect(config.globalHeaders["Content-Security-Policy"]).not.toContain("unsafe-eval");
    expect(config.globalHeaders).toMatchObject({ "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin" });
  });
});
