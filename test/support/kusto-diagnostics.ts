// Microsoft's Kusto language service (@kusto/language-service-next, the parser behind the Azure Data Explorer editor)
// run offline: parses a query and resolves its names against the tables given, as Log Analytics would before running it.
import { createRequire } from "node:module";

interface Diagnostic {
  Severity: string;
  Message: string;
  Start: number;
}
interface KustoLanguage {
  Symbols: {
    TableSymbol: { $ctor7: new (name: string, schema: string, description: string | null) => unknown };
    DatabaseSymbol: { ctor: new (name: string, members: unknown[]) => unknown };
  };
  GlobalState: { Default: { WithDatabase(database: unknown): unknown } };
  KustoCode: {
    ParseAndAnalyze(text: string, globals: unknown): { GetDiagnostics(): { Count: number; getItem(index: number): Diagnostic } };
  };
}

let language: KustoLanguage | undefined;
function kusto(): KustoLanguage {
  if (!language) {
    // A Bridge.NET build: the runtime and the library attach themselves to globalThis.
    const require = createRequire(import.meta.url);
    try {
      require.resolve("@kusto/language-service-next/bridge.min.js");
    } catch (cause) {
      throw new Error("@kusto/language-service-next is not installed: run npm install (it is a devDependency)", { cause });
    }
    require("@kusto/language-service-next/bridge.min.js");
    require("@kusto/language-service-next/Kusto.Language.Bridge.min.js");
    language = (globalThis as unknown as { Kusto: { Language: KustoLanguage } }).Kusto.Language;
  }
  return language;
}

/** Errors and warnings of `query` against a database holding `tables` (name → `(column:type, …)`), as "line:column message". */
export function kustoDiagnostics(query: string, tables: Record<string, string>): string[] {
  const k = kusto();
  const symbols = Object.entries(tables).map(([name, schema]) => new k.Symbols.TableSymbol.$ctor7(name, schema, null));
  const globals = k.GlobalState.Default.WithDatabase(new k.Symbols.DatabaseSymbol.ctor("app", symbols));
  const diagnostics = k.KustoCode.ParseAndAnalyze(query, globals).GetDiagnostics();
  const found: string[] = [];
  for (let i = 0; i < diagnostics.Count; i++) {
    const d = diagnostics.getItem(i);
    if (d.Severity !== "Error" && d.Severity !== "Warning") continue;
    const before = query.slice(0, d.Start).split("\n");
    found.push(`${before.length}:${before.at(-1)!.length + 1} ${d.Severity} ${d.Message}`);
  }
  return found;
}
