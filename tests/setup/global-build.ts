/**
 * Vitest global setup of the e2e files: the app is built once, before any of them starts.
 * Each e2e file also asks for the build in its own `beforeAll`; done there first, the files that
 * waited on the build's lock spent the build's time inside their hook's timeout, and on a loaded
 * machine two of three timed out there. A global setup has no such timeout.
 */
import { buildIfStale } from "../../scripts/lib/stack.ts";

export default async function setup(): Promise<void> {
  await buildIfStale();
}
