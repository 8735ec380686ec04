// Recur's admin end to end: the built app (server.ts) and the worker (worker.ts) as real processes
// on this file's database, the Shopify stand-in playing Shopify admin, headless Chromium playing the
// merchant. The shop is not installed: opening the admin runs the real install (token exchange),
// whose first full sync the overview shows. Then "Sync now" with its progress bar, a dead letter
// made by a real outage of customer writes and retried from its page, and every page rendered
// (screenshots under test-results/e2e/) without a console error in the app's frame.
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { chromium, type Browser, type Frame, type Page, type Request } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import { PROJECT_ROOT } from "../../scripts/lib/embedded-postgres.ts";
import { startChild, waitForHttp, type Child } from "../../scripts/lib/stack.ts";
import { compareWithGroundTruth } from "../support/ground-truth.ts";
import { waitFor } from "../support/processes.ts";
import { startShopifyStandIn, type StandIn } from "../shopify-standin/index.ts";
import { appPort, setStandIn, standIn } from "../support/standin.ts";

const SHOP = "e2e-admin.myshopify.com";
const SHOP_SEED = { shop: SHOP, customers: 120, orders: 240 };
const ARTIFACTS = path.join(PROJECT_ROOT, "test-results", "e2e");
const DOCS_SCREENSHOT = path.join(PROJECT_ROOT, "docs", "screenshots", "overview.png");
const USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

const appUrl = () => `http://127.0.0.1:${appPort()}`;
const children: Child[] = [];
/** The stand-in that replaced the file's own in the restart test (closed here, not by the setup). */
let restartedStandIn: StandIn | undefined;
const output: string[] = [];
let browser: Browser;
let page: Page;
/** Errors seen in the app's frame: console.error calls and uncaught exceptions. */
const appErrors: string[] = [];
/** Requests that left the machine (a CDN font, Shopify's CDN): there must be none. */
const offMachine: string[] = [];
/**
 * What a merchant would see go wrong anywhere on the page, the stand-in admin around the app
 * included: console errors (a frame the browser refused to show logs one in the admin: "Refused
 * to frame ..."), requests that failed, and answers of 400 or more.
 */
const pageProblems: string[] = [];
/** Requests of the page (admin and app frame) not yet finished or failed. */
const inFlight = new Set<Request>();
/** The app frame's document loads, in order (the bounce page shows up here). */
const frameLoads: string[] = [];

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  // Not installed: the admin's first load installs Recur by token exchange.
  await standIn().seedShop({ ...SHOP_SEED, install: false });
  // Slow enough that the overview's progress bar has something to show.
  standIn().setBulkRate(250);

  startRecur();
  await waitForHttp(`${appUrl()}/healthz`);

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // shopify-app-remix answers 410 to a user agent that looks like a bot (HeadlessChrome does).
  const context = await browser.newContext({
    userAgent: USER_AGENT,
    viewport: { width: 1400, height: 1150 },
    acceptDownloads: true,
    // Polaris Viz animates its charts unless the merchant prefers less motion.
    reducedMotion: "reduce",
  });
  // Uncaught exceptions and rejections inside the app's frame (not the stand-in admin around it).
  await context.exposeBinding("recurE2eError", (_source, message: string) => {
    appErrors.push(message);
  });
  await context.addInitScript((origin: string) => {
    if (location.origin !== origin) return;
    const report = (window as unknown as { recurE2eError: (m: string) => void }).recurE2eError;
    window.addEventListener("error", (event) => report(`uncaught: ${event.message}`));
    window.addEventListener("unhandledrejection", (event) =>
      report(`unhandled rejection: ${String(event.reason)}`),
    );
  }, appUrl());
  page = await context.newPage();
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (/^https?:$/.test(url.protocol) && !["127.0.0.1", "localhost"].includes(url.hostname)) {
      offMachine.push(request.url());
    }
  });
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    if (message.location().url.startsWith(appUrl())) {
      appErrors.push(`console.error: ${message.text()} (${message.location().url})`);
    }
    pageProblems.push(`console.error: ${message.text()} (${message.location().url})`);
  });
  page.on("request", (request) => inFlight.add(request));
  page.on("requestfinished", (request) => inFlight.delete(request));
  page.on("requestfailed", (request) => inFlight.delete(request));
  page.on("requestfailed", (request) => {
    pageProblems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) pageProblems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on("framenavigated", (frame) => {
    if (frame.name() === "app-iframe") frameLoads.push(new URL(frame.url()).pathname);
  });
  // A production build of the app comes first: on a loaded 2-core machine it alone can outlast the
  // suite's default hook limit. A limit, not a timing: nothing here is measured.
}, 300_000);

