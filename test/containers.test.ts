// The container story checked without a Docker engine (there is none here): the compose files and the workspace
// template against the Compose JSON schema (and `docker-compose config` when installed; CI installs it), the
// Dockerfile through a Dockerfile linter and parser, the entry step and the image's file list by running the real
// scripts, and consistency: every variable src/config.ts needs is set or defaulted in each compose file and the
// image, ports and debug wiring agree everywhere, every port is published on loopback, and each file's sign-in mode
// passes the app's start-up check (src/auth/check-auth-deployment.ts). The supply chain: every stage on Node 24, package.json's
// engines agreeing with every locked package's, the publish workflow's actions pinned by commit and its digest summary (run for
// real) naming the template's imageDigest parameter. Building the image and starting the containers are not proven
// here: .github/workflows/publish-image.yml does both before it pushes.
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import semver from "semver";
import { Ajv2019, type ValidateFunction } from "ajv/dist/2019.js";
import { DockerfileParser, type Dockerfile } from "dockerfile-ast";
import { validate as lintDockerfile, ValidationSeverity } from "dockerfile-utils";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { checkAuthDeployment } from "../src/auth/check-auth-deployment.js";
import { ConfigError, loadConfig, type AuthMode, type Env } from "../src/config.js";
import { initWorkspace } from "../scripts/init-workspace.js";
import { createTempDir } from "./support/temp-dir.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");
const read = (file: string) => readFile(path.join(root, file), "utf8");

const COMPOSE_FILES = ["docker-compose.dev.yml", "docker-compose.prod.yml", "docker-compose.engine.yml", "templates/workspace/docker-compose.yml"];
/** The files that run the platform, the interpolation environment each is used with, and who signs in there. */
const RUNNABLE: readonly { file: string; envFile: string | undefined; authMode: AuthMode }[] = [
  { file: "docker-compose.dev.yml", envFile: undefined, authMode: "swa" },
  { file: "templates/workspace/docker-compose.yml", envFile: undefined, authMode: "swa" },
  { file: "docker-compose.prod.yml", envFile: "docker/prod.env.example", authMode: "github" },
];
/** What docker-compose.prod.yml requires (its `${X:?…}`s), in placeholder values: nothing else is set. */
const PROD_MINIMAL_ENV: Env = {
  AzureWebJobsStorage: "DefaultEndpointsProtocol=https;AccountName=funcspacestorage;AccountKey=a2V5;EndpointSuffix=core.windows.net",
  KEY_VAULT_URL: "https://funcspace-vault.vault.azure.net",
  AZURE_TENANT_ID: "00000000-0000-0000-0000-000000000000",
  AZURE_CLIENT_ID: "00000000-0000-0000-0000-000000000000",
  AZURE_CLIENT_SECRET: "placeholder",
  PUBLIC_URL: "https://funcspace.example.com",
  AZURE_STORAGE_ACCOUNT: "funcspacestorage",
  AZURE_STORAGE_KEY: "a2V5",
};
const ROLE_VARIABLES = ["AUTH_ADMINS", "AUTH_OPERATORS", "AUTH_READERS", "AUTH_REPOSITORY_ROLES", "AUTH_SESSION_HOURS", "ALLOWED_HOSTS"];
const COMPOSE_SPEC_SHA256 = "0dc04bd346dcfee1b1419628fff79937bbf076925f298f272a2b490e2b112bac";
/** Variables the compose files may set that src/config.ts does not read: the Functions host's and the Azure SDK's. */
const PLATFORM_VARIABLES = new Set([
  "APPLICATIONINSIGHTS_CONNECTION_STRING",
  "AZURE_TENANT_ID",
  "AZURE_CLIENT_ID",
  "AZURE_CLIENT_SECRET",
]);

/** A port as written (`[host_ip:]published:target[/proto]`) or as Compose v2's `config` prints it (long syntax). */
type ComposePort = string | { host_ip?: string; published?: string | number; target: number; protocol?: string };

interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: ComposePort[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  restart?: string;
  profiles?: string[];
  entrypoint?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

async function loadCompose(file: string): Promise<ComposeFile> {
  return YAML.parse(await read(file)) as ComposeFile;
}

/** Compose's variable interpolation (`${X}`, `${X:-default}`, `${X-default}`, `${X:?error}`, `$$`). */
function interpolate(value: string, env: Env): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name?: string, op?: string, arg?: string) => {
    if (match === "$$") return "$";
    const set = name !== undefined ? env[name] : undefined;
    if (op === ":-") return set ? set : (arg ?? "");
    if (op === "-") return set ?? (arg ?? "");
    if (op === ":?" && !set) throw new Error(`compose would stop: ${name} is required (${arg})`);
    return set ?? "";
  });
}

/** Every string in a parsed compose file interpolated, as Compose does before it validates or runs anything. */
function interpolateAll<T>(node: T, env: Env): T {
  if (typeof node === "string") return interpolate(node, env) as T;
  if (Array.isArray(node)) return node.map((item: unknown) => interpolateAll(item, env)) as T;
  if (node && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateAll(value, env)])) as T;
  return node;
}

/** The interpolation environment a compose file is used with (its env file, or nothing). */
async function interpolationEnvOf(file: string): Promise<Env> {
  const envFile = RUNNABLE.find((r) => r.file === file)?.envFile;
  return envFile ? parseEnvFile(await read(envFile)) : {};
}

