// A workflow that imports a helper module (a relative import, with its .ts extension). Saving a change to the
// helper is picked up by the next run, like a change to this file.
import { defineWorkflow } from "funcspace";
import { countWords, formatReport } from "./lib/format-report.ts";

export default defineWorkflow({
  name: "word-count",
  description: "Counts the words of a text and reports the most frequent ones.",
  parameters: {
    text: { type: "string", required: true, label: "Text" },
    top: { type: "integer", default: 3, label: "How many words to report" },
  },
  async run({ text, top }, { log }) {
    const counts = countWords(text);
    log.info("counted", { distinct: counts.length });
    return { distinct: counts.length, report: formatReport(counts, top) };
  },
});
