// What an operator opens (infra/README.md, "Operations: what to open"): the workbook, saved queries and alert rules
// that scripts/build-infra-telemetry.ts generates into infra/azuredeploy.json from infra/telemetry/. Checked offline:
// the template is in sync with those files; the workbook has a workbook's shape; every query parses and resolves
// against the classic Application Insights tables (Microsoft's Kusto language service) and names only metrics and
// attributes of src/telemetry/telemetry-names.ts; every alert is scoped to the template's Application Insights and
// mails only when alertEmail is set. The ARM schema validation of these resources is in test/infra.test.ts.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  ALERTS,
  COMPONENT_ID_PLACEHOLDER,
  OWNED_TYPES,
  TELEMETRY_DIR,
  TEMPLATE_PATH,
  VIEWS,
  WORKBOOK_PATH,
  readQuery,
  renderAll,
} from "../scripts/build-infra-telemetry.js";
import { ATTRIBUTES, METRICS } from "../src/telemetry/telemetry-names.js";
import { APP_INSIGHTS_TABLES } from "./support/app-insights-schema.js";
import { extraSchemasDir } from "./support/arm-schemas.js";
import { kustoDiagnostics } from "./support/kusto-diagnostics.js";

const root = path.resolve(import.meta.dirname, "..");

interface Resource {
  condition?: string;
  type: string;
  name: string;
  kind?: string;
  location?: string;
  properties: Record<string, unknown>;
  dependsOn?: string[];
}
interface Template {
  parameters: Record<string, { type: string; defaultValue?: unknown }>;
  variables: Record<string, string>;
  resources: Resource[];
}
interface WorkbookItem {
  type: number;
  name: string;
  content: Record<string, unknown> & { query?: string; parameters?: { name: string; type: number }[] };
  conditionalVisibility?: { parameterName: string };
}

const template = JSON.parse(readFileSync(TEMPLATE_PATH, "utf8")) as Template;
const ofType = (type: string) => template.resources.filter((r) => r.type === type);
const componentId = "resourceId('Microsoft.Insights/components', variables('insightsName'))";
const actionGroupId = "resourceId('Microsoft.Insights/actionGroups', variables('actionGroupName'))";
const kqlFiles = readdirSync(TELEMETRY_DIR).filter((f) => f.endsWith(".kql")).map((f) => f.slice(0, -".kql".length)).sort();
const queries = new Map(kqlFiles.map((name) => [name, readQuery(name)]));

/** Each metric's attributes and, where telemetry-names.ts lists them, their values: "phase (resolve | plan), trigger". */
function documentedAttributes(): Map<string, Map<string, string[] | undefined>> {
  const source = readFileSync(path.join(root, "src/telemetry/telemetry-names.ts"), "utf8");
  const byMetric = new Map<string, Map<string, string[] | undefined>>();
  for (const m of source.matchAll(/\/\*\*((?:[^*]|\*(?!\/))*)\*\/\s*\w+: "([^"]+)"/g)) {
    const list = /attributes: (.*)\.\s*$/s.exec(m[1]!.replace(/\s*\n\s*\*?\s*/g, " ").trim())?.[1];
    if (!list) continue;
    const attributes = new Map<string, string[] | undefined>();
    for (const part of list.split(/,\s*(?![^()]*\))/)) {
      const [, name = "", values] = /^(\w+)(?: \(([^)]*)\))?$/.exec(part.trim()) ?? [];
      attributes.set(name, values?.split("|").map((v) => v.trim()));
    }
    byMetric.set(m[2]!, attributes);
  }
  return byMetric;
}