function parseEnvFile(text: string): Env {
  const env: Env = {};
  for (const line of text.split("\n")) {
    if (!line.trim() || line.trimStart().startsWith("#")) continue;
    const at = line.indexOf("=");
    env[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return env;
}

function findService(compose: ComposeFile, name: string): ComposeService {
  const service = compose.services[name];
  if (!service) throw new Error(`no service "${name}"`);
  return service;
}

/**
 * `[host_ip:]published:target[/proto]` (written, or Compose v1's `config`) or the long syntax (Compose v2's
 * `config`) → where it listens on the host (`""` = every interface) and the numbers.
 */
function parsePort(spec: ComposePort): { host: string; published: number; target: number } {
  if (typeof spec !== "string") return { host: spec.host_ip ?? "", published: Number(spec.published), target: Number(spec.target) };
  const parts = spec.replace(/\/(tcp|udp|sctp)$/, "").split(":");
  return { host: parts.length > 2 ? parts.slice(0, -2).join(":") : "", published: Number(parts.at(-2)), target: Number(parts.at(-1)) };
}

/** `source:target[:mode]` → target → source; a `${VAR:-default}` source keeps its colon. */
function volumeTargets(service: ComposeService): Map<string, string> {
  return new Map(
    (service.volumes ?? []).map((volume) => {
      const [, source = "", target = ""] = /^(\$\{[^}]*\}|[^:]*):([^:]+)/.exec(volume) ?? [];
      return [target, source];
    }),
  );
}

/** Every environment variable name the app reads: src/config.ts's names, and `process.env.X` anywhere in the code. */
async function readAppVariables(): Promise<Set<string>> {
  const names = new Set<string>();
  const configSource = await read("src/config.ts");
  for (const [, name] of configSource.matchAll(/"([A-Z][A-Z0-9_]*[A-Z0-9]|AzureWebJobs[A-Za-z_]*)"/g)) if (name) names.add(name);
  for (const [, name] of configSource.matchAll(/\benv\.([A-Za-z_][A-Za-z0-9_]*)/g)) if (name) names.add(name);
  for (const folder of ["src", "functions", "github-app", "local"]) {
    if (!existsSync(path.join(root, folder))) continue;
    for (const entry of await readdir(path.join(root, folder), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.endsWith(".test.ts")) continue;
      const text = await readFile(path.join(entry.parentPath, entry.name), "utf8");
      for (const [, name] of text.matchAll(/process\.env\.([A-Za-z_][A-Za-z0-9_]*)/g)) if (name) names.add(name);
      for (const [, name] of text.matchAll(/process\.env\[\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\]/g)) if (name) names.add(name);
    }
  }
  return names;
}

/** The problems src/config.ts reports for an environment (empty when it loads). */
function configProblems(env: Env): string[] {
  try {
    loadConfig(env, { profile: "container", cwd: "/home/site/wwwroot" });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

function runtimeStageEnv(dockerfile: Dockerfile): Env {
  const env: Env = {};
  const runtime = dockerfile.getFROMs().at(-1)!;
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getRange().start.line < runtime.getRange().start.line) continue;
    if (instruction.getKeyword() !== "ENV") continue;
    for (const property of (instruction as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] }).getProperties()) {
      env[property.getName()] = property.getValue() ?? "";
    }
  }
  return env;
}

function instructionArgs(dockerfile: Dockerfile, keyword: string): string[] {
  return dockerfile.getInstructions().filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? "");
}

