/**
 * The admission bounds for tests/integration/intake-admission.test.ts, set before any app module
 * reads them (app/env.server.ts parses the environment once, when first imported): imported first.
 * Three deliveries at once; a budget of 1 MiB (the smallest allowed), which one 200 kB body (three
 * copies: 600 kB) and a small one fit, and two 200 kB bodies do not.
 */
export const MAX_DELIVERIES = 3;
export const MAX_BYTES = 1024 * 1024;
Object.assign(process.env, {
  WEBHOOK_INTAKE_MAX_DELIVERIES: String(MAX_DELIVERIES),
  WEBHOOK_INTAKE_MAX_BYTES: String(MAX_BYTES),
});
