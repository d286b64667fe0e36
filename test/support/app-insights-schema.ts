// The classic Application Insights tables that the workbook, the saved queries and the alerts in infra/telemetry/ query
// (they run with the Application Insights component as their scope), with the column types Microsoft lists for each:
// https://learn.microsoft.com/azure/azure-monitor/app/convert-classic-resource#table-schemas ("Legacy table: …").
// Only the columns a query of ours could reach; the Kusto language service checks each query against these.

const common =
  "timestamp:datetime, itemType:string, itemId:string, operation_Id:string, operation_Name:string, operation_ParentId:string, " +
  "operation_SyntheticSource:string, cloud_RoleName:string, cloud_RoleInstance:string, appId:string, appName:string, iKey:string, " +
  "sdkVersion:string, session_Id:string, user_Id:string, user_AccountId:string, user_AuthenticatedId:string, application_Version:string, " +
  "client_Type:string, client_IP:string, customDimensions:dynamic";

/** Table name → Kusto schema text `(column:type, …)`. */
export const APP_INSIGHTS_TABLES: Record<string, string> = {
  requests:
    `(${common}, customMeasurements:dynamic, id:string, name:string, url:string, source:string, success:string, resultCode:string, ` +
    "duration:real, performanceBucket:string, itemCount:int)",
  dependencies:
    `(${common}, customMeasurements:dynamic, id:string, name:string, target:string, type:string, data:string, success:string, ` +
    "resultCode:string, duration:real, performanceBucket:string, itemCount:int)",
  traces: `(${common}, customMeasurements:dynamic, message:string, severityLevel:int, itemCount:int)`,
  exceptions:
    `(${common}, customMeasurements:dynamic, problemId:string, handledAt:string, type:string, message:string, assembly:string, ` +
    "method:string, outerType:string, outerMessage:string, outerAssembly:string, outerMethod:string, innermostType:string, " +
    "innermostMessage:string, innermostAssembly:string, innermostMethod:string, severityLevel:int, details:dynamic, itemCount:int)",
  customMetrics: `(${common}, name:string, value:real, valueCount:int, valueSum:real, valueMin:real, valueMax:real)`,
};
