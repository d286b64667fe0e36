// A dependency (an outbound call) as a CLIENT span: `METHOD <template>`, the host, the status and the duration.
// Deliberately no URL attribute: the Azure Monitor exporter would make the dependency's name and `data` of the
// real URL (query included, where a SAS or an OAuth code lives). The template is all an operator needs.
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { getTelemetry, SpanKind, withSpan } from "./telemetry.js";

export interface DependencyCall {
  method: string;
  /** `GET /repos/{owner}/{repo}/git/trees/{tree_sha}`'s path part, or `table syncruns`: a template, never a URL. */
  template: string;
  /** The host (and port): `api.github.com`, `account.table.core.windows.net`. */
  host: string;
  /** `GitHub`, `Azure table`, `Azure queue`, `Azure file share`, `Key Vault`. */
  system: string;
  /**
   * Record it only inside an invocation's span. Storage calls outside one are the local host's queue polling (the
   * Functions host polls for itself in Azure) and start-up: ten a second of noise, no question they answer.
   */
  onlyInOperation?: boolean;
}

/** Runs `call` as a dependency; `statusOf` reads the answer's status (a thrown error's `status` too). */
export async function traceDependency<T>(dependency: DependencyCall, call: () => Promise<T>, statusOf: (result: T) => number | undefined): Promise<T> {
  if (!getTelemetry().enabled || (dependency.onlyInOperation && !trace.getActiveSpan())) return call();
  return withSpan(
    `${dependency.method} ${dependency.template}`,
    {
      kind: SpanKind.CLIENT,
      leaf: true,
      attributes: { "http.request.method": dependency.method, "peer.service": dependency.host, "funcspace.dependency.system": dependency.system },
    },
    async (span) => {
      try {
        const result = await call();
        const status = statusOf(result);
        if (status !== undefined) {
          span?.setAttribute("http.response.status_code", status);
          if (status >= 400) span?.setStatus({ code: SpanStatusCode.ERROR });
        }
        return result;
      } catch (error) {
        const status = (error as { status?: unknown; statusCode?: unknown } | undefined)?.status ?? (error as { statusCode?: unknown } | undefined)?.statusCode;
        if (typeof status === "number") span?.setAttribute("http.response.status_code", status);
        throw error;
      }
    },
  );
}

/**
 * The low-cardinality template of an Azure storage or Key Vault request: the kind and the first path segment
 * (table, queue or share name; `secrets` for Key Vault), never the rest of the path or the query (a SAS).
 * Azurite's paths start with the account name, Azure's do not.
 */
export function azureTemplate(kind: "table" | "queue" | "share" | "vault", url: string): { template: string; host: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { template: kind, host: "unknown" };
  }
  const segments = parsed.pathname.split("/").filter(Boolean);
  const pathStyle = /^\d+\.\d+\.\d+\.\d+$|^localhost$|^\[/.test(parsed.hostname) || parsed.hostname.endsWith(".localhost");
  const first = (pathStyle && kind !== "vault" ? segments[1] : segments[0]) ?? "";
  const name = first.replace(/\(.*$/, "").replace(/[^A-Za-z0-9-]/g, "");
  return { template: name ? `${kind} ${name}` : kind, host: parsed.host };
}
