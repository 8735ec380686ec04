/**
 * The webhook intake under overload (`npm run bench:overload`; a few minutes, so not in
 * `npm run bench`). The built app (server.ts, production mode, its defaults) on an embedded
 * PostgreSQL; no worker (the intake alone). Three phases, in this order:
 *
 * 1. **Large bodies**: 50 signed 5 MiB orders/create webhooks posted at once; the web process's peak
 *    RSS (VmHWM) before and after, and how each was answered.
 * 2. **A slow database**: PostgreSQL slowed to 10 commits per second (a statement trigger on
 *    webhook_deliveries that takes one advisory lock and sleeps 100 ms, so inserts commit one at a
 *    time, 10 per second), while OVERLOAD_RATE (2,000) small webhooks per second are offered for
 *    OVERLOAD_SECONDS (60), each given Shopify's 5 s. The web process's RSS after it. Then the
 *    slowdown is removed and every delivery not answered 2xx is sent again, as Shopify's retries
 *    would, until each is answered 2xx; then every delivery must be recorded (nothing lost).
 * 3. **PostgreSQL stopped**: webhooks posted while the server is down; the time to each 5xx.
 */
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { Pool } from "undici";
import { buildIfStale, startChild, waitForHttp } from "../scripts/lib/stack.ts";
import { restOrder } from "../tests/support/payloads.ts";
import { BENCH_API_SECRET, productionEnv } from "./lib/app-env.ts";
import { startBenchDatabase } from "./lib/database.ts";
import { freePort, peakRssMb } from "./lib/processes.ts";
import { saveResult } from "./lib/report.ts";

const SHOP = "overload.myshopify.com";
const RATE = Number(process.env.OVERLOAD_RATE ?? 2000);
const SECONDS = Number(process.env.OVERLOAD_SECONDS ?? 60);
const LARGE_COUNT = 50;
/** Retries in flight at once during the recovery. */
const RETRY_CONCURRENCY = 256;
const MiB = 1024 * 1024;
/** Shopify gives a delivery 5 s. */
const SHOPIFY_TIMEOUT_MS = 5000;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;

interface Signed {
  body: Buffer;
  hmac: string;
  topic: string;
}

function signed(payload: unknown, topic: string): Signed {
  const body = Buffer.from(JSON.stringify(payload));
  return {
    body,
    hmac: createHmac("sha256", BENCH_API_SECRET).update(body).digest("base64"),
    topic,
  };
}

/**
 * Shopify's side: a bounded set of keep-alive connections (undici's Pool), as many as
 * OVERLOAD_CONNECTIONS (default 3,000: more than the web process admits at once, so that its own
 * bounds are what is measured). A delivery waits for a free connection; Shopify's 5 s count from
 * when it is handed to the pool.
 */
const CONNECTIONS = Number(process.env.OVERLOAD_CONNECTIONS ?? 3000);

