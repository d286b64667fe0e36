// Health. `health` is the liveness answer for the platform's health check and load balancers: up or down and
// nothing else, and it reads no identity (behind SWA an anonymous route may carry a header nobody vouched
// for). `health/details` is each dependency's check, for readers.
import { checkHealth } from "../src/health/check-health.js";
import { defineHttp } from "./define.js";

export const health = defineHttp({
  name: "health",
  methods: ["GET"],
  route: "health",
  role: "anonymous",
  handler: async (_request, { services }) => {
    const report = await checkHealth(services);
    return { status: report.status === "healthy" ? 200 : 503, jsonBody: { status: report.status } };
  },
});

export const healthDetails = defineHttp({
  name: "healthDetails",
  methods: ["GET"],
  route: "health/details",
  role: "reader",
  handler: async (_request, { services }) => {
    const report = await checkHealth(services);
    return { status: report.status === "healthy" ? 200 : 503, jsonBody: report };
  },
});

export const healthTriggers = [health, healthDetails];
