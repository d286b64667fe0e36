// `npm run build:infra-telemetry`: embeds infra/telemetry/ (one .kql file per view and alert, and the workbook) into
// infra/azuredeploy.json, so the template stays the one deployable file and the queries stay reviewable as files.
// It owns the template's monitoring resources (workbook, query pack and its queries, action group, log search alert
// rules), the alertEmail parameter and three variables; everything else in the template is left as it is. It also
// writes each view's query into infra/telemetry/workbook.json. test/infra-telemetry.test.ts fails when running it
// would change either file. Why each piece is as it is: infra/README.md, "Operations: what to open".
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const root = path.resolve(import.meta.dirname, "..");
export const TELEMETRY_DIR = path.join(root, "infra/telemetry");
export const TEMPLATE_PATH = path.join(root, "infra/azuredeploy.json");
export const WORKBOOK_PATH = path.join(TELEMETRY_DIR, "workbook.json");

/** In workbook.json's fallbackResourceIds; the template puts the Application Insights component's id in its place. */
export const COMPONENT_ID_PLACEHOLDER = "__APP_INSIGHTS_RESOURCE_ID__";

/** The saved queries (query pack) and workbook items: file name in infra/telemetry/ (without .kql) → title. */
export const VIEWS: Record<string, { title: string; description: string }> = {
  "push-summary": { title: "funcspace: what happened to a push (summary)", description: "One line per operation that carried the commit: delivery, webhook answer, sync results, failures." },
  "push-timeline": { title: "funcspace: what happened to a push (timeline)", description: "Every request, dependency, log line and exception of the operations that carried the commit, oldest first." },
  "sync-durations": { title: "funcspace: sync durations by phase", description: "Percentiles of funcspace.sync.duration by phase over the time range." },
  "sync-results": { title: "funcspace: syncs per day by result", description: "Syncs per day by result (total phase of funcspace.sync.duration)." },
  "github-failures": { title: "funcspace: failing GitHub calls", description: "GitHub API calls that failed, by route template and status." },
  "webhook-intake": { title: "funcspace: webhook intake", description: "Deliveries by event and outcome, and how long the answer took." },
  "queue-age": { title: "funcspace: queue wait", description: "How long messages waited before their handler started, by queue, hourly." },
  "workflow-runs": { title: "funcspace: workflow runs", description: "Workflow runs by outcome and trigger, and how long they took." },
  "poison-messages": { title: "funcspace: poison messages", description: "Messages moved to, or found in, a -poison queue." },
  connections: { title: "funcspace: connection state", description: "Each connection's latest sampled state." },
};

export interface AlertDefinition {
  displayName: string;
  description: string;
  /** 0 (critical) … 4 (verbose). */
  severity: number;
  evaluationFrequency: string;
  windowSize: string;
  metricMeasureColumn: string;
  timeAggregation: "Count" | "Average" | "Minimum" | "Maximum" | "Total";
  operator: "Equals" | "GreaterThan" | "GreaterThanOrEqual" | "LessThan" | "LessThanOrEqual";
  threshold: number;
  /** Columns that split the rule into one alert per value. */
  splitBy?: string[];
  failingPeriods?: { numberOfEvaluationPeriods: number; minFailingPeriodsToAlert: number };
}

