import { checkHealth } from "../src/health/check-health.js";
import { defineHttp } from "./define.js";

export const health = defineHttp({
  name: "health",
  methods: ["GET"],
  route: "health",
  role: "anonymous",
  handler: async (_request, { services }) => {
    const report = await checkHealth(services);
    return {
      status: report.status === "healthy" ? 200 : 503,
      headers: { "cache-control": "no-store" },
      jsonBody: report,
    };
  },
});
