/**
 * The bulk result download fails closed (docs/decisions/035): Shopify's documented result storage
 * only (https), redirects checked like the first URL, total, idle and size limits. Over real HTTP:
 * a node:http server on loopback plays the result storage (accepted as the stand-in's origin, as
 * outside production), and the full path through the stand-in and the ingest job.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { pool } from "../../app/db.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import {
  DEFAULT_DOWNLOAD_LIMITS,
  DownloadFailed,
  openBulkResult,
  refusedResultUrl,
  ResultRefused,
  type DownloadLimits,
} from "../../app/lib/sync/download.server.ts";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { drainJobs } from "../support/jobs.ts";
import { standIn } from "../support/standin.ts";
import { seedInstalledShop, syncRuns } from "../support/sync.ts";

/**
 * Result URLs as shopify.dev prints them: "Perform bulk operations with the GraphQL Admin API"
 * (https://shopify.dev/docs/api/usage/bulk-operations/queries, the `bulkOperation(id:)` poll's
 * JSON response, with its `\/` escapes) and "Bulk import data with the GraphQL Admin API"
 * (https://shopify.dev/docs/api/usage/bulk-operations/imports, the poll's JSON response).
 */
const DOCUMENTED_QUERY_RESULT_URL = JSON.parse(
  '"https:\\/\\/storage.googleapis.com\\/shopify\\/dyfkl3g72empyyoenvmtidlm9o4g?<params />"',
) as string;
const DOCUMENTED_IMPORT_RESULT_URL =
  "https://storage.googleapis.com/shopify-tiers-assets-prod-us-east1/iqtpj52yuoa7prkbpzp9gwn27kw3?GoogleAccessId=assets-us-prod%40shopify-tiers.iam.gserviceaccount.com&Expires=1612465869&Signature=KOhlcYhLve3NLr6rfVbAeY02crFAM3rMrDNfTSlgT%2FScI%2B8o%2B%2FdO99F3UseC837uWA6FzfrNhxdRNqhBN%2F8ekBTW7IyPRD6ho5phfE8MTaev4ltQrJygJTDbjXfX5KLJOuY8siH%2FDrc4gctZsMsNaf2%2FYp%2FaDzBzjfxJge8i8he69t0uZ39FBXrMxCeMVd6lU8%2FbgMuO80rTHjgI%2BlC8g2%2FWiHyq5rSTDLIxxGWRCddMfPcaivdWVdMubMa0wOt9W9R2mfjuTAgUBexUkJwhvrkdof%2Bg00gU1g4dIBWlUSO5D9tdrv9bmIy7FceopNufrpwnD1NXU8Narsx2yEQ6aA%3D%3D&response-content-disposition=attachment%3B+filename%3D%22bulk-206005076024.jsonl%22%3B+filename%2A%3DUTF-8%27%27bulk-206005076024.jsonl&response-content-type=application%2Fjsonl";

const PRODUCTION = { production: true, standInUrl: "http://127.0.0.1:4100" };

describe("which result URLs are fetched", () => {
  it("in production: Shopify's documented result storage over https, nothing else", () => {
    expect(refusedResultUrl(DOCUMENTED_QUERY_RESULT_URL, PRODUCTION)).toBeUndefined();
    expect(refusedResultUrl(DOCUMENTED_IMPORT_RESULT_URL, PRODUCTION)).toBeUndefined();
    const refused = {
      "the stand-in (a leftover value)": "http://127.0.0.1:4100/bulk-results/1.jsonl",
      "plain http to the right host": "http://storage.googleapis.com/shopify/x",
      "another host": "https://evil.example/shopify/x",
      "a look-alike host": "https://storage.googleapis.com.evil.example/shopify/x",
      "another bucket": "https://storage.googleapis.com/someone-else/x",
      "a near-match bucket": "https://storage.googleapis.com/shopify-tiers-assets-prod-us-east10/x",
      "credentials in the URL": "https://user:pw@storage.googleapis.com/shopify/x",
      "another port": "https://storage.googleapis.com:8443/shopify/x",
      "not a URL": "storage.googleapis.com/shopify/x",
    };
    for (const [what, url] of Object.entries(refused)) {
      expect(refusedResultUrl(url, PRODUCTION), what).toBeDefined();
    }
  });

  it("outside production also the stand-in's own origin, on loopback only", () => {
    const test = { production: false, standInUrl: "http://127.0.0.1:4100" };
    expect(refusedResultUrl("http://127.0.0.1:4100/bulk-results/1.jsonl", test)).toBeUndefined();
    expect(refusedResultUrl("http://127.0.0.1:4101/bulk-results/1.jsonl", test)).toBeDefined();
    expect(refusedResultUrl(DOCUMENTED_IMPORT_RESULT_URL, test)).toBeUndefined();
    const remote = { production: false, standInUrl: "http://10.0.0.5:4100" };
    expect(refusedResultUrl("http://10.0.0.5:4100/bulk-results/1.jsonl", remote)).toBeDefined();
  });

  it("a refusal names no part of the URL (its query is a credential)", () => {
    const reason = refusedResultUrl("https://evil.example/x?Signature=secret", PRODUCTION)!;
    expect(reason).not.toContain("evil");
    expect(reason).not.toContain("secret");
  });
});

/** A result server on loopback; each test sets how it answers. */
let handler: (req: IncomingMessage, res: ServerResponse) => void = () => {};
let server: Server;
let origin = "";
const open = (path: string, limits: Partial<DownloadLimits> = {}) =>
  openBulkResult(
    `${origin}${path}`,
    { ...DEFAULT_DOWNLOAD_LIMITS, ...limits },
    { production: false, standInUrl: origin },
  );