/** Recur's web server and worker, on this file's database (started again by the restart test). */
function startRecur() {
  const env = {
    DATABASE_URL: process.env.DATABASE_URL,
    PORT: String(appPort()),
    SHOPIFY_APP_URL: appUrl(),
    SHOPIFY_STANDIN_URL: standIn().url,
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "warn",
    // A webhook job that fails once is exhausted; the sweeper makes it a dead letter.
    WEBHOOK_MAX_ATTEMPTS: "1",
    SYNC_POLL_SECONDS: "0.5",
  };
  const keep = (name: string) => (line: string) => output.push(`[${name}] ${line}`);
  children.push(startChild({ name: "worker", args: ["worker.ts"], env, onLine: keep("worker") }));
  children.push(startChild({ name: "web", args: ["server.ts"], env, onLine: keep("web") }));
}

/** When a step fails: what the merchant saw, and the state of Recur and the stand-in behind it. */
afterEach(async ({ task }) => {
  if (task.result?.state !== "fail") return;
  const name = `failed-${task.name.replace(/\W+/g, "-").slice(0, 40)}`;
  await screenshot(name).catch(() => {});
  const state = async (sql: string) =>
    (await pool.query(sql).catch((error: Error) => ({ rows: [error.message] }))).rows;
  const report = {
    frame: page ? await appPath().catch((error: Error) => error.message) : null,
    processes: children.map((child) => [
      child.name,
      child.process.exitCode,
      child.process.signalCode,
    ]),
    shops: await state("SELECT domain, state FROM shops"),
    runs: await state(
      "SELECT id, entity, status, bulk_status, object_count, error_message FROM sync_runs ORDER BY id",
    ),
    jobs: await state(
      "SELECT task_identifier, key, attempts, max_attempts, locked_at, run_at, last_error FROM graphile_worker.jobs",
    ),
    deliveries: await state("SELECT topic, status, attempts, last_error FROM webhook_deliveries"),
    bulk: standIn()
      .bulkOperations(SHOP)
      .map((op) => [op.id, op.status, op.objectCount]),
    output: output.slice(-40),
  };
  process.stdout.write(`\n${name}: ${JSON.stringify(report, null, 2)}\n`);
});

afterAll(async () => {
  await browser?.close();
  await restartedStandIn?.close();
  await Promise.all(children.map((child) => child.stop()));
  if (appErrors.length > 0 || process.env.E2E_VERBOSE) {
    process.stdout.write(`${output.slice(-80).join("\n")}\n`);
  }
});

/** The app's iframe in the stand-in admin. */
function app(): Frame {
  const frame = page.frame({ name: "app-iframe" });
  if (!frame) throw new Error("The admin has no app frame");
  return frame;
}

async function appPath(): Promise<string> {
  return app().evaluate(() => location.pathname + location.search);
}

async function screenshot(name: string) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/** Opens a page from the admin's navigation (App Bridge's NavMenu, rendered by the admin). */
async function openFromNav(label: string, pathname: string) {
  await page.locator("#app-nav a", { hasText: label }).click();
  await expect.poll(appPath).toMatch(new RegExp(`^${pathname}`));
  await app().locator(".Polaris-Page").first().waitFor();
}

async function toast(text: string | RegExp) {
  await page.locator("#toasts .toast", { hasText: text }).first().waitFor({ timeout: 15_000 });
}

async function lastSyncTexts(): Promise<string[]> {
  return app()
    .locator('[data-testid^="last-sync-"]')
    .allTextContents()
    .catch(() => []);
}