/** The log search alert rules: file name in infra/telemetry/ (without .kql) → rule. */
export const ALERTS: Record<string, AlertDefinition> = {
  "alert-poison-messages": {
    displayName: "funcspace: poison messages",
    description: "A queue message failed maxDequeueCount times and was moved to a -poison queue: a sync or workflow run did not happen. See infra/README.md, Operations.",
    severity: 2,
    evaluationFrequency: "PT5M",
    windowSize: "PT15M",
    metricMeasureColumn: "messages",
    timeAggregation: "Maximum",
    operator: "GreaterThan",
    threshold: 0,
    splitBy: ["queue"],
  },
  "alert-failed-syncs": {
    displayName: "funcspace: syncs failing in a row",
    description: "3 or more syncs in a row failed (funcspace.sync.duration, total phase, result failed): the workspace is not following the repository. See infra/README.md, Operations.",
    severity: 1,
    evaluationFrequency: "PT15M",
    windowSize: "PT6H",
    metricMeasureColumn: "failedInARow",
    timeAggregation: "Total",
    operator: "GreaterThanOrEqual",
    threshold: 3,
  },
  "alert-connection-failed": {
    displayName: "funcspace: connection stuck in Failed",
    description: "A GitHub connection has been Failed for 30 minutes (funcspace.connection.failed = 1 in three 10-minute periods in a row). See infra/README.md, Operations.",
    severity: 1,
    evaluationFrequency: "PT10M",
    windowSize: "PT10M",
    metricMeasureColumn: "failed",
    timeAggregation: "Minimum",
    operator: "GreaterThanOrEqual",
    threshold: 1,
    splitBy: ["repository"],
    failingPeriods: { numberOfEvaluationPeriods: 3, minFailingPeriodsToAlert: 3 },
  },
};

/** Resource types this script writes; any resource of these types in the template is replaced on every run. */
export const OWNED_TYPES = new Set([
  "Microsoft.Insights/workbooks",
  "Microsoft.OperationalInsights/queryPacks",
  "Microsoft.OperationalInsights/queryPacks/queries",
  "Microsoft.Insights/actionGroups",
  "Microsoft.Insights/scheduledQueryRules",
]);

const componentId = "resourceId('Microsoft.Insights/components', variables('insightsName'))";
const queryPackId = "resourceId('Microsoft.OperationalInsights/queryPacks', variables('queryPackName'))";
const actionGroupId = "resourceId('Microsoft.Insights/actionGroups', variables('actionGroupName'))";

interface WorkbookItem {
  type: number;
  name: string;
  content: { query?: string } & Record<string, unknown>;
}
interface Workbook {
  version: string;
  items: WorkbookItem[];
  fallbackResourceIds: string[];
}
type Json = Record<string, unknown>;

export function readQuery(name: string, dir = TELEMETRY_DIR): string {
  return readFileSync(path.join(dir, `${name}.kql`), "utf8");
}

/** workbook.json with each query item's query taken from the .kql file of its name. */
export function renderWorkbook(workbookText: string, dir = TELEMETRY_DIR): Workbook {
  const workbook = JSON.parse(workbookText) as Workbook;
  for (const item of workbook.items) {
    if (item.type !== 3) continue;
    if (!(item.name in VIEWS)) throw new Error(`workbook item ${item.name} has no view in VIEWS (and no infra/telemetry/${item.name}.kql)`);
    item.content.query = readQuery(item.name, dir);
  }
  return workbook;
}

