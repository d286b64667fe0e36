// Fires timer triggers on their NCRONTAB schedule (six fields, seconds first), as the Functions host does.
import type { Timer } from "@azure/functions";
import { InvocationContext } from "../functions/library.js";
import { Cron } from "croner";
import { invokeTimer, type TimerTrigger } from "../functions/define.js";
import type { Services } from "../functions/services.js";

export interface ScheduledTimer {
  trigger: TimerTrigger;
  nextRun(): Date | null;
  stop(): void;
}

export function scheduleTimer(trigger: TimerTrigger, services: Services): ScheduledTimer {
  const schedule = trigger.schedule(services.config);
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new RangeError(`timer ${trigger.name}: schedule "${schedule}" must have six NCRONTAB fields (second first)`);
  }
  let last: Date | undefined;
  // `protect`: a slow run is not overlapped by the next tick, like the host's singleton timer lock.
  const job = new Cron(schedule, { protect: true }, async () => {
    const now = new Date();
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: {
        last: (last ?? now).toISOString(),
        next: job.nextRun()?.toISOString() ?? "",
        lastUpdated: now.toISOString(),
      },
    };
    last = now;
    const invocation = new InvocationContext({
      invocationId: crypto.randomUUID(),
      functionName: trigger.name,
      logHandler: () => undefined,
    });
    await invokeTimer(trigger, timer, invocation, services).catch(() => undefined); // logged by invokeTimer
  });
  return { trigger, nextRun: () => job.nextRun(), stop: () => job.stop() };
}
