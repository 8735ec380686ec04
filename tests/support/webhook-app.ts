/**
 * The fixture webhook tests share: for the file, the app's /webhooks route on a real HTTP server;
 * after each test, the sweeper and every job run, and no delivery may be left unsettled (a test
 * that left one would hide a lost webhook).
 */
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { pool } from "../../app/db.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "./app-server.ts";
import { unsettledDeliveries } from "./db.ts";
import { drainJobs } from "./jobs.ts";

/** Call at a test file's top level; read `url` inside tests and hooks. */
export function useWebhookApp(): { readonly url: string } {
  let server: AppServer | undefined;
  beforeAll(async () => {
    server = await startAppServer({ "/webhooks": webhooks });
  });
  afterAll(() => server?.close());
  afterEach(async () => {
    await enqueueJob(pool, "sweeper", {});
    await drainJobs();
    expect(await unsettledDeliveries()).toEqual([]);
  });
  return {
    get url() {
      if (!server) throw new Error("useWebhookApp: the server starts in beforeAll");
      return server.url;
    },
  };
}