function monitoringResources(): Json[] {
  const workbook: Json = {
    type: "Microsoft.Insights/workbooks",
    apiVersion: "2023-06-01",
    name: "[guid(resourceGroup().id, parameters('appName'), 'operations-workbook')]",
    location: "[parameters('location')]",
    kind: "shared",
    properties: {
      displayName: "[format('funcspace operations ({0})', parameters('appName'))]",
      description: "What happened to a push, sync durations and results, failing GitHub calls, webhook intake, queue wait, workflow runs, poison messages, connections.",
      category: "workbook",
      sourceId: `[${componentId}]`,
      serializedData: `[replace(variables('workbookSerializedData'), '${COMPONENT_ID_PLACEHOLDER}', ${componentId})]`,
      version: "Notebook/1.0",
    },
    dependsOn: [`[${componentId}]`],
  };
  const queryPack: Json = {
    type: "Microsoft.OperationalInsights/queryPacks",
    apiVersion: "2023-09-01",
    name: "[variables('queryPackName')]",
    location: "[parameters('location')]",
    properties: {},
  };
  const queries = Object.entries(VIEWS).map(([name, view]): Json => ({
    type: "Microsoft.OperationalInsights/queryPacks/queries",
    apiVersion: "2023-09-01",
    name: `[format('{0}/{1}', variables('queryPackName'), guid(resourceGroup().id, parameters('appName'), '${name}'))]`,
    properties: {
      displayName: view.title,
      description: view.description,
      body: readQuery(name),
      related: { categories: ["applications"], resourceTypes: ["microsoft.insights/components"] },
      tags: { labels: ["funcspace"] },
    },
    dependsOn: [`[${queryPackId}]`],
  }));
  const actionGroup: Json = {
    condition: "[not(empty(parameters('alertEmail')))]",
    type: "Microsoft.Insights/actionGroups",
    apiVersion: "2023-01-01",
    name: "[variables('actionGroupName')]",
    location: "Global",
    properties: {
      groupShortName: "funcspace",
      enabled: true,
      emailReceivers: [{ name: "operator", emailAddress: "[parameters('alertEmail')]", useCommonAlertSchema: true }],
    },
  };
  const alerts = Object.entries(ALERTS).map(([name, alert]): Json => ({
    type: "Microsoft.Insights/scheduledQueryRules",
    apiVersion: "2023-12-01",
    name: `[format('{0}-${name}-{1}', parameters('appName'), variables('suffix'))]`,
    location: "[parameters('location')]",
    kind: "LogAlert",
    properties: {
      displayName: alert.displayName,
      description: alert.description,
      severity: alert.severity,
      enabled: true,
      scopes: [`[${componentId}]`],
      evaluationFrequency: alert.evaluationFrequency,
      windowSize: alert.windowSize,
      criteria: {
        allOf: [
          {
            query: readQuery(name),
            timeAggregation: alert.timeAggregation,
            metricMeasureColumn: alert.metricMeasureColumn,
            operator: alert.operator,
            threshold: alert.threshold,
            dimensions: (alert.splitBy ?? []).map((column) => ({ name: column, operator: "Include", values: ["*"] })),
            failingPeriods: alert.failingPeriods ?? { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
          },
        ],
      },
      autoMitigate: true,
      // No address, no action group: the alert still fires and shows under Azure Monitor → Alerts.
      actions: { actionGroups: `[if(empty(parameters('alertEmail')), createArray(), createArray(${actionGroupId}))]` },
    },
    // An action group left out by its condition drops out of dependsOn (ARM: conditional deployment).
    dependsOn: [`[${componentId}]`, `[${actionGroupId}]`],
  }));
  return [workbook, queryPack, ...queries, actionGroup, ...alerts];
}

/** The template with this script's parameter, variables and resources brought up to date with infra/telemetry/. */
export function renderTemplate(templateText: string, workbook: Workbook): string {
  const template = JSON.parse(templateText) as { parameters: Json; variables: Json; resources: Json[] };
  template.parameters.alertEmail = {
    type: "string",
    defaultValue: "",
    metadata: {
      description:
        "Email address that gets the alerts (poison messages, syncs failing in a row, a connection stuck in Failed). Empty: no action group; the alerts still fire and show under Azure Monitor → Alerts.",
    },
  };
  template.variables.queryPackName = "[format('{0}-queries-{1}', parameters('appName'), variables('suffix'))]";
  template.variables.actionGroupName = "[format('{0}-alerts-{1}', parameters('appName'), variables('suffix'))]";
  // A literal (it starts with "{", not "["): ARM does not evaluate it; serializedData's replace() puts the component id in.
  template.variables.workbookSerializedData = JSON.stringify(workbook);
  template.resources = [...template.resources.filter((r) => !OWNED_TYPES.has(r.type as string)), ...monitoringResources()];
  return `${JSON.stringify(template, null, 2)}\n`;
}

/** Both generated files as they should be: [workbook.json, azuredeploy.json]. */
export function renderAll(): { workbookText: string; templateText: string } {
  const workbook = renderWorkbook(readFileSync(WORKBOOK_PATH, "utf8"));
  return {
    workbookText: `${JSON.stringify(workbook, null, 2)}\n`,
    templateText: renderTemplate(readFileSync(TEMPLATE_PATH, "utf8"), workbook),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { workbookText, templateText } = renderAll();
  writeFileSync(WORKBOOK_PATH, workbookText);
  writeFileSync(TEMPLATE_PATH, templateText);
  console.log(`wrote ${path.relative(root, WORKBOOK_PATH)} and ${path.relative(root, TEMPLATE_PATH)}`);
}
