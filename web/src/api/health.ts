// GET /api/health/details (src/health/check-health.ts; readers): 200 healthy, 503 unhealthy, same body either way.
import { ApiError, getJson } from "./client.js";

// Shapes shared with the server: src/api-types.ts.
export type { HealthCheck, HealthReport } from "../../../src/api-types.js";
import type { HealthReport } from "../../../src/api-types.js";

export async function getHealth(): Promise<HealthReport> {
  try {
    return await getJson<HealthReport>("/api/health/details", { cache: "no-store" });
  } catch (error) {
    if (error instanceof ApiError && error.status === 503 && Array.isArray(error.body.checks)) return error.body as unknown as HealthReport;
    throw error;
  }
}
