/** The Shopify stand-in of the current test file (started by tests/setup/standin-per-file.ts). */
import type { StandIn } from "../shopify-standin/index.ts";

let current: { standIn: StandIn; appPort: number } | undefined;

export function setStandIn(standIn: StandIn, appPort: number) {
  current = { standIn, appPort };
}

export function standIn(): StandIn {
  if (!current)
    throw new Error("No Shopify stand-in: is tests/setup/standin-per-file.ts a setup file?");
  return current.standIn;
}

/** The port the stand-in delivers webhooks to; the file's app server listens there. */
export function appPort(): number {
  if (!current) throw new Error("No Shopify stand-in for this file");
  return current.appPort;
}
