import { Writable } from "node:stream";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createTempDir } from "../test/support/temp-dir.js";
import { LocalSecretStore } from "./azure/local-secret-store.js";
import { withSecretRedaction } from "./azure/redacting-secret-store.js";
import { KnownSecretValues } from "./known-secret-values.js";
import { createLogger } from "./logger.js";
import { noopTelemetry, setTelemetry } from "./telemetry/telemetry.js";

function captureLogger(secretValues: KnownSecretValues) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      callback();
    },
  });
  return { logger: createLogger({ level: "debug", destination, secretValues }), lines };
}

describe("createLogger redaction", () => {
  it("blanks secret-looking field names", () => {
    const { logger, lines } = captureLogger(new KnownSecretValues());
    logger.info({ token: "abc", headers: { authorization: "Bearer abc" }, repository: "o/r" }, "request");
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ token: "[redacted]", headers: { authorization: "[redacted]" }, repository: "o/r" });
  });

  it("blanks secret values handed out by the secret store wherever they appear, messages and stacks included", async () => {
    const dir = await createTempDir();
    try {
      const registry = new KnownSecretValues();
      const store = withSecretRedaction(new LocalSecretStore(path.join(dir.path, "secrets.json")), registry);
      await store.set("github-pat-one", "ghp_SetThroughTheStore1234");
      await new LocalSecretStore(path.join(dir.path, "secrets.json")).set("github-webhook-one", "webhook-secret-written-elsewhere");
      expect(await store.get("github-webhook-one")).toBe("webhook-secret-written-elsewhere");
      const { logger, lines } = captureLogger(registry);
      logger.error({ err: new Error("GitHub said no to ghp_SetThroughTheStore1234"), url: "https://x/?k=webhook-secret-written-elsewhere" }, "sync failed");
      logger.info("plain ghp_SetThroughTheStore1234 in the message");
      const text = lines.join("\n");
      expect(text).not.toContain("ghp_SetThroughTheStore1234");
      expect(text).not.toContain("webhook-secret-written-elsewhere");
      expect(text).toContain("GitHub said no to [redacted]");
      expect(lines).toHaveLength(2);
      // Public values kept in the store (the App's slug) stay readable.
      await store.set("github-app-slug", "funcspace-example-app");
      logger.info({ slug: "funcspace-example-app" }, "app registered");
      expect(lines[2]).toContain("funcspace-example-app");
      for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    } finally {
      await dir.cleanup();
    }
  });
});

describe("createLogger console level", () => {
  const capture = () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
        callback();
      },
    });
    return { destination, lines, levels: () => lines.map((line) => (JSON.parse(line) as { level: string }).level) };
  };
  const telemetryTap = (emitted: string[]) => ({
    ...noopTelemetry,
    enabled: true,
    emitLogLine: (line: string) => void emitted.push((JSON.parse(line) as { level: string }).level),
  });
  afterEach(() => setTelemetry(undefined));

  it("with telemetry on, writes only lines at the console level or above, and makes a log record of every line", () => {
    const emitted: string[] = [];
    setTelemetry(telemetryTap(emitted));
    const out = capture();
    const logger = createLogger({ level: "debug", consoleLevel: "warn", destination: out.destination, secretValues: new KnownSecretValues() });
    logger.debug("d");
    logger.info("i");
    logger.child({ function: "f" }).warn("w");
    logger.error("e");
    expect(out.levels()).toEqual(["warn", "error"]);
    expect(emitted).toEqual(["debug", "info", "warn", "error"]);
  });

  it("without telemetry, the console level is the logger's level (a lower LOG_LEVEL cannot widen it)", () => {
    const out = capture();
    const logger = createLogger({ level: "info", consoleLevel: "warn", destination: out.destination, secretValues: new KnownSecretValues() });
    logger.info("i");
    logger.warn("w");
    expect(logger.isLevelEnabled("info")).toBe(false);
    expect(out.levels()).toEqual(["warn"]);
    const quieter = capture();
    createLogger({ level: "error", consoleLevel: "debug", destination: quieter.destination, secretValues: new KnownSecretValues() }).warn("w");
    expect(quieter.lines).toEqual([]);
  });
});
