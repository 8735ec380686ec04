/**
 * The intake's limits for tests/integration/intake-limits.test.ts, set before any app module reads
 * them (app/env.server.ts parses the environment once, when first imported): imported first. The
 * budget is the largest allowed, so that a 6 MiB body is recorded within it on a loaded machine.
 */
export const BUDGET_MS = 4500;
export const MAX_PENDING = 3;
Object.assign(process.env, {
  WEBHOOK_LATENCY_BUDGET_MS: String(BUDGET_MS),
  WEBHOOK_INTAKE_MAX_PENDING: String(MAX_PENDING),
  LOG_LEVEL: "info",
});
