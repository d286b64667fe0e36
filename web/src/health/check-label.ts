// Health checks in words. The API names each check by a stable camelCase key (src/health/check-health.ts), which
// scripts and alerts match on; people read these labels. A check added later without a label here still shows,
// its key split into words.
const LABELS: Record<string, string> = {
  workspace: "Workspace folder",
  temp: "Temp folder",
  tableStorage: "Table storage",
  queueStorage: "Queue storage",
  secretStore: "Secret store",
  fileShare: "Workspace file share",
  poisonQueues: "Poison queues",
};

/** "tableStorage" → "Table storage"; an unknown "someNewCheck" → "Some new check". */
export function checkLabel(name: string): string {
  if (Object.hasOwn(LABELS, name)) return LABELS[name]!;
  const words = name.replace(/([a-z\d])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
