// One structured logger for the app: a short lowercase message plus fields, children per job.
// Secrets are removed by the logger itself (field names below), so a careless `log.info({ headers })`
// cannot leak a token; and every written line is scrubbed of the secret values the process knows (a token
// inside an error message or a logged URL has no telling field name).
import { pino, type DestinationStream, type Logger as PinoLogger } from "pino";
import type { LogLevel } from "./config.js";
import { knownSecretValues, type KnownSecretValues } from "./known-secret-values.js";
import { getTelemetry } from "./telemetry/telemetry.js";

export type Logger = PinoLogger;

/** Field names whose values are never written, at any depth we log. */
export const REDACTED_FIELDS = [
  "token",
  "accessToken",
  "access_token",
  "refreshToken",
  "pat",
  "secret",
  "webhookSecret",
  "webhook_secret",
  "clientSecret",
  "client_secret",
  "privateKey",
  "private_key",
  "pem",
  "password",
  "authorization",
  "Authorization",
  "cookie",
  "signature",
  "x-hub-signature",
  "x-hub-signature-256",
  "x-ms-client-principal",
  "connectionString",
  "accountKey",
];

const redactPaths = REDACTED_FIELDS.flatMap((field) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
  const join = (prefix: string) => (key.startsWith("[") ? `${prefix}${key}` : `${prefix}.${key}`);
  return [key.startsWith("[") ? `${key}` : field, join("*"), join("*.*"), join("headers"), join("req.headers")];
});

export interface CreateLoggerOptions {
  /** The lowest level logged at all: to the destination and, with telemetry on, to Application Insights. */
  level?: LogLevel;
  /**
   * The lowest level written to the destination (default `level`). With telemetry on, lines below it still become
   * log records; without, they are not logged at all.
   */
  consoleLevel?: LogLevel;
  /** Where lines go (stdout by default); tests pass a stream to read them back. */
  destination?: DestinationStream;
  base?: Record<string, unknown>;
  /** Values blanked from every line (default: the process's registry, fed by the secret store). */
  secretValues?: KnownSecretValues;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const secretValues = options.secretValues ?? knownSecretValues;
  const telemetry = getTelemetry();
  const level = options.level ?? "info";
  const consoleLevel = moreSevere(level, options.consoleLevel ?? level);
  // With telemetry on (src/telemetry/), each line also becomes a log record in the caller's context (its operation
  // id). The line it gets is the one written: redacted and scrubbed by then, so there is no second, rawer path.
  const destination = telemetry.enabled
    ? alsoToTelemetry(options.destination ?? pino.destination(1), pino.levels.values[consoleLevel] ?? Infinity)
    : options.destination;
  return pino(
    {
      level: telemetry.enabled ? level : consoleLevel,
      base: { app: "funcspace", ...options.base },
      redact: { paths: redactPaths, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: { streamWrite: (line) => secretValues.scrub(line) },
    },
    destination,
  );
}

/** The more severe of two levels (`silent` is the most). */
function moreSevere(a: LogLevel, b: LogLevel): LogLevel {
  const value = (l: LogLevel) => pino.levels.values[l] ?? Infinity;
  return value(b) > value(a) ? b : a;
}

/**
 * The destination, for lines at `consoleLevel` or above, and a log record for every line. pino tells the stream each
 * line's level before writing it (`lastLevel`, set on streams that declare `pino.metadata`, as pino.multistream does).
 */
function alsoToTelemetry(destination: DestinationStream, consoleLevel: number): DestinationStream {
  const flushable = destination as DestinationStream & { flush?: (cb?: (error?: Error) => void) => void; flushSync?: () => void };
  return {
    [Symbol.for("pino.metadata")]: true,
    lastLevel: 0,
    write(this: { lastLevel: number }, line: string) {
      if (this.lastLevel >= consoleLevel) destination.write(line);
      // Read per line: after shutdown (or with telemetry switched off) nothing more is emitted.
      const telemetry = getTelemetry();
      if (telemetry.enabled) telemetry.emitLogLine(line, this.lastLevel);
    },
    ...(flushable.flush ? { flush: flushable.flush.bind(flushable) } : {}),
    ...(flushable.flushSync ? { flushSync: flushable.flushSync.bind(flushable) } : {}),
  } as DestinationStream;
}
