// A workflow with parameters: the run form in the UI is generated from `parameters`.
import { defineWorkflow } from "funcspace";

export default defineWorkflow({
  name: "hello",
  description: "Greets someone, as many times as asked.",
  parameters: {
    who: { type: "string", required: true, label: "Who to greet" },
    times: { type: "integer", default: 1, help: "How many greetings (1-10)." },
    shout: { type: "boolean", default: false },
  },
  async run({ who, times, shout }, { log }) {
    const greeting = `Hello, ${who}!`;
    const lines = Array.from({ length: Math.min(Math.max(times, 1), 10) }, () => (shout ? greeting.toUpperCase() : greeting));
    log.info("greeted", { who, times: lines.length });
    return { lines };
  },
});