/** What a query names that src/telemetry/telemetry-names.ts does not define, as sentences. */
function unknownNames(kql: string, attributesOf = documentedAttributes()): string[] {
  const problems: string[] = [];
  const known = new Set<string>([...Object.values(METRICS), ...Object.values(ATTRIBUTES)]);
  for (const [name] of kql.matchAll(/funcspace\.[a-z_.]+[a-z_]/g)) if (!known.has(name)) problems.push(`${name} is not in telemetry-names.ts`);
  const metrics = [...kql.matchAll(/\bname\s*==\s*"([^"]+)"/g)].map((m) => m[1]!).filter((n) => n.startsWith("funcspace."));
  const attributes = new Map<string, string[] | undefined>();
  for (const metric of metrics) for (const [name, values] of attributesOf.get(metric) ?? []) attributes.set(name, values);
  const keys = [...kql.matchAll(/customDimensions(?:\.(\w+)|\[["']([^"']+)["']\])/g)].map((m) => m[1] ?? m[2]!);
  for (const key of keys) {
    if (key.startsWith("funcspace.")) continue; // checked above
    if (!attributes.has(key)) problems.push(`customDimensions.${key} is not an attribute of ${metrics.join(", ") || "any metric queried"}`);
  }
  // A compared value must be one telemetry-names.ts lists for that attribute ("failed", not "failure").
  const compared = [
    ...[...kql.matchAll(/\b(\w+)\s*[!=]=\s*"([^"]*)"/g)].map((m) => [m[1]!, [m[2]!]] as const),
    ...[...kql.matchAll(/\b(\w+)\s+!?in\s*\(([^)]*)\)/g)].map((m) => [m[1]!, [...m[2]!.matchAll(/"([^"]*)"/g)].map((v) => v[1]!)] as const),
  ];
  for (const [attribute, values] of compared) {
    const allowed = attributes.get(attribute);
    if (!allowed || !keys.includes(attribute)) continue;
    for (const value of values) if (!allowed.includes(value)) problems.push(`${attribute} is never "${value}" (${allowed.join(" | ")})`);
  }
  return problems;
}

describe("infra/telemetry/ and the template", () => {
  it("the template and workbook.json are what scripts/build-infra-telemetry.ts makes of infra/telemetry/ (run npm run build:infra-telemetry)", () => {
    const { workbookText, templateText } = renderAll();
    expect(readFileSync(WORKBOOK_PATH, "utf8")).toBe(workbookText);
    expect(readFileSync(TEMPLATE_PATH, "utf8")).toBe(templateText);
  });

  it("has one .kql file per view and per alert, and nothing else", () => {
    expect(kqlFiles).toEqual([...Object.keys(VIEWS), ...Object.keys(ALERTS)].sort());
    for (const name of Object.keys(ALERTS)) expect(name, "alerts are named alert-*").toMatch(/^alert-/);
  });

  it("every query parses and resolves against the Application Insights tables (Kusto language service)", () => {
    for (const [name, kql] of queries) expect(kustoDiagnostics(kql, APP_INSIGHTS_TABLES), name).toEqual([]);
    // The check does fail: a misspelt column, an unknown function, an AppRequests (workspace) table name.
    expect(kustoDiagnostics('requests | where sucess == "False" | summarize count() by nme', APP_INSIGHTS_TABLES)).toHaveLength(2);
    expect(kustoDiagnostics("customMetrics | summarize percentilez(valueSum, 50)", APP_INSIGHTS_TABLES)).not.toEqual([]);
    expect(kustoDiagnostics("AppRequests | take 1", APP_INSIGHTS_TABLES)).not.toEqual([]);
  }, 90_000); // loading the language service (a 30 MB Bridge.NET build) takes ~10 s

  it("every query names only metrics and attributes of src/telemetry/telemetry-names.ts, with values it lists", () => {
    const attributesOf = documentedAttributes();
    expect(attributesOf.get(METRICS.syncDuration)?.get("result")).toEqual(["noop", "applied", "failed", "cancelled"]);
    expect([...(attributesOf.get(METRICS.connectionFailed)?.keys() ?? [])]).toEqual(["state", "repository"]);
    expect(attributesOf.size).toBe(Object.keys(METRICS).length);
    for (const [name, kql] of queries) expect(unknownNames(kql, attributesOf), name).toEqual([]);
    // Between them the queries use the names an operator's questions need.
    const all = [...queries.values()].join("\n");
    for (const name of [METRICS.syncDuration, METRICS.webhookDuration, METRICS.queueAge, METRICS.workflowRunDuration, METRICS.poisonMessages, METRICS.connectionFailed, ATTRIBUTES.commit, ATTRIBUTES.deliveryId, ATTRIBUTES.syncResult]) {
      expect(all, name).toContain(`"${name}"`);
    }
    // And the check does fail.
    expect(unknownNames('customMetrics | where name == "funcspace.sync.durations"', attributesOf)).toEqual(["funcspace.sync.durations is not in telemetry-names.ts"]);
    expect(unknownNames('traces | where tostring(customDimensions["funcspace.comit"]) != ""', attributesOf)).toHaveLength(1);
    expect(unknownNames('customMetrics | where name == "funcspace.queue.age" | extend q = customDimensions.queue_name', attributesOf)).toHaveLength(1);
    expect(
      unknownNames('customMetrics | where name == "funcspace.sync.duration" | extend result = tostring(customDimensions.result) | where result == "failure"', attributesOf),
    ).toEqual(['result is never "failure" (noop | applied | failed | cancelled)']);
  });
});

describe("the workbook", () => {
  const workbookResource = () => {
    const found = ofType("Microsoft.Insights/workbooks");
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const serialized = () => JSON.parse(template.variables.workbookSerializedData!) as { version: string; items: WorkbookItem[]; fallbackResourceIds: string[] };

  it("is a shared workbook of the template's Application Insights, its serializedData the workbook with the component's id in", () => {
    const resource = workbookResource();
    expect(resource).toMatchObject({ kind: "shared", location: "[parameters('location')]" });
    expect(resource.name).toMatch(/^\[guid\(/); // a workbook's name is a GUID
    expect(resource.properties).toMatchObject({ category: "workbook", sourceId: `[${componentId}]` });
    expect(resource.properties.serializedData).toBe(`[replace(variables('workbookSerializedData'), '${COMPONENT_ID_PLACEHOLDER}', ${componentId})]`);
    expect(resource.dependsOn).toEqual([`[${componentId}]`]);
    expect(template.variables.workbookSerializedData!.startsWith("{"), "a literal, not an ARM expression").toBe(true);
    expect(serialized().fallbackResourceIds).toEqual([COMPONENT_ID_PLACEHOLDER]);
    // The schema: version "should match the workbook in serializedData".
    expect(resource.properties.version).toBe(serialized().version);
  });

  it("has a workbook's shape: Notebook/1.0, named items, Logs queries on the component, parameters that exist", () => {
    const workbook = serialized();
    expect(workbook.version).toBe("Notebook/1.0");
    expect(workbook.items.length).toBeGreaterThan(5);
    const names = workbook.items.map((i) => i.name);
    expect(new Set(names).size, "item names are unique").toBe(names.length);
    for (const item of workbook.items) expect([1, 3, 9], item.name).toContain(item.type); // text, query, parameters
    const parameters = workbook.items.filter((i) => i.type === 9).flatMap((i) => i.content.parameters ?? []);
    expect(parameters.map((p) => [p.name, p.type])).toEqual([
      ["TimeRange", 4],
      ["commit", 1],
    ]);
    const declared = new Set(parameters.map((p) => p.name));
    const queryItems = workbook.items.filter((i) => i.type === 3);
    expect(queryItems.map((i) => i.name).sort()).toEqual(Object.keys(VIEWS).sort());
    for (const item of queryItems) {
      expect(item.content, item.name).toMatchObject({ version: "KqlItem/1.0", queryType: 0, resourceType: "microsoft.insights/components", timeContextFromParameter: "TimeRange" });
      expect(item.content.query, item.name).toBe(queries.get(item.name));
    }
    for (const item of workbook.items) {
      if (item.conditionalVisibility) expect(declared, item.name).toContain(item.conditionalVisibility.parameterName);
      const text = JSON.stringify(item.content).replace(/\{(owner|repo|tree_sha|template)\}/g, ""); // route templates
      for (const [, used] of text.matchAll(/\{(\w+)(?::[^}]*)?\}/g)) expect(declared, `${item.name} uses {${used}}`).toContain(used);
    }
    expect(queries.get("push-timeline")).toContain('"{commit}"');
  });
});

describe("saved queries", () => {
  it("the query pack holds each view's query, for Application Insights scopes", () => {
    expect(ofType("Microsoft.OperationalInsights/queryPacks").map((r) => r.name)).toEqual(["[variables('queryPackName')]"]);
    const saved = ofType("Microsoft.OperationalInsights/queryPacks/queries");
    expect(saved).toHaveLength(Object.keys(VIEWS).length);
    for (const [name, view] of Object.entries(VIEWS)) {
      const query = saved.find((r) => r.properties.body === queries.get(name));
      expect(query, name).toBeDefined();
      expect(query!.name).toBe(`[format('{0}/{1}', variables('queryPackName'), guid(resourceGroup().id, parameters('appName'), '${name}'))]`);
      expect(query!.properties).toMatchObject({ displayName: view.title, related: { resourceTypes: ["microsoft.insights/components"] } });
      expect(query!.dependsOn).toEqual(["[resourceId('Microsoft.OperationalInsights/queryPacks', variables('queryPackName'))]"]);
    }
  });
});

describe("alerts", () => {
  const rules = () => ofType("Microsoft.Insights/scheduledQueryRules");
  const criteriaOf = (rule: Resource) =>
    (rule.properties.criteria as { allOf: Record<string, unknown>[] }).allOf as {
      query: string;
      metricMeasureColumn: string;
      dimensions: { name: string }[];
      failingPeriods: { numberOfEvaluationPeriods: number; minFailingPeriodsToAlert: number };
    }[];

  it("one log search rule per alert-*.kql, scoped to the template's Application Insights", () => {
    expect(rules()).toHaveLength(Object.keys(ALERTS).length);
    for (const [name, alert] of Object.entries(ALERTS)) {
      const rule = rules().find((r) => r.name.includes(`-${name}-`));
      expect(rule, name).toBeDefined();
      expect(rule!.kind).toBe("LogAlert");
      expect(rule!.properties).toMatchObject({ scopes: [`[${componentId}]`], enabled: true, autoMitigate: true, severity: alert.severity });
      expect(rule!.dependsOn).toEqual([`[${componentId}]`, `[${actionGroupId}]`]);
      const [condition, ...others] = criteriaOf(rule!);
      expect(others).toEqual([]);
      expect(condition!.query).toBe(queries.get(name));
      // The rule aggregates per period by the time column; the measure and each split column come out of the query.
      const output = /\| project (.*)$/.exec(condition!.query.trim().split("\n").at(-1)!)?.[1] ?? "";
      expect(output, name).toMatch(/^timestamp, /);
      for (const column of [condition!.metricMeasureColumn, ...condition!.dimensions.map((d) => d.name)]) expect(output, `${name}: ${column}`).toMatch(new RegExp(`\\b${column}\\b`));
    }
  });

  it("each alert watches what it says: poison > 0, 3 failed syncs in a row, Failed for 30 minutes", () => {
    const byName = (name: string) => ({ ...ALERTS[name]!, kql: queries.get(name)! });
    expect(byName("alert-poison-messages")).toMatchObject({ operator: "GreaterThan", threshold: 0, timeAggregation: "Maximum" });
    expect(byName("alert-poison-messages").kql).toContain(`"${METRICS.poisonMessages}"`);
    expect(byName("alert-failed-syncs")).toMatchObject({ operator: "GreaterThanOrEqual", threshold: 3, timeAggregation: "Total" });
    expect(byName("alert-failed-syncs").kql).toContain(`"${METRICS.syncDuration}"`);
    expect(byName("alert-failed-syncs").kql).toMatch(/phase == "total"/);
    const stuck = byName("alert-connection-failed");
    expect(stuck).toMatchObject({ operator: "GreaterThanOrEqual", threshold: 1, timeAggregation: "Minimum", windowSize: "PT10M" });
    expect(stuck.failingPeriods).toEqual({ numberOfEvaluationPeriods: 3, minFailingPeriodsToAlert: 3 }); // 3 × 10 min, every one
    expect(stuck.kql).toContain(`"${METRICS.connectionFailed}"`);
  });

  it("mails alertEmail through an action group that exists only when alertEmail is set", () => {
    expect(template.parameters.alertEmail).toMatchObject({ type: "string", defaultValue: "" });
    const groups = ofType("Microsoft.Insights/actionGroups");
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({
      condition: "[not(empty(parameters('alertEmail')))]",
      name: "[variables('actionGroupName')]",
      location: "Global",
      properties: { enabled: true, emailReceivers: [{ name: "operator", emailAddress: "[parameters('alertEmail')]", useCommonAlertSchema: true }] },
    });
    expect((groups[0]!.properties.groupShortName as string).length).toBeLessThanOrEqual(12);
    for (const rule of rules()) {
      expect(rule.properties.actions).toEqual({ actionGroups: `[if(empty(parameters('alertEmail')), createArray(), createArray(${actionGroupId}))]` });
    }
  });

  it("the script owns exactly the monitoring resources, and only it writes them", () => {
    const owned = template.resources.filter((r) => OWNED_TYPES.has(r.type)).map((r) => r.type);
    expect(new Set(owned)).toEqual(OWNED_TYPES);
    expect(owned).toHaveLength(1 + 1 + Object.keys(VIEWS).length + 1 + Object.keys(ALERTS).length);
  });
});

describe("test/arm-schemas", () => {
  it("holds the upstream files byte for byte (git blob ids as its README lists)", () => {
    const readme = readFileSync(path.join(extraSchemasDir, "README.md"), "utf8");
    const rows = [...readme.matchAll(/^\| `(schemas\/[^`]+)` \| .* \| `([0-9a-f]{40})` \|$/gm)];
    expect(rows).toHaveLength(3);
    for (const [, file, blob] of rows) {
      const bytes = readFileSync(path.join(extraSchemasDir, file!));
      const id = createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
      expect(id, file).toBe(blob);
    }
  });
});
