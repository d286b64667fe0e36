// Health. `health` is the liveness answer for the platform's health check and load balancers: it touches nothing
// and tells nothing (a Key Vault or Table blip must not get instances replaced, and an anonymous caller learns no
// path or vault name), and it reads no identity (behind SWA an anonymous route may carry a header nobody vouched
// for). `health/details` is the readiness report, each dependency's check, for readers: made at most every 20 s
// per instance (src/health/health-cache.ts), and it never writes.
import { defineHttp } from "./define.js";

export const health = defineHttp({
  name: "health",
  methods: ["GET"],
  route: "health",
  role: "anonymous",
  handler: async () => ({ status: 200, jsonBody: { status: "up" } }),
});

export const healthDetails = defineHttp({
  name: "healthDetails",
  methods: ["GET"],
  route: "health/details",
  role: "reader",
  handler: async (_request, { services }) => {
    const report = await services.health.get();
    return { status: report.status === "healthy" ? 200 : 503, jsonBody: report };
  },
});

export const healthTriggers = [health, healthDetails];
