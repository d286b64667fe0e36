// GET /api/health/details (src/health/check-health.ts; readers): 200 healthy, 503 unhealthy, same body either way.
import { ApiError, getJson } from "./client.js";

export interface HealthCheck {
  name: string;
  status: "pass" | "fail" | "not_configured";
  latencyMs: number;
  message: string;
  details?: Record<string, unknown>;
}

export interface HealthReport {
  status: "healthy" | "unhealthy";
  checks: HealthCheck[];
}

export async function getHealth(): Promise<HealthReport> {
  try {
    return await getJson<HealthReport>("/api/health/details", { cache: "no-store" });
  } catch (error) {
    if (error instanceof ApiError && error.status === 503 && Array.isArray(error.body.checks)) return error.body as unknown as HealthReport;
    throw error;
  }
}