const readAll = async (body: AsyncIterable<Uint8Array>) => {
  let bytes = 0;
  for await (const chunk of body) bytes += chunk.byteLength;
  return bytes;
};

beforeAll(async () => {
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("the download, over real HTTP", () => {
  it("follows a redirect to an accepted URL, checking it like the first", async () => {
    const line = '{"id":"gid://shopify/Customer/1"}\n';
    handler = (req, res) => {
      if (req.url === "/start") res.writeHead(302, { Location: "/file" }).end();
      else res.writeHead(200).end(line);
    };
    expect(await readAll(await open("/start"))).toBe(Buffer.byteLength(line));
  });

  it("refuses a redirect off Shopify's result storage, without following it", async () => {
    let followed = false;
    const other = createServer((_req, res) => {
      followed = true;
      res.end();
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => other.close(() => resolve())));
    const elsewhere = `http://127.0.0.1:${(other.address() as AddressInfo).port}/file`;
    handler = (_req, res) => res.writeHead(307, { Location: elsewhere }).end();
    const error = await open("/start").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultRefused);
    expect(error).toMatchObject({ code: "RESULT_URL_REFUSED" });
    expect((error as Error).message).toMatch(/^a redirect of the result URL was refused/);
    expect(followed).toBe(false);
  });

  it("refuses more redirects than the limit", async () => {
    let hops = 0;
    handler = (_req, res) => {
      hops += 1;
      res.writeHead(302, { Location: `/hop-${hops}` }).end();
    };
    await expect(open("/start", { maxRedirects: 3 })).rejects.toMatchObject({
      code: "RESULT_URL_REFUSED",
      message: "the result URL redirected more than 3 times",
    });
    expect(hops).toBe(4);
  });

  it("refuses a body whose Content-Length is over the size limit, before reading it", async () => {
    handler = (_req, res) => res.writeHead(200, { "Content-Length": 2048 }).end("x".repeat(2048));
    await expect(open("/file", { maxBytes: 1024 })).rejects.toMatchObject({
      code: "RESULT_TOO_LARGE",
    });
  });

  it("stops a body that grows past the size limit while it is read (no Content-Length)", async () => {
    let written = 0;
    handler = (_req, res) => {
      res.writeHead(200); // chunked
      const more = () => {
        while (written < 64 << 20) {
          written += 64 << 10;
          if (!res.write(Buffer.alloc(64 << 10, 0x20))) return void res.once("drain", more);
        }
        res.end();
      };
      more();
    };
    const body = await open("/file", { maxBytes: 1 << 20 });
    const error = await readAll(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultRefused);
    expect(error).toMatchObject({ code: "RESULT_TOO_LARGE" });
    // Stopped near the limit, not after the whole 64 MiB (the socket's buffers allow some more).
    expect(written).toBeLessThan(32 << 20);
  });

  it("gives up on a body that stops sending (idle limit), as a failure a retry may mend", async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('{"id":"gid://shopify/Customer/1"}\n'); // ... and nothing more, ever.
    };
    const body = await open("/file", { idleMs: 300 });
    const error = await readAll(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadFailed);
    expect((error as Error).message).toBe("the bulk result sent nothing for 0.3 s");
  });

  it("gives up on a response whose headers never come (idle limit)", async () => {
    handler = () => {}; // never answers
    await expect(open("/file", { idleMs: 300 })).rejects.toThrow(
      "the bulk result sent nothing for 0.3 s",
    );
  });

  it("gives up on a body that trickles for longer than the total limit", async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write(" "), 20);
      res.once("close", () => clearInterval(timer));
    };
    const body = await open("/file", { totalMs: 400, idleMs: 5_000 });
    const error = await readAll(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadFailed);
    expect((error as Error).message).toBe("the bulk result took longer than 0.4 s to download");
  });

  it("an HTTP error is a failure a retry may mend", async () => {
    handler = (_req, res) => res.writeHead(503).end();
    await expect(open("/file")).rejects.toBeInstanceOf(DownloadFailed);
  });
});

describe("a refused result URL, through the sync", () => {
  let app: AppServer;
  beforeAll(async () => {
    app = await startAppServer({ "/webhooks": webhooks });
  });
  afterAll(() => app.close());

  it("ends the run failed with RESULT_URL_REFUSED, fetching nothing and quoting nothing of the URL", async () => {
    const { domain, shopId } = await seedInstalledShop({
      shop: "refused-url",
      customers: 3,
      orders: 0,
    });
    standIn().setBulkMode("manual", domain);
    onTestFinished(() => standIn().setBulkMode("auto", domain));
    await enqueueJob(pool, "sync.start", { shopId, kind: "full", entity: "customers" });
    await drainJobs();
    const [run] = await syncRuns(shopId);
    const finished = await standIn().finishBulkOperation(domain, run!.bulk_operation_id!);
    // Shopify (here, the stand-in) answers with a result URL that is not its result storage.
    const operation = standIn()
      .bulk.list(standIn().entry(domain).shop)
      .find((op) => `gid://shopify/BulkOperation/${op.id}` === finished.id)!;
    let fetched = false;
    handler = (_req, res) => {
      fetched = true;
      res.end();
    };
    Object.assign(operation, {
      url: `http://localhost:${new URL(origin).port}/x?Signature=s3cr3t`,
    });
    await standIn().waitForDeliveries();
    await drainJobs();

    const [done] = await syncRuns(shopId);
    expect(done).toMatchObject({
      status: "failed",
      error_code: "RESULT_URL_REFUSED",
      rows_written: 0,
    });
    expect(done!.error_message).toMatch(/^Recur did not ingest the bulk result: /);
    expect(done!.error_message).not.toContain("s3cr3t");
    expect(done!.error_message).not.toContain("localhost");
    expect(fetched).toBe(false);
  });
});