/** One delivery as Shopify sends it: its status (0: no answer within 5 s or a failed connection). */
async function deliver(webhook: Signed, webhookId: string, timeoutMs = SHOPIFY_TIMEOUT_MS) {
  const started = performance.now();
  try {
    const response = await shopify.request({
      path: "/webhooks",
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Topic": webhook.topic,
        "X-Shopify-Hmac-Sha256": webhook.hmac,
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Webhook-Id": webhookId,
        "X-Shopify-Event-Id": webhookId,
        "X-Shopify-Triggered-At": new Date().toISOString(),
      },
      body: webhook.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body.dump();
    return { status: response.statusCode, ms: performance.now() - started };
  } catch {
    return { status: 0, ms: performance.now() - started };
  }
}

interface MemorySample {
  at: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  sockets: number;
}

/** The probe's samples taken between two wall-clock times. */
function memorySamples(from: number, to: number): MemorySample[] {
  return readFileSync(probeFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as MemorySample)
    .filter((sample) => sample.at >= from && sample.at <= to);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
/** The sample with the highest RSS, by kind: where the memory was. */
function memoryAtPeak(samples: MemorySample[]): string {
  const peak = samples.reduce((a, b) => (b.rss > a.rss ? b : a), samples[0]!);
  if (!peak) return "no samples";
  return `RSS ${mb(peak.rss)}: V8 heap used ${mb(peak.heapUsed)}, external ${mb(peak.external)} (array buffers ${mb(peak.arrayBuffers)}), ${peak.sockets} open sockets; at most ${Math.max(...samples.map((s) => s.sockets))} open sockets`;
}

const tally = (statuses: number[]) => {
  const counts: Record<string, number> = {};
  for (const status of statuses) {
    const key = status === 0 ? "no answer" : String(status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.entries(counts)
    .map(([key, n]) => `${key}: ${n}`)
    .join(", ");
};

const database = await startBenchDatabase("overload");
let databaseStopped = false;
const db = new pg.Client({ connectionString: database.url });
// Phase 3 stops the server under this connection.
db.on("error", () => {});
await db.connect();
await buildIfStale();
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
// The web process's memory by kind, every 250 ms (bench/lib/memory-probe.ts).
const probeFile = path.join(tmpdir(), `recur-overload-memory-${process.pid}.jsonl`);
const web = startChild({
  name: "web",
  args: ["--import", "./bench/lib/memory-probe.ts", "server.ts"],
  env: {
    ...productionEnv,
    DATABASE_URL: database.url,
    PORT: String(port),
    LOG_LEVEL: "warn",
    MEMORY_PROBE_FILE: probeFile,
    MEMORY_PROBE_MS: "250",
  },
  onLine: () => {},
});
const pid = web.process.pid!;
const shopify = new Pool(url, { connections: CONNECTIONS, pipelining: 1 });

try {
  await db.query("INSERT INTO shops (domain) VALUES ($1)", [SHOP]);
  await waitForHttp(`${url}/healthz`);
  const small = signed(restOrder(4200, "2026-11-20T10:00:00-05:00"), "orders/updated");
  for (let i = 0; i < 200; i++) await deliver(small, randomUUID());

  // 1. Fifty 5 MiB orders at once.
  const lines = Array.from({ length: Math.ceil((5 * MiB) / 180) }, (_, i) => ({
    id: 1_000_000 + i,
    quantity: 1,
    price: "1.00",
  }));
  const large = signed(restOrder(5000, "2026-11-20T10:00:00-05:00", {}, lines), "orders/create");
  const idleRss = rssMb(pid);
  const peakBefore = peakRssMb(pid);
  const largeStarted = performance.now();
  const largeWall = Date.now();
  // Given up to 120 s (not Shopify's 5 s), so that the peak is the web process's whole burst, not
  // what it held when the client stopped waiting; answers after 5 s are counted apart.
  const largeIds = Array.from({ length: LARGE_COUNT }, () => randomUUID());
  const largeResults = await Promise.all(largeIds.map((id) => deliver(large, id, 120_000)));
  const largeSeconds = (performance.now() - largeStarted) / 1000;
  const largeMemory = memoryAtPeak(memorySamples(largeWall, Date.now()));
  const peakAfterLarge = peakRssMb(pid);
  const largeMs = largeResults.map((r) => r.ms).sort((a, b) => a - b);
  const largeWithinShopify = largeResults.filter(
    (r) => r.status === 200 && r.ms < SHOPIFY_TIMEOUT_MS,
  ).length;
  const largeRecorded = (
    await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM webhook_deliveries WHERE id = ANY($1)",
      [largeIds],
    )
  ).rows[0]!.n;

  // 2. 10 commits per second while RATE webhooks per second are offered for SECONDS.
  await db.query(`
    CREATE FUNCTION bench_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_advisory_xact_lock(4242); PERFORM pg_sleep(0.1); RETURN NULL; END $$;
    CREATE TRIGGER bench_slow_commit AFTER INSERT ON webhook_deliveries
      FOR EACH STATEMENT EXECUTE FUNCTION bench_slow_commit();`);
  const offered: string[] = [];
  const answers = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let rssMax = 0;
  const overloadStarted = performance.now();
  const overloadWall = Date.now();
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMb(pid))), 250);
  // Offer by the clock, not by answers: Shopify does not wait for one delivery to send the next.
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = (performance.now() - overloadStarted) / 1000;
      if (elapsed >= SECONDS) {
        clearInterval(tick);
        resolve();
        return;
      }
      const due = Math.floor(elapsed * RATE) - offered.length;
      for (let i = 0; i < due; i++) {
        const id = randomUUID();
        offered.push(id);
        const sent: Promise<void> = deliver(small, id).then((result) => {
          answers.set(id, result.status);
          inFlight.delete(sent);
        });
        inFlight.add(sent);
      }
    }, 10);
  });
  const offeredSeconds = (performance.now() - overloadStarted) / 1000;
  const rssAtEnd = rssMb(pid);
  const overloadMemory = memoryAtPeak(memorySamples(overloadWall, Date.now()));
  const loadAverage = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  await Promise.all(inFlight);
  clearInterval(sampler);
  const overloadStatuses = offered.map((id) => answers.get(id) ?? 0);
  const acceptedDuringOverload = overloadStatuses.filter((s) => s >= 200 && s < 300).length;

  // Recovery: the slowdown ends; Shopify's retries resend every delivery not answered 2xx.
  await db.query(
    "DROP TRIGGER bench_slow_commit ON webhook_deliveries; DROP FUNCTION bench_slow_commit()",
  );
  const recoveryStarted = performance.now();
  let unanswered = offered.filter(
    (id) => !((answers.get(id) ?? 0) >= 200 && answers.get(id)! < 300),
  );
  const firstRetries = unanswered.length;
  let rounds = 0;
  while (unanswered.length > 0 && rounds < 20) {
    rounds++;
    const next: string[] = [];
    // RETRY_CONCURRENCY retries in flight at a time (a sliding window, not rounds that each wait
    // for their slowest), each one's answer awaited before the next is sent.
    let cursor = 0;
    const round = unanswered;
    await Promise.all(
      Array.from({ length: RETRY_CONCURRENCY }, async () => {
        while (cursor < round.length) {
          const id = round[cursor++]!;
          const result = await deliver(small, id);
          if (!(result.status >= 200 && result.status < 300)) next.push(id);
        }
      }),
    );
    unanswered = next;
  }
  const recoverySeconds = (performance.now() - recoveryStarted) / 1000;
  const { rows } = await db.query<{ recorded: number }>(
    "SELECT count(*)::int AS recorded FROM webhook_deliveries WHERE id = ANY($1)",
    [offered],
  );
  const recorded = rows[0]!.recorded;

  // 3. PostgreSQL stopped.
  await database.stop();
  databaseStopped = true;
  const downResults: { status: number; ms: number }[] = [];
  for (let i = 0; i < 2000; i += 50) {
    downResults.push(
      ...(await Promise.all(Array.from({ length: 50 }, () => deliver(small, randomUUID())))),
    );
  }
  const downMs = downResults.map((r) => r.ms).sort((a, b) => a - b);

  await saveResult({
    benchmark: "intake-overload",
    description: `server.ts on its defaults (WEBHOOK_MAX_BYTES 10 MiB, WEBHOOK_INTAKE_MAX_BYTES 256 MiB, WEBHOOK_INTAKE_MAX_DELIVERIES 1,000, WEB_MAX_CONNECTIONS 2,000, WEBHOOK_LATENCY_BUDGET_MS 3,000), no worker; a shared 2-core machine`,
    figures: [
      {
        name: `web peak RSS, ${LARGE_COUNT} concurrent ${(large.body.length / MiB).toFixed(1)} MiB orders`,
        value: peakAfterLarge,
        unit: "MB",
        baseline: { name: "peak before the burst", value: peakBefore },
      },
      {
        name: `web RSS after ${Math.round(offeredSeconds)} s of ${RATE}/s offered at 10 commits/s`,
        value: rssAtEnd,
        unit: "MB",
        baseline: { name: "idle, before any burst", value: idleRss },
      },
      { name: "web RSS, highest sample during it", value: rssMax, unit: "MB" },
      {
        name: "deliveries recorded after recovery",
        value: recorded,
        unit: `of ${offered.length}`,
        target: { text: "all (nothing lost)", met: recorded === offered.length },
      },
      {
        name: "p99 time to a 5xx, PostgreSQL stopped",
        value: quantile(downMs, 0.99),
        unit: "ms",
        baseline: { name: "p50", value: quantile(downMs, 0.5) },
        target: { text: "well under 5 s", met: quantile(downMs, 0.99) < 1000 },
      },
    ],
    notes: [
      `web memory at its peak during the large bodies: ${largeMemory}`,
      `web memory at its peak during the slow database: ${overloadMemory}; load average at its end ${loadAverage}; the load generator: undici Pool of ${CONNECTIONS} connections`,
      `large bodies: ${tally(largeResults.map((r) => r.status))} in ${largeSeconds.toFixed(1)} s (${largeWithinShopify} answered 200 within Shopify's 5 s); ${largeRecorded} recorded; answer times p50 ${quantile(largeMs, 0.5).toFixed(0)} ms, max ${largeMs.at(-1)!.toFixed(0)} ms`,
      `slow database: ${offered.length} offered in ${offeredSeconds.toFixed(1)} s (${(offered.length / offeredSeconds).toFixed(0)}/s); answers ${tally(overloadStatuses)}; ${acceptedDuringOverload} accepted (${(acceptedDuringOverload / offeredSeconds).toFixed(0)}/s)`,
      `recovery: ${firstRetries} deliveries resent, ${rounds} round(s), ${recoverySeconds.toFixed(1)} s, ${unanswered.length} never answered 2xx; ${recorded} of ${offered.length} recorded`,
      `PostgreSQL stopped: ${downResults.length} webhooks, 50 at a time: ${tally(downResults.map((r) => r.status))}; p50 ${quantile(downMs, 0.5).toFixed(1)} ms, p99 ${quantile(downMs, 0.99).toFixed(1)} ms, max ${downMs.at(-1)!.toFixed(1)} ms`,
    ],
  });
} finally {
  // Bounded cleanup: the load generator's connections are dropped, the web process gets 10 s to
  // stop on SIGTERM (its shutdown waits for open connections), then SIGKILL.
  await shopify.destroy().catch(() => {});
  const stopped = await Promise.race([
    web.stop(),
    new Promise((resolve) => setTimeout(resolve, 10_000, "timeout")),
  ]);
  if (stopped === "timeout") await web.stop("SIGKILL");
  await db.end().catch(() => {});
  if (!databaseStopped) await database.stop();
  rmSync(probeFile, { force: true });
}