let dockerfileText: string;
let dockerfile: Dockerfile;
let imageEnv: Env;
let packageJson: {
  config: { image: string };
  engines: { node: string };
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

beforeAll(async () => {
  dockerfileText = await read("Dockerfile");
  dockerfile = DockerfileParser.parse(dockerfileText);
  imageEnv = runtimeStageEnv(dockerfile);
  packageJson = JSON.parse(await read("package.json"));
});

describe("compose files against the Compose JSON schema", () => {
  let validateCompose: ValidateFunction;

  beforeAll(async () => {
    const text = await read("test/fixtures/compose-spec/compose_spec.json");
    expect(createHash("sha256").update(text).digest("hex"), "vendored schema changed: see test/fixtures/README.md").toBe(COMPOSE_SPEC_SHA256);
    // The file declares draft 2019-09 under an http:// URL ajv does not know and still uses draft-04 `id`s.
    const dropIds = (node: unknown): unknown =>
      Array.isArray(node)
        ? node.map(dropIds)
        : node && typeof node === "object"
          ? Object.fromEntries(
              Object.entries(node)
                .filter(([key, value]) => !((key === "id" || key === "$schema") && typeof value === "string"))
                .map(([key, value]) => [key, dropIds(value)]),
            )
          : node;
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
    ajv.addFormat("ports", { type: "string", validate: /^((\[?[0-9a-fA-F.:]+\]?):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/ });
    ajv.addFormat("expose", /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat("subnet_ip_address", /^[0-9a-fA-F.:]+\/\d+$/);
    validateCompose = ajv.compile(dropIds(JSON.parse(text)) as object);
  });

  // Compose interpolates first and validates the result (`"${FUNCSPACE_BIND:-127.0.0.1}:…"` is a port only then).
  it.each(COMPOSE_FILES)("%s is valid", async (file) => {
    const valid = validateCompose(interpolateAll(await loadCompose(file), await interpolationEnvOf(file)));
    expect(validateCompose.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it("rejects a misspelt key and a bad duration (the check can fail)", () => {
    expect(validateCompose({ services: { functions: { image: "x", portz: ["7071:80"] } } })).toBe(false);
    expect(validateCompose({ services: { functions: { image: "x", healthcheck: { interval: "ten seconds" } } } })).toBe(false);
  });
});

describe("docker-compose config (Debian's docker-compose; installed by .ci/run)", () => {
  const binary = ["/usr/bin/docker-compose", "/usr/local/bin/docker-compose"].find((candidate) => existsSync(candidate));

  it("is installed wherever CI runs", () => {
    if (process.env.CI === "true") expect(binary, "apt-get install -y docker-compose (see .ci/run)").toBeDefined();
    else expect(binary === undefined || existsSync(binary)).toBe(true);
  });

  it.each(RUNNABLE)("accepts $file", async ({ file, envFile }) => {
    if (!binary) return;
    const args = [...(envFile ? ["--env-file", path.join(root, envFile)] : []), "-f", path.join(root, file), "config", "-q"];
    await run(binary, args, { cwd: root, env: { PATH: process.env.PATH } });
  });

  it("accepts the dev file with the engine override, which builds from this checkout", async () => {
    if (!binary) return;
    const { stdout } = await run(binary, ["-f", "docker-compose.dev.yml", "-f", "docker-compose.engine.yml", "config"], {
      cwd: root,
      env: { PATH: process.env.PATH },
    });
    const merged = YAML.parse(stdout) as ComposeFile;
    expect(findService(merged, "functions").build).toEqual({ context: root });
    expect(findService(merged, "functions").volumes).toContain(`${path.join(root, "dist")}:/home/site/wwwroot/dist:ro`);
  });

  /** `docker-compose config` of a file, run with exactly `env` (and PATH). */
  const composeConfig = async (file: string, env: Env, extraArgs: string[] = []): Promise<ComposeFile> => {
    const { stdout } = await run(binary!, ["-f", file, ...extraArgs, "config"], { cwd: root, env: { PATH: process.env.PATH, ...env } });
    return YAML.parse(stdout) as ComposeFile;
  };
  const publishedPorts = (compose: ComposeFile) =>
    Object.entries(compose.services).flatMap(([name, service]) => (service.ports ?? []).map((port) => ({ service: name, ...parsePort(port) })));

  it("prod with only its required variables: github sign-in, published on 127.0.0.1 only, role variables empty", async () => {
    if (!binary) return;
    const compose = await composeConfig("docker-compose.prod.yml", PROD_MINIMAL_ENV);
    const functions = findService(compose, "functions");
    expect(functions.environment?.AUTH_MODE).toBe("github");
    expect(functions.environment).not.toHaveProperty("AUTH_SWA_EMULATOR");
    for (const name of ROLE_VARIABLES) expect(functions.environment?.[name], name).toBe("");
    expect(publishedPorts(compose)).toEqual([{ service: "functions", host: "127.0.0.1", published: 7071, target: 80 }]);
  });

  it("prod passes the role variables from the environment; FUNCSPACE_BIND and FUNCSPACE_PORT move the published port", async () => {
    if (!binary) return;
    const roles: Env = {
      AUTH_ADMINS: "octocat,org:acme",
      AUTH_OPERATORS: "team:acme/platform",
      AUTH_READERS: "org:acme-readers",
      AUTH_REPOSITORY_ROLES: "true",
      AUTH_SESSION_HOURS: "12",
      ALLOWED_HOSTS: "funcspace.internal",
    };
    const compose = await composeConfig("docker-compose.prod.yml", { ...PROD_MINIMAL_ENV, ...roles, FUNCSPACE_BIND: "10.0.0.5", FUNCSPACE_PORT: "8080" });
    const functions = findService(compose, "functions");
    expect(functions.environment).toMatchObject({ AUTH_MODE: "github", ...roles });
    expect(publishedPorts(compose)).toEqual([{ service: "functions", host: "10.0.0.5", published: 8080, target: 80 }]);
  });

  it.each(["docker-compose.dev.yml", "templates/workspace/docker-compose.yml"])(
    "%s: every published port is on 127.0.0.1, and swa is the emulator's (AUTH_SWA_EMULATOR=true)",
    async (file) => {
      if (!binary) return;
      const compose = await composeConfig(file, {}, ["--profile", "relay"]);
      const ports = publishedPorts(compose);
      expect(ports.map((p) => p.published).sort()).toEqual([4280, 7071, 9229]);
      for (const port of ports) expect(port.host, `${port.service} ${port.published}`).toBe("127.0.0.1");
      expect(findService(compose, "functions").environment).toMatchObject({ AUTH_MODE: "swa", AUTH_SWA_EMULATOR: "true" });
      expect(Object.keys(compose.services).sort()).toEqual(["azurite", "functions", "relay", "web"]);
    },
  );

  it("stops the prod file with the variable's name when the env file is missing", async () => {
    if (!binary) return;
    const failure = await run(binary, ["-f", "docker-compose.prod.yml", "config", "-q"], { cwd: root, env: { PATH: process.env.PATH } }).then(
      () => undefined,
      (error: { stderr: string }) => error.stderr,
    );
    expect(failure).toMatch(/set AzureWebJobsStorage/);
  });
});

describe("Dockerfile", () => {
  it("passes the linter (dockerfile-utils) with every optional rule as an error", () => {
    const diagnostics = lintDockerfile(dockerfileText, {
      deprecatedMaintainer: ValidationSeverity.ERROR,
      directiveCasing: ValidationSeverity.ERROR,
      emptyContinuationLine: ValidationSeverity.ERROR,
      instructionCasing: ValidationSeverity.ERROR,
      instructionCmdMultiple: ValidationSeverity.ERROR,
      instructionEntrypointMultiple: ValidationSeverity.ERROR,
      instructionHealthcheckMultiple: ValidationSeverity.ERROR,
      instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
      instructionWorkdirRelative: ValidationSeverity.ERROR,
    });
    expect(diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
    expect(lintDockerfile("FROM\nEXPOSE port\n").length).toBeGreaterThan(0);
  });

  it("builds in stages on Microsoft's Functions Node 24 image and ships only the runtime files", () => {
    const stages = dockerfile.getFROMs().map((from) => from.getBuildStage());
    expect(stages).toEqual(["build", "deps", "runtime"]);
    const baseArg = /ARG FUNCTIONS_BASE=(\S+)/.exec(dockerfileText)?.[1];
    expect(baseArg).toBe("mcr.microsoft.com/azure-functions/node:4-node24");
    expect(dockerfile.getFROMs().at(-1)?.getImage()).toBe("${FUNCTIONS_BASE}");
    expect(dockerfileText).toMatch(/npm ci --ignore-scripts/);
    expect(dockerfileText).toMatch(/npm ci --omit=dev/);
    expect(dockerfileText).toMatch(/npm run build && sh docker\/build-web\.sh && sh docker\/collect-app\.sh \/out/);

    const runtimeLine = dockerfile.getFROMs().at(-1)!.getRange().start.line;
    const runtimeCopies = dockerfile
      .getInstructions()
      .filter((i) => i.getKeyword() === "COPY" && i.getRange().start.line > runtimeLine)
      .map((i) => i.getTextContent());
    expect(runtimeCopies).toEqual([
      "COPY --from=deps /deps/node_modules /home/site/wwwroot/node_modules",
      "COPY --from=build /out/ /home/site/wwwroot/",
      "COPY docker/entrypoint.sh /usr/local/bin/funcspace-entrypoint",
      "COPY docker/relay.mjs /home/site/wwwroot/docker/relay.mjs",
    ]);
  });

  it("runs Node 24 in every stage, a major package.json's engines admits, and hands the runtime no native addon", () => {
    const images = dockerfile.getFROMs().map((from) => from.getImage());
    const baseArg = /ARG FUNCTIONS_BASE=(\S+)/.exec(dockerfileText)?.[1] ?? "";
    // The Functions image names its Node major in the tag (4-node24); the build stages use Node's own image.
    const majors = images.map((image) => (image === "${FUNCTIONS_BASE}" ? baseArg : (image ?? ""))).map((image) => /node:(?:4-node)?(\d+)/.exec(image)?.[1]);
    expect(majors).toEqual(["24", "24", "24"]);
    expect(images.slice(0, 2)).toEqual(["node:24-bookworm-slim", "node:24-bookworm-slim"]);
    expect(semver.intersects(packageJson.engines.node, "24.x")).toBe(true);
    expect(semver.intersects(packageJson.engines.node, "20.x"), "Node 20 reached end of life in April 2026").toBe(false);
    // The deps stage's node_modules (built on Debian 12) runs on the Functions image, whatever its Debian release:
    // true only while no production dependency is a native addon (a .node binary, or one built by node-gyp).
    const productionPackages = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], { encoding: "utf8", maxBuffer: 1 << 26 })
      .split("\n")
      .filter((dir) => dir.includes(`${path.sep}node_modules${path.sep}`));
    expect(productionPackages.length).toBeGreaterThan(50);
    const native = productionPackages.filter((dir) => existsSync(path.join(dir, "binding.gyp")) || hasNodeBinary(dir));
    expect(native).toEqual([]);
  });

  it("sets the Functions host's and the app's container defaults", () => {
    expect(imageEnv).toMatchObject({
      AzureWebJobsScriptRoot: "/home/site/wwwroot",
      AzureFunctionsJobHost__Logging__Console__IsEnabled: "true",
      WORKSPACE_DIR: "/workspace",
      TEMP_DIR: "/mnt/tmp",
      AUTH_MODE: "swa",
    });
    // Setting ENABLE_DEBUGGING in the image would hide its alias ENABLE_REMOTE_DEBUGGING.
    expect(imageEnv).not.toHaveProperty("ENABLE_DEBUGGING");
  });

  it("carries OCI labels, a health check on /api/health and the entry step before the base start command", () => {
    const labels = instructionArgs(dockerfile, "LABEL").join(" ");
    for (const key of ["title", "description", "licenses", "source", "version", "revision", "created", "base.name"]) {
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
    }
    expect(instructionArgs(dockerfile, "HEALTHCHECK").join(" ")).toMatch(/http:\/\/127\.0\.0\.1:80\/api\/health/);
    expect(instructionArgs(dockerfile, "ENTRYPOINT")).toEqual(['["/usr/local/bin/funcspace-entrypoint"]']);
    expect(instructionArgs(dockerfile, "CMD")).toEqual(['["/opt/startup/start_nonappservice.sh"]']);
  });
});

describe("the entry step (docker/entrypoint.sh, run for real)", () => {
  const entry = (env: Env) =>
    run("sh", [path.join(root, "docker/entrypoint.sh"), "sh", "-c", 'printf "%s|%s" "$languageWorkers__node__arguments" "$0"', "exec-ok"], {
      env: { PATH: process.env.PATH, ...env },
    });

  it.each([
    // The runner process (default) opens the inspector itself: the Functions host's worker gets no flag.
    [{ ENABLE_DEBUGGING: "true" }, "", "runner"],
    [{ ENABLE_DEBUGGING: " TRUE " }, "", "runner"],
    [{ ENABLE_REMOTE_DEBUGGING: "on" }, "", "runner"],
    [{ ENABLE_DEBUGGING: "", ENABLE_REMOTE_DEBUGGING: "1" }, "", "runner"],
    [{ ENABLE_DEBUGGING: "false", ENABLE_REMOTE_DEBUGGING: "true" }, "", undefined],
    [{}, "", undefined],
    // In process, the worker runs the workflows: it gets --inspect (kept after the operator's own arguments).
    [{ ENABLE_DEBUGGING: "true", WORKFLOW_RUNNER: "in-process" }, "--inspect=0.0.0.0:9229", "worker"],
    [
      { ENABLE_DEBUGGING: "yes", WORKFLOW_RUNNER: "in-process", languageWorkers__node__arguments: "--max-old-space-size=512" },
      "--max-old-space-size=512 --inspect=0.0.0.0:9229",
      "worker",
    ],
  ] as [Env, string, "runner" | "worker" | undefined][])("%j → worker arguments %j, debugger in the %s, then execs the command", async (env, expected, where) => {
    const { stdout } = await entry(env);
    const lines = stdout.split("\n");
    expect(lines.at(-1)).toBe(`${expected}|exec-ok`);
    const announced = lines.find((line) => /listens for a debugger on port 9229/.test(line));
    expect(announced === undefined ? undefined : /workflow runner/.test(announced) ? "runner" : "worker").toBe(where);
    // The same reading as src/config.ts: both agree on whether debugging is on.
    expect(loadConfig({ AzureWebJobsStorage: "UseDevelopmentStorage=true", ...env }, { profile: "container" }).enableDebugging).toBe(where !== undefined);
  });

  it("refuses a value that is not a boolean, naming the variable", async () => {
    const failure = await entry({ ENABLE_REMOTE_DEBUGGING: "maybe" }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(64);
    expect(failure?.stderr).toMatch(/ENABLE_REMOTE_DEBUGGING="maybe" must be true or false/);
  });
});

describe("what the image ships (docker/collect-app.sh, run for real)", () => {
  it("copies package.json, host.json, dist/ (with the platform's declarations), app.yml and the built UI, and nothing else", async () => {
    const project = await createTempDir();
    try {
      const src = path.join(project.path, "src");
      await mkdir(path.join(src, "dist/functions"), { recursive: true });
      await mkdir(path.join(src, "web/dist"), { recursive: true });
      await mkdir(path.join(src, "node_modules/left-behind"), { recursive: true });
      await mkdir(path.join(src, "templates/workspace"), { recursive: true });
      await mkdir(path.join(src, "web/src/editor/typescript/types"), { recursive: true });
      await writeFile(path.join(src, "package.json"), JSON.stringify({ main: "dist/functions/index.js" }));
      for (const file of ["package-lock.json", "host.json", "app.yml", "dist/functions/index.js", "web/dist/index.html", "web/staticwebapp.config.json", "README.md", "templates/workspace/funcspace.d.ts", "templates/workspace/hello.ts", "web/src/editor/typescript/types/workflow-globals.d.ts"]) {
        await writeFile(path.join(src, file), file);
      }
      const out = path.join(project.path, "out");
      await run("sh", [path.join(root, "docker/collect-app.sh"), out], { cwd: src });
      const shipped = (await readdir(out, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(out, path.join(e.parentPath, e.name))).sort();
      expect(shipped).toEqual([
        "app.yml",
        "dist/functions/index.js",
        "dist/templates/workspace/funcspace.d.ts",
        "dist/web/src/editor/typescript/types/workflow-globals.d.ts",
        "host.json",
        "package-lock.json",
        "package.json",
        "web/dist/index.html",
        "web/dist/staticwebapp.config.json",
      ]);

      await writeFile(path.join(src, "package.json"), JSON.stringify({ main: "dist/functions/missing.js" }));
      await expect(run("sh", [path.join(root, "docker/collect-app.sh"), path.join(project.path, "out2")], { cwd: src })).rejects.toMatchObject({
        stderr: expect.stringMatching(/package.json main \(dist\/functions\/missing.js\) was not built/),
      });
    } finally {
      await project.cleanup();
    }
  });

  it("ships the entry file package.json names, built from the sources the context keeps", async () => {
    const ignored = (await read(".dockerignore")).split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    for (const heavy of ["node_modules", ".git", ".data", "dist", "web/dist", "workspace", "test"]) expect(ignored).toContain(heavy);
    for (const needed of ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", "host.json", "app.yml", "src", "functions", "docker", "web"]) {
      expect(ignored.some((pattern) => pattern === needed || needed.startsWith(`${pattern}/`))).toBe(false);
    }
    // The check's declarations: templates/ stays out, but for funcspace.d.ts (docker/collect-app.sh ships it).
    expect(ignored).toContain("!templates/workspace/funcspace.d.ts");
    const main = JSON.parse(await read("package.json")).main as string;
    expect(main).toBe("dist/functions/index.js");
    expect(existsSync(path.join(root, main.replace(/^dist\//, "").replace(/\.js$/, ".ts")))).toBe(true);
  });
});

describe("consistency of compose files, image and app configuration", () => {
  let appVariables: Set<string>;

  beforeAll(async () => {
    appVariables = await readAppVariables();
  });

  it("finds the variables src/config.ts reads (the parser is not blind)", () => {
    for (const name of ["WORKSPACE_DIR", "TEMP_DIR", "AzureWebJobsStorage", "AzureWebJobsStorage__accountName", "KEY_VAULT_URL", "AUTH_MODE", "ENABLE_DEBUGGING", "ENABLE_REMOTE_DEBUGGING"]) {
      expect(appVariables).toContain(name);
    }
  });

  it("the image's defaults leave only the storage account to the deployment", () => {
    const problems = configProblems(imageEnv);
    expect(problems.length).toBeGreaterThan(0);
    // A new required variable without a default appears here as a problem that does not name the storage.
    for (const problem of problems) expect(problem).toMatch(/AzureWebJobsStorage/);
    expect(configProblems({ ...imageEnv, AzureWebJobsStorage: "UseDevelopmentStorage=true" })).toEqual([]);
  });

  it.each(RUNNABLE)("$file: the app starts with its environment, at the mounted folders, signing in with $authMode", async ({ file, envFile, authMode }) => {
    const compose = await loadCompose(file);
    const interpolationEnv = envFile ? parseEnvFile(await read(envFile)) : {};
    const functions = findService(compose, "functions");
    const composeEnv = Object.fromEntries(Object.entries(functions.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), interpolationEnv)]));

    for (const name of Object.keys(composeEnv)) {
      expect(appVariables.has(name) || PLATFORM_VARIABLES.has(name), `${file} sets ${name}, which nothing reads`).toBe(true);
    }
    const env = { ...imageEnv, ...composeEnv };
    expect(configProblems(env)).toEqual([]);
    const config = loadConfig(env, { profile: "container" });
    const mounts = volumeTargets(functions);
    expect(mounts.has(config.workspaceDir), `${config.workspaceDir} is mounted`).toBe(true);
    expect(mounts.has(config.tempDir), `${config.tempDir} is mounted`).toBe(true);
    expect(config.authMode).toBe(authMode);
    expect(path.dirname(config.localSecretsFile).startsWith(config.tempDir)).toBe(true);
    // The start-up check passes as the container runs it (outside Azure, no bind host: the port mapping is the fence).
    expect(() => checkAuthDeployment(config, env)).not.toThrow();
  });

  it("the dev file and the template: swa only because AUTH_SWA_EMULATOR=true says the emulator is the way in", async () => {
    for (const file of ["docker-compose.dev.yml", "templates/workspace/docker-compose.yml"]) {
      const environment = findService(await loadCompose(file), "functions").environment ?? {};
      expect(environment, file).toMatchObject({ AUTH_MODE: "swa", AUTH_SWA_EMULATOR: "true" });
      // Without the statement the same file is refused at start-up (the setting carries the weight).
      const { AUTH_SWA_EMULATOR: _, ...withoutEmulator } = { ...imageEnv, ...interpolateAll(environment, {}) };
      expect(() => checkAuthDeployment(loadConfig(withoutEmulator, { profile: "container" }), withoutEmulator), file).toThrow(/AUTH_SWA_EMULATOR/);
    }
  });

  it("the prod file: github sign-in by default, roles from the env file, no swa and no emulator", async () => {
    const environment = findService(await loadCompose("docker-compose.prod.yml"), "functions").environment ?? {};
    expect(environment.AUTH_MODE).toBe("${AUTH_MODE:-github}");
    expect(environment).not.toHaveProperty("AUTH_SWA_EMULATOR");
    // Passed through, empty allowed (src/config.ts owns the defaults).
    for (const name of ROLE_VARIABLES) expect(environment[name], name).toBe(`\${${name}:-}`);

    const env = { ...imageEnv, ...interpolateAll(environment, PROD_MINIMAL_ENV) };
    const config = loadConfig(env, { profile: "container" });
    expect(config).toMatchObject({ authMode: "github", authSwaEmulator: false, authRepositoryRoles: false, allowedHosts: [] });
    expect(config.roleRules).toEqual({ admin: [], operator: [], reader: [] });
    expect(() => checkAuthDeployment(config, env)).not.toThrow();

    const example = loadConfig({ ...imageEnv, ...interpolateAll(environment, parseEnvFile(await read("docker/prod.env.example"))) }, { profile: "container" });
    expect(example.roleRules.admin).toEqual([{ kind: "user", login: "octocat" }]);
    expect(example.roleRules.operator).toEqual([{ kind: "team", org: "funcspace-org", team: "platform" }]);
    expect(example.roleRules.reader).toEqual([{ kind: "org", org: "funcspace-org" }]);

    // What the deployment guide says is refused, is: swa (no Static Web App in front), local, plain http on a public host.
    for (const [override, refusal] of [
      [{ AUTH_MODE: "swa" }, /AUTH_MODE=swa outside Azure/],
      [{ AUTH_MODE: "local" }, /AUTH_MODE=local/],
      [{ PUBLIC_URL: "http://funcspace.example.com" }, /PUBLIC_URL=http:\/\/funcspace\.example\.com.*HTTPS/],
    ] as [Env, RegExp][]) {
      const refused = { ...imageEnv, ...interpolateAll(environment, { ...PROD_MINIMAL_ENV, ...override }) };
      expect(() => checkAuthDeployment(loadConfig(refused, { profile: "container" }), refused), JSON.stringify(override)).toThrow(refusal);
    }
  });

  it("docker/prod.env.example names every variable the prod file reads", async () => {
    const example = parseEnvFile(await read("docker/prod.env.example"));
    const used = new Set([...(await read("docker-compose.prod.yml")).matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map(([, name]) => name!));
    for (const name of used) expect(Object.keys(example), name).toContain(name);
  });

  it("docker/Caddyfile.example serves PUBLIC_URL's host and proxies to the prod file's loopback port", async () => {
    const caddyfile = await read("docker/Caddyfile.example");
    const prod = interpolateAll(findService(await loadCompose("docker-compose.prod.yml"), "functions"), PROD_MINIMAL_ENV);
    const port = parsePort(prod.ports![0]!);
    expect(caddyfile).toMatch(new RegExp(`^\\s*reverse_proxy ${port.host.replaceAll(".", "\\.")}:${port.published} \\{`, "m"));
    expect(caddyfile).toMatch(new RegExp(`^${new URL(PROD_MINIMAL_ENV.PUBLIC_URL!).hostname.replaceAll(".", "\\.")} \\{`, "m"));
    // Caddy keeps the client's Host by default; overriding it would break funcspace's host check.
    expect(caddyfile).not.toMatch(/^\s*header_up\s+Host\b/im);
  });

  it("ports agree: host 80 in the image, published on 7071 like `npm start`; the inspector on 9229 everywhere", async () => {
    const containerPort = Number(/http:\/\/\+:(\d+)/.exec(imageEnv.ASPNETCORE_URLS ?? "")?.[1]);
    expect(containerPort).toBe(80);
    const exposed = instructionArgs(dockerfile, "EXPOSE").join(" ").split(/\s+/).map(Number);
    expect(exposed).toEqual([containerPort, 9229]);
    const localPort = loadConfig({ AzureWebJobsStorage: "UseDevelopmentStorage=true" }, { profile: "local" }).port;
    expect(localPort).toBe(7071);
    expect(await read("docker/entrypoint.sh")).toContain("--inspect=0.0.0.0:9229");
    // `npm start` opens its inspector on DEBUG_PORT: its default is the container's port, so one launch.json fits both.
    expect(loadConfig({ AzureWebJobsStorage: "UseDevelopmentStorage=true" }, { profile: "local" }).debugPort).toBe(9229);

    for (const { file } of RUNNABLE) {
      const functions = interpolateAll(findService(await loadCompose(file), "functions"), await interpolationEnvOf(file));
      const ports = (functions.ports ?? []).map(parsePort);
      expect(ports[0], file).toEqual({ host: "127.0.0.1", published: localPort, target: containerPort });
      expect(functions.healthcheck?.test?.join(" "), file).toContain(`http://127.0.0.1:${containerPort}/api/health`);
      if (file === "docker-compose.prod.yml") {
        expect(ports, "no debugger port in production").toHaveLength(1);
        expect(functions.restart).toBe("unless-stopped");
      } else {
        expect(ports[1], file).toEqual({ host: "127.0.0.1", published: 9229, target: 9229 });
      }
    }
  });

  it("every published port of every compose file is on 127.0.0.1, by default and with the example env file", async () => {
    for (const { file } of RUNNABLE) {
      const envs = file === "docker-compose.prod.yml" ? [PROD_MINIMAL_ENV, await interpolationEnvOf(file)] : [{}];
      for (const [name, service] of Object.entries((await loadCompose(file)).services)) {
        for (const env of envs) {
          for (const port of interpolateAll(service.ports ?? [], env).map(parsePort)) {
            expect(port.host, `${file} ${name} ${port.published}`).toBe("127.0.0.1");
          }
        }
      }
    }
  });

  it("the template is the dev compose file with the published image and this folder as the workspace", async () => {
    const dev = await loadCompose("docker-compose.dev.yml");
    const template = await loadCompose("templates/workspace/docker-compose.yml");
    expect(volumeTargets(findService(dev, "functions")).get("/workspace")).toBe("${WORKSPACE_PATH:-./workspace}");
    expect(volumeTargets(findService(template, "functions")).get("/workspace")).toBe("${WORKSPACE_PATH:-.}");
    // Everything else, debug wiring included (ENABLE_DEBUGGING, 9229 on loopback, /workspace), is identical.
    const normalized = JSON.stringify(dev).replaceAll("${WORKSPACE_PATH:-./workspace}", "${WORKSPACE_PATH:-.}");
    expect(JSON.parse(normalized)).toEqual(template);
  });

  it("the template's VS Code attach configuration matches the compose debug wiring", async () => {
    const text = await read("templates/workspace/.vscode/launch.json");
    const launch = ts.parseConfigFileTextToJson("launch.json", text).config as { configurations: Record<string, unknown>[] };
    const attach = launch.configurations.find((c) => c.request === "attach" && c.type === "node");
    expect(attach).toMatchObject({ port: 9229, remoteRoot: "/workspace", localRoot: "${workspaceFolder}" });
    const template = await loadCompose("templates/workspace/docker-compose.yml");
    expect(volumeTargets(findService(template, "functions")).has(attach?.remoteRoot as string)).toBe(true);
  });

  it("every funcspace service runs the one image named in package.json; Azurite matches `npm start`'s", async () => {
    const image = packageJson.config.image;
    expect(image).toBe("funcspace/funcspace");
    for (const { file } of RUNNABLE) {
      const compose = await loadCompose(file);
      for (const [name, service] of Object.entries(compose.services)) {
        if (name === "azurite") {
          expect(service.image).toBe(`mcr.microsoft.com/azure-storage/azurite:${packageJson.devDependencies.azurite?.replace(/^[\^~]/, "")}`);
        } else {
          expect(service.image, `${file} ${name}`).toBe(`\${FUNCSPACE_IMAGE:-${image}:latest}`);
        }
      }
    }
    expect(await read(".github/workflows/publish-image.yml")).toContain(`node -p "require('./package.json').config.image"`);
  });

  it("the web service proxies /api with --api-devserver-url (never --api-location); relay reads smee.config.json", async () => {
    for (const file of ["docker-compose.dev.yml", "templates/workspace/docker-compose.yml"]) {
      const compose = await loadCompose(file);
      const web = findService(compose, "web").entrypoint ?? [];
      expect(web).not.toContain("--api-location");
      expect(web[web.indexOf("--api-devserver-url") + 1]).toBe("http://functions:80");
      expect(findService(compose, "web").ports).toEqual(["127.0.0.1:4280:4280"]);
      const relay = findService(compose, "relay");
      expect(relay.profiles).toEqual(["relay"]);
      expect(relay.entrypoint?.at(-1)).toBe("/config/smee.config.json");
      expect(relay.environment?.RELAY_TARGET).toBe("http://functions:80/api/github/webhooks");
    }
  });
});

describe("the relay (docker/relay.mjs)", () => {
  it("says how to create smee.config.json when it is missing", async () => {
    const dir = await createTempDir();
    try {
      const failure = await run(process.execPath, [path.join(root, "docker/relay.mjs"), path.join(dir.path, "smee.config.json")], { cwd: root }).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toMatch(/cannot read .*smee\.config\.json \(ENOENT\): create it with \{"source"/);
    } finally {
      await dir.cleanup();
    }
  });
});

describe("package.json engines and the dependency tree agree", () => {
  /** Locked packages whose engines.node does not admit every Node version `range` admits: npm ci warns EBADENGINE on those. */
  async function disagreeing(range: string): Promise<string[]> {
    const lock = JSON.parse(await read("package-lock.json")) as { packages: Record<string, { version?: string; engines?: unknown }> };
    const found: string[] = [];
    for (const [where, entry] of Object.entries(lock.packages)) {
      // As npm checks it: an object with a `node` range (old packages have an array, which npm ignores).
      const wanted = (entry.engines as { node?: unknown } | undefined)?.node;
      if (where === "" || typeof wanted !== "string") continue;
      if (!semver.subset(range, wanted)) found.push(`${where.replace(/^.*node_modules\//, "")}@${entry.version ?? "?"} wants ${wanted}`);
    }
    return found;
  }

  it("every locked package supports every Node version engines admits (a fresh npm ci on them prints no EBADENGINE)", async () => {
    expect(semver.validRange(packageJson.engines.node)).not.toBeNull();
    expect(await disagreeing(packageJson.engines.node)).toEqual([]);
    // The check can fail: the engines this file had before Node 22 (content-type and content-disposition want 22).
    expect(await disagreeing(">=20.18.1")).toEqual(expect.arrayContaining([expect.stringMatching(/^content-disposition@/)]));
  });

  it("the lockfile records the same engines (npm install was run after the change)", async () => {
    const lock = JSON.parse(await read("package-lock.json")) as { packages: Record<string, { engines?: { node?: string } }> };
    expect(lock.packages[""]?.engines?.node).toBe(packageJson.engines.node);
  });
});

/**
 * The actions the publish workflow uses, each at a full commit SHA checked with `git rev-parse <tag>^{commit}` in a
 * clone of the action's repository. A new version goes here with the workflow, after the same check.
 */
const PINNED_ACTIONS: Record<string, { sha: string; version: string }> = {
  "actions/checkout": { sha: "3d3c42e5aac5ba805825da76410c181273ba90b1", version: "v7.0.1" },
  "docker/metadata-action": { sha: "dc802804100637a589fabce1cb79ff13a1411302", version: "v6.2.0" },
  "docker/setup-buildx-action": { sha: "37fe631027851001ddb9b187196cc803df7f5f0e", version: "v4.3.0" },
  "docker/build-push-action": { sha: "53b7df96c91f9c12dcc8a07bcb9ccacbed38856a", version: "v7.3.0" },
  "docker/login-action": { sha: "4907a6ddec9925e35a0a9e82d7399ccc52663121", version: "v4.1.0" },
};

describe("the publish workflow", () => {
  interface Step {
    id?: string;
    name?: string;
    uses?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
    run?: string;
  }
  const loadWorkflow = async () => {
    const text = await read(".github/workflows/publish-image.yml");
    return { text, steps: (YAML.parse(text) as { jobs: { publish: { steps: Step[] } } }).jobs.publish.steps };
  };

  it("pins every action (in every workflow) to a full commit SHA, with the release it is in as a comment", async () => {
    const files = (await readdir(path.join(root, ".github/workflows"))).filter((f) => /\.ya?ml$/.test(f));
    expect(files).toContain("publish-image.yml");
    const used = new Set<string>();
    for (const file of files) {
      const lines = (await read(`.github/workflows/${file}`)).split("\n").filter((line) => /^\s*(-\s+)?uses:/.test(line));
      for (const line of lines) {
        const [, action = "", sha = "", version = ""] = /uses:\s+([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)\s*$/.exec(line) ?? [];
        expect(action, `${file}: ${line.trim()}`).not.toBe("");
        expect({ sha, version }, `${file}: ${action}`).toEqual(PINNED_ACTIONS[action]);
        used.add(action);
      }
    }
    expect([...used].sort()).toEqual(Object.keys(PINNED_ACTIONS).sort());
  });

  it("prints the pushed image's digest and the template parameters that deploy it (the summary step, run for real)", async () => {
    const { steps } = await loadWorkflow();
    const pushAt = steps.findIndex((s) => s.with?.push === true);
    expect(steps[pushAt]?.id).toBe("push");
    const summary = steps.find((s) => s.name === "Digest to deploy");
    expect(steps.indexOf(summary!)).toBeGreaterThan(pushAt);
    expect(summary?.env).toEqual({
      IMAGE: "${{ steps.image.outputs.name }}",
      DIGEST: "${{ steps.push.outputs.digest }}",
      TAGS: "${{ steps.meta.outputs.tags }}",
    });
    // Outputs reach the script through env only, never spliced into its text (no script injection).
    expect(summary?.run).not.toContain("${{");

    const dir = await createTempDir();
    try {
      const script = path.join(dir.path, "summary.sh");
      const summaryFile = path.join(dir.path, "summary.md");
      await writeFile(script, summary!.run!);
      const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
      // GitHub runs `run:` with `bash --noprofile --norc -eo pipefail {0}`.
      const bash = (env: Env) => run("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], { env: { PATH: process.env.PATH, GITHUB_STEP_SUMMARY: summaryFile, ...env } });
      const { stdout } = await bash({ IMAGE: packageJson.config.image, DIGEST: digest, TAGS: `docker.io/${packageJson.config.image}:1.2.3\ndocker.io/${packageJson.config.image}:1.2` });
      expect(stdout).toContain(`docker.io/${packageJson.config.image}@${digest}`);
      const written = await readFile(summaryFile, "utf8");
      expect(written).toContain(`imageDigest=${digest}`);
      expect(written).toContain(`containerImage=${packageJson.config.image}`);
      expect(written).toContain("1.2.3");
      // The parameters it names are the template's, and the template takes the image by that digest.
      const template = JSON.parse(await read("infra/azuredeploy.json")) as { parameters: Record<string, { maxLength?: number }>; variables: { image: string } };
      expect(template.parameters.imageDigest?.maxLength).toBe(digest.length);
      expect(template.parameters).toHaveProperty("containerImage");
      expect(template.variables.image).toContain("format('docker.io/{0}@{1}', parameters('containerImage'), parameters('imageDigest'))");

      const failure = await bash({ IMAGE: packageJson.config.image, DIGEST: "", TAGS: "" }).then(() => undefined, (error: { code: number; stderr: string }) => error);
      expect(failure?.code).not.toBe(0);
      expect(failure?.stderr).toMatch(/no digest/);
    } finally {
      await dir.cleanup();
    }
  });

  it("pushes semver tags on version tags, `latest` only for stable releases, with Docker Hub secrets", async () => {
    const workflow = YAML.parse(await read(".github/workflows/publish-image.yml")) as {
      on: { push: { tags: string[] } };
      jobs: { publish: { steps: { uses?: string; with?: Record<string, string> }[] } };
    };
    expect(workflow.on.push.tags).toEqual(["v[0-9]+.[0-9]+.[0-9]+", "v[0-9]+.[0-9]+.[0-9]+-*"]);
    const steps = workflow.jobs.publish.steps;
    const tags = steps.find((s) => s.uses?.startsWith("docker/metadata-action"))?.with?.tags ?? "";
    expect(tags).toContain("type=semver,pattern={{version}}");
    expect(tags).toContain("type=raw,value=latest,enable=${{ !contains(github.ref_name, '-') }}");
    expect(steps.find((s) => s.uses?.startsWith("docker/metadata-action"))?.with?.flavor).toBe("latest=false");
    expect(steps.find((s) => s.uses?.startsWith("docker/login-action"))?.with).toEqual({
      username: "${{ secrets.DOCKERHUB_USERNAME }}",
      password: "${{ secrets.DOCKERHUB_TOKEN }}",
    });
    const pushes = steps.filter((s) => s.with?.push === (true as unknown as string));
    expect(pushes).toHaveLength(1);
  });
});

describe("npm run init-workspace", () => {
  it("copies the whole template, and refuses to overwrite without writing anything", async () => {
    const dir = await createTempDir();
    try {
      const target = path.join(dir.path, "my-workspace");
      const written = await initWorkspace(target);
      expect(written).toEqual(expect.arrayContaining(["docker-compose.yml", ".gitignore", "README.md", path.join(".vscode", "launch.json")]));
      expect(await readFile(path.join(target, "docker-compose.yml"), "utf8")).toBe(await read("templates/workspace/docker-compose.yml"));

      const second = path.join(dir.path, "second");
      await mkdir(second);
      await writeFile(path.join(second, "README.md"), "mine");
      await expect(initWorkspace(second)).rejects.toThrow(/already has README\.md: move it away/);
      expect(await readdir(second)).toEqual(["README.md"]);
      expect(await readFile(path.join(second, "README.md"), "utf8")).toBe("mine");

      const cli = execFileSync(process.execPath, ["--import", "tsx", path.join(root, "scripts/init-workspace.ts"), path.join(dir.path, "third")], { encoding: "utf8" });
      expect(cli).toMatch(/docker compose up/);
      expect(existsSync(path.join(dir.path, "third", "docker-compose.yml"))).toBe(true);
    } finally {
      await dir.cleanup();
    }
  });
});

/** Whether a package folder holds a compiled addon (`*.node`), outside its own nested node_modules. */
function hasNodeBinary(dir: string): boolean {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules") continue;
    if (entry.isFile() && entry.name.endsWith(".node")) return true;
    if (entry.isDirectory() && hasNodeBinary(path.join(dir, entry.name))) return true;
  }
  return false;
}