/** The progress bars' values, until the runs finish. */
async function watchProgress(until: () => Promise<boolean>) {
  const seen: Record<string, number[]> = {};
  const poll = expect
    .poll(
      async () => {
        const bars = await app().evaluate(() =>
          [
            ...document.querySelectorAll<HTMLProgressElement>(
              '[data-testid^="progress-"] progress',
            ),
          ].map(
            (bar) =>
              [bar.closest("[data-testid]")!.getAttribute("data-testid")!, bar.value] as const,
          ),
        );
        for (const [entity, value] of bars) (seen[entity] ??= []).push(value);
        return until();
      },
      { timeout: 90_000, interval: 150, message: "the progress bars did not run to completion" },
    )
    .toBe(true);
  // Should they not: the values seen, and what the overview said at the end, go with the failure
  // (the afterEach report adds the runs, the jobs and the processes' output).
  await poll.catch(async (error: Error) => {
    const shown = await app()
      .locator(".Polaris-Page")
      .first()
      .innerText()
      .catch((reason: Error) => `(no page: ${reason.message})`);
    throw new Error(`${error.message}\nbars seen: ${JSON.stringify(seen)}\noverview:\n${shown}`, {
      cause: error,
    });
  });
  return seen;
}

/**
 * Opens the admin ten times, as a merchant reloading it would: each time the app's frame must show
 * the overview with both charts drawn, and nothing may go wrong on the page (a blocked frame, a
 * console error, a failed request or an answer of 400 or more; see pageProblems).
 */
async function openTenTimes(when: string) {
  for (let open = 1; open <= 10; open++) {
    // Whatever the page was doing before (the previous test, or the previous open) has ended: a
    // navigation would abort it, which would be the test's doing, not a failed request.
    await expect.poll(() => inFlight.size, { timeout: 15_000 }).toBe(0);
    const problemsBefore = pageProblems.length;
    const errorsBefore = appErrors.length;
    frameLoads.length = 0;
    await page.goto(standIn().adminUrl(SHOP));
    await app().getByRole("heading", { name: "Overview" }).waitFor({ timeout: 30_000 });
    await app().locator('[aria-label="Rows per second of recent sync runs"] svg').first().waitFor();
    // This open's own requests (App Bridge's session token, Remix's route manifest) have ended.
    await expect.poll(() => inFlight.size, { timeout: 15_000 }).toBe(0);
    expect(frameLoads.at(-1), `open ${open} ${when}`).toBe("/app");
    expect(pageProblems.slice(problemsBefore), `open ${open} ${when}`).toEqual([]);
    expect(appErrors.slice(errorsBefore), `open ${open} ${when}`).toEqual([]);
  }
}

const formatted = (count: number) => new Intl.NumberFormat("en-US").format(count);

