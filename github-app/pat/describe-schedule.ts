// Says in words how often the reconcile timer checks for changes, for the polling-mode status line
// ("checking for changes every 5 minutes"). Only the common NCRONTAB shapes are put into words.

export function describeSchedule(schedule: string): string {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length === 6 && fields.slice(2).every((field) => field === "*")) {
    const [seconds, minutes] = fields;
    const every = /^\*\/(\d+)$/.exec(minutes ?? "");
    if (seconds === "0" && every) return every[1] === "1" ? "every minute" : `every ${every[1]} minutes`;
    if (seconds === "0" && minutes === "*") return "every minute";
    const everySeconds = /^\*\/(\d+)$/.exec(seconds ?? "");
    if (everySeconds && minutes === "*") return `every ${everySeconds[1]} seconds`;
  }
  return `on the schedule "${schedule}"`;
}
