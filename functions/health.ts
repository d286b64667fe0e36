import { checkHealth } from "../src/health/check-health.js";
import { hasRole } from "../src/auth/principal.js";
import { defineHttp } from "./define.js";

export const health = defineHttp({
  name: "health",
  methods: ["GET"],
  route: "health",
  role: "anonymous",
  handler: async (_request, { services, principal }) => {
    const report = await checkHealth(services);
    // Anyone (the platform's health check, a load balancer) learns up or down; readers see each dependency.
    return {
      status: report.status === "healthy" ? 200 : 503,
      jsonBody: hasRole(principal, "reader") ? report : { status: report.status },
    };
  },
});
