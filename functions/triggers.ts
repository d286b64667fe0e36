// Every way into the app, in one list. Both hosts read it: the Functions host (index.ts) and `npm start`
// (local/). Add a trigger here and it is served by both; a test checks that they agree.
import type { Trigger } from "./define.js";
import { health } from "./health.js";

export const triggers: readonly Trigger[] = [health];
