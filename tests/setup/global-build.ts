/**
 * Vitest global setup of the e2e files: the app is built once, before any of them starts.
 * The e2e files do not build in their own `beforeAll`: done there, the files that waited on the
 * build's lock spent the build's time inside their hook's timeout, and on a loaded machine two of
 * three timed out there. A global setup has no such timeout, and runs for one file alone too.
 */
import { buildIfStale } from "../../scripts/lib/stack.ts";

export default async function setup(): Promise<void> {
  await buildIfStale();
}