describe("the admin in Shopify admin", () => {
  it("installs on first open, shows the first sync, and matches the store", async () => {
    await page.goto(standIn().adminUrl(SHOP));
    await app().getByRole("heading", { name: "Overview" }).waitFor({ timeout: 30_000 });
    expect(
      standIn()
        .listShops()
        .find((s) => s.shop === SHOP)?.installed,
    ).toBe(true);
    // afterAuth queued the first full sync; the overview follows it to the end.
    await watchProgress(async () => (await lastSyncTexts()).length === 2);
    const truth = standIn().groundTruth(SHOP);
    for (const [entity, count] of [
      ["customers", truth.customers.length],
      ["orders", truth.orders.length],
    ] as const) {
      await expect
        .poll(() => app().locator(`#in-recur-${entity}`).textContent())
        .toBe(formatted(count));
      expect(await app().locator(`#in-shopify-${entity}`).textContent()).toBe(formatted(count));
    }
  });

  it('"Sync now" queues a full sync whose progress bar runs to completion', async () => {
    const before = await lastSyncTexts();
    await app().getByRole("button", { name: "Sync now" }).click();
    await toast("Sync started for customers and orders");
    const seen = await watchProgress(async () => {
      const bars = await app().locator('[data-testid^="progress-"]').count();
      const texts = await lastSyncTexts();
      return bars === 0 && texts.length === 2 && texts.every((text, i) => text !== before[i]);
    });
    // The bar moved: it showed a run part-way, and never went backwards.
    const orders = seen["progress-orders"] ?? [];
    expect(
      orders.some((value) => value > 0 && value < 100),
      JSON.stringify(seen),
    ).toBe(true);
    for (const values of Object.values(seen)) {
      expect(values).toEqual([...values].sort((x, y) => x - y));
    }
    const { rows } = await pool.query<{ kind: string; status: string }>(
      `SELECT r.kind::text, r.status::text FROM sync_runs r JOIN shops s ON s.id = r.shop_id
       WHERE s.domain = $1 ORDER BY r.id`,
      [SHOP],
    );
    expect(rows).toEqual(Array(4).fill({ kind: "full", status: "completed" }));
    const truth = standIn().groundTruth(SHOP);
    const comparison = await compareWithGroundTruth(pool, SHOP, truth);
    expect(comparison.differences).toEqual([]);
    for (const entity of ["customers", "orders"] as const) {
      expect(await app().locator(`#in-recur-${entity}`).textContent()).toBe(
        formatted(truth[entity].length),
      );
      expect(await app().locator(`#in-shopify-${entity}`).textContent()).toBe(
        formatted(truth[entity].length),
      );
    }
    // The charts drew.
    await app()
      .locator('[aria-label="Orders per day over the last 90 days"] svg')
      .first()
      .waitFor();
    await app().locator('[aria-label="Rows per second of recent sync runs"] svg').first().waitFor();
    await page.locator("#toasts .toast").first().waitFor({ state: "detached", timeout: 15_000 });
    await screenshot("overview");
    // The README's picture, refreshed on request only (a test run leaves tracked files alone).
    if (process.env.UPDATE_SCREENSHOTS === "1") {
      await mkdir(path.dirname(DOCS_SCREENSHOT), { recursive: true });
      await page.screenshot({ path: DOCS_SCREENSHOT });
    }
  });

  it("shows a dead letter left by an outage, retries it, and sees it processed", async () => {
    // An outage of customer writes: the customers/update job fails, the sweeper makes the
    // delivery a dead letter.
    await pool.query(`CREATE FUNCTION e2e_outage() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'simulated outage: customers cannot be written'; END $$`);
    await pool.query(`CREATE TRIGGER e2e_outage BEFORE INSERT OR UPDATE ON customers
      FOR EACH ROW EXECUTE FUNCTION e2e_outage()`);
    const customer = standIn().groundTruth(SHOP).customers[0]!;
    standIn().updateCustomer(SHOP, customer.id, { firstName: "Outage" });
    await standIn().waitForDeliveries();
    const deliveryId = await waitFor("the customers/update job to use up its attempt", async () => {
      const { rows } = await pool.query<{ id: string }>(
        `SELECT d.id FROM webhook_deliveries d
         JOIN graphile_worker.jobs j
           ON j.key = 'delivery:' || d.id AND j.attempts >= j.max_attempts AND j.locked_at IS NULL
         WHERE d.shop_domain = $1 AND d.topic = 'customers/update'`,
        [SHOP],
      );
      return rows[0]?.id;
    });
    await enqueueJob(pool, "sweeper", {});
    await waitFor("the dead letter", async () => {
      const { rows } = await pool.query<{ status: string }>(
        "SELECT status::text FROM webhook_deliveries WHERE id = $1",
        [deliveryId],
      );
      return rows[0]?.status === "dead_letter" ? true : undefined;
    });
    await pool.query("DROP TRIGGER e2e_outage ON customers");
    await pool.query("DROP FUNCTION e2e_outage()");

    // The overview (opened from the admin's app link) says a delivery waits for the merchant.
    await openFromNav("Sync history", "/app/syncs");
    await page.locator("#app-home").click();
    await expect.poll(appPath).toBe("/app");
    await app()
      .getByText("1 webhook delivery failed and waits for you")
      .waitFor({ timeout: 30_000 });
    await screenshot("overview-dead-letter");
    await app().getByRole("link", { name: "Review dead letters" }).click();
    await expect.poll(appPath).toBe("/app/deliveries?status=dead_letter");
    const status = app().locator(`[data-testid="delivery-status-${deliveryId}"]`);
    await expect.poll(() => status.textContent()).toContain("Dead letter");
    await screenshot("deliveries");

    await app().getByRole("link", { name: "customers/update" }).first().click();
    await expect.poll(appPath).toBe(`/app/deliveries/${deliveryId}`);
    await app().getByText("simulated outage: customers cannot be written").first().waitFor();
    await screenshot("delivery");
    await app().getByRole("button", { name: "Retry" }).click();
    await toast("Retrying 1 delivery");
    await app().locator(".Polaris-Badge", { hasText: "Processed" }).waitFor({ timeout: 30_000 });
    await screenshot("delivery-processed");
    const { rows } = await pool.query<{ status: string; first_name: string }>(
      `SELECT d.status::text, c.first_name FROM webhook_deliveries d, customers c
       JOIN shops s ON s.id = c.shop_id
       WHERE d.id = $1 AND s.domain = $2 AND c.shopify_id = $3`,
      [deliveryId, SHOP, customer.id],
    );
    expect(rows).toEqual([{ status: "processed", first_name: "Outage" }]);
  });

  it("renders every page, and downloads a privacy export", async () => {
    await openFromNav("Sync history", "/app/syncs");
    await expect.poll(() => app().locator(".Polaris-IndexTable__TableRow").count()).toBe(4);
    await screenshot("syncs");
    await app().locator(".Polaris-IndexTable__TableRow a").first().click();
    await expect.poll(appPath).toMatch(/^\/app\/syncs\/\d+$/);
    await app().getByText("Shopify's export").waitFor();
    await screenshot("sync-run");

    await openFromNav("Customers", "/app/customers");
    await app().locator(".Polaris-IndexTable__TableRow").first().waitFor();
    await screenshot("customers");
    await app().getByPlaceholder("Search by name or email").fill("Outage");
    await expect.poll(appPath).toMatch(/q=Outage/);
    await expect.poll(() => app().locator(".Polaris-IndexTable__TableRow").count()).toBe(1);
    await app().locator(".Polaris-IndexTable__TableRow a").first().click();
    await expect.poll(appPath).toMatch(/^\/app\/customers\/\d+$/);
    await app().getByText("Saved in Recur").waitFor();
    await screenshot("customer");

    await openFromNav("Orders", "/app/orders");
    await app().locator(".Polaris-IndexTable__TableRow").first().waitFor();
    await screenshot("orders");

    // The full syncs were followed by a full RFM scoring.
    await openFromNav("Segments", "/app/segments");
    await app().getByText("Recency by frequency and money").waitFor({ timeout: 15_000 });
    await app().getByText("Median days since last order").waitFor();
    await screenshot("segments");

    const customer = standIn().groundTruth(SHOP).customers[1]!;
    standIn().sendCustomersDataRequest(SHOP, { customerId: customer.id });
    await standIn().waitForDeliveries();
    await waitFor("the data request", async () => {
      const { rows } = await pool.query("SELECT 1 FROM data_requests");
      return rows.length > 0 ? true : undefined;
    });
    await openFromNav("Privacy requests", "/app/privacy");
    await app()
      .getByRole("button", { name: /Download the export/ })
      .waitFor();
    await screenshot("privacy");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      app()
        .getByRole("button", { name: /Download the export/ })
        .click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^data-request-\d+\.json$/);
    const file = JSON.parse(await readFile((await download.path())!, "utf8")) as {
      export: { customer: { id: string } };
    };
    expect(file.export.customer.id).toBe(customer.id);
    await toast(/^Downloaded data-request-/);
  });

  it("opens a segment's customer list from the Segments page, sorts it and opens a customer", async () => {
    await openFromNav("Segments", "/app/segments");
    await app()
      .locator('[aria-label="Segment sizes over the last 90 days"] svg')
      .first()
      .waitFor({ timeout: 15_000 });
    // The segment the shop has most customers in, by its link in the segments table.
    const { rows } = await pool.query<{ segment: string; customers: number }>(
      `SELECT r.segment, count(*)::int AS customers FROM customer_rfm r
       JOIN shops s ON s.id = r.shop_id
       WHERE s.domain = $1 AND r.segment <> 'PROSPECTS'
       GROUP BY r.segment ORDER BY count(*) DESC, r.segment LIMIT 1`,
      [SHOP],
    );
    const { segment, customers } = rows[0]!;
    const label = segment.charAt(0) + segment.slice(1).toLowerCase().replaceAll("_", " ");
    await app().getByRole("link", { name: label, exact: true }).click();
    await expect.poll(appPath).toBe(`/app/segments/${segment}`);
    await app().getByRole("heading", { name: label }).waitFor();
    await expect
      .poll(() => app().locator(".Polaris-IndexTable__TableRow").count())
      .toBe(Math.min(customers, 50));
    await screenshot("segment-customers");
    await app().locator("select").first().selectOption("recency:asc");
    await expect.poll(appPath).toMatch(/sort=recency&direction=asc/);
    const [first] = (
      await pool.query<{ id: string }>(
        `SELECT r.customer_shopify_id::text AS id FROM customer_rfm r
         JOIN shops s ON s.id = r.shop_id
         WHERE s.domain = $1 AND r.segment = $2
         ORDER BY r.recency_days, r.customer_shopify_id LIMIT 1`,
        [SHOP, segment],
      )
    ).rows;
    await expect
      .poll(() => app().locator(".Polaris-IndexTable__TableRow a").first().getAttribute("href"))
      .toMatch(new RegExp(`/app/customers/${first!.id}(\\?|$)`));
    await app().locator(".Polaris-IndexTable__TableRow a").first().click();
    await expect.poll(appPath).toBe(`/app/customers/${first!.id}`);
    await app().getByText("Saved in Recur").waitFor();
  });

  it("opens again when Shopify no longer accepts Recur's stored token (a restarted demo's stand-in)", async () => {
    // A restarted stand-in knows no token the last one issued; Recur's database still holds one.
    const { rows } = await pool.query<{ accessToken: string }>(
      `SELECT "accessToken" FROM sessions WHERE shop = $1 AND NOT "isOnline"`,
      [SHOP],
    );
    expect(rows).toHaveLength(1);
    expect(standIn().expireAccessToken(rows[0]!.accessToken)).toBe(true);
    frameLoads.length = 0;
    await page.goto(standIn().adminUrl(SHOP));
    // The overview's Admin API call is refused; shopify-app-remix sends the frame to its bounce
    // page, which must be framed and load App Bridge to get a new session token, then come back.
    await app().getByRole("heading", { name: "Overview" }).waitFor({ timeout: 30_000 });
    expect(frameLoads).toContain("/auth/session-token");
    expect(frameLoads.at(-1)).toBe("/app");
    await expect
      .poll(() => app().locator("#in-shopify-customers").textContent())
      .toBe(formatted(standIn().groundTruth(SHOP).customers.length));
  });

  it("opens cleanly ten times in a row on this start", async () => {
    await openTenTimes("this start");
  });

  it("opens cleanly ten times in a row after a restart on the same data (a restarted demo)", async () => {
    // Nothing on the page may talk to the processes while they are down.
    await page.goto("about:blank");
    // The stand-in restarts as `npm run demo` restarts it: on its port, with its saved state.
    const state = standIn().exportState();
    const port = Number(new URL(standIn().url).port);
    await standIn().close();
    const next = await startShopifyStandIn({
      port,
      appUrl: appUrl(),
      apiKey: process.env.SHOPIFY_API_KEY!,
      apiSecret: process.env.SHOPIFY_API_SECRET!,
      timeScale: 0.001,
    });
    restartedStandIn = next;
    await next.seedShop({ ...SHOP_SEED, install: false });
    expect(next.importState(state).restored).toEqual([SHOP]);
    setStandIn(next, appPort());
    // Recur's web server and worker restart on the same database.
    const running = children.splice(0);
    await Promise.all(running.map((child) => child.stop()));
    startRecur();
    await waitForHttp(`${appUrl()}/healthz`);
    await openTenTimes("after the restart");
  });

  it("raised no console error and no uncaught exception in the app's frame", () => {
    expect(appErrors).toEqual([]);
  });

  it("showed no blocked frame, console error or failed request anywhere on the page", () => {
    expect(pageProblems).toEqual([]);
  });

  it("loaded nothing from outside the machine (charts and fonts included)", () => {
    expect(offMachine).toEqual([]);
  });
});
