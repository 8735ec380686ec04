/**
 * Recur's database access: the process's pg pools, Prisma, `Queryable` (what a function that only
 * runs statements takes) and `withTransaction`, the one way a transaction begins and ends.
 *
 * The process's pg pools. `pool` is shared by Prisma (through its driver adapter), the app's own
 * SQL and, in the worker, graphile-worker; in the web process its statements end within
 * WEB_STATEMENT_TIMEOUT_MS (worker.ts lifts that for the worker's long statements). `webhookPool`
 * is the webhook intake's alone (docs/decisions/034): admin pages and session loads cannot take its
 * connections, and its statements end within the intake's latency budget.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import prismaClient from "@prisma/client";
import pg from "pg";
import { env } from "./env.server.ts";
import { logger } from "./logger.server.ts";

// @prisma/client is CommonJS whose exports Node cannot name statically.
const { PrismaClient } = prismaClient;

// pg's global type parsers are left alone: Prisma's adapter relies on them. The app's own SQL
// reads Shopify's ids (numeric(20, 0), docs/decisions/018) as decimal strings: exact and JSON-safe.

function createPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, ...config });
  // An idle client that loses its connection (Postgres restarted) is dropped by the pool; log it
  // rather than crash the process.
  pool.on("error", (error) => logger.warn({ err: error }, "idle database connection lost"));
  pool.on("connect", (client) => {
    client.on("error", (error) => logger.warn({ err: error }, "database connection lost"));
  });
  return pool;
}

/** Connections of the webhook intake: its statement in flight (1) and one to spare. */
export const WEBHOOK_POOL_SIZE = 2;

type Globals = {
  recurPool?: pg.Pool;
  recurWebhookPool?: pg.Pool;
  recurPrisma?: InstanceType<typeof PrismaClient>;
};
const globals = globalThis as Globals;

// Vite's dev server re-imports modules on change; keep one pool and one client per process.
export const pool: pg.Pool = (globals.recurPool ??= createPool({
  max: Math.max(10, env.WORKER_CONCURRENCY + 4),
  application_name: `recur:${process.pid}`,
  // Fail fast rather than queue forever when Postgres is gone.
  connectionTimeoutMillis: 10_000,
  statement_timeout: env.WEB_STATEMENT_TIMEOUT_MS,
}));
/**
 * How old an intake connection's plans may be. Its statements run generic plans (made once, without
 * planning at each call); before a statement, a connection whose plans are older than this drops
 * them (DISCARD PLANS, dropStalePlans), so the next ones are made for the queue as it is then.
 */
export const WEBHOOK_PLAN_MAX_AGE_MS = 1000;

const plansSince = new WeakMap<pg.ClientBase, number>();

/**
 * Called as the pool hands out an intake connection (and by tests, with a clock of their own): when
 * its plans are older than WEBHOOK_PLAN_MAX_AGE_MS, queues DISCARD PLANS on it, which runs before
 * the statement it is handed out for (node-postgres runs a connection's queries in order). One
 * round trip a second at most; a new connection's plans count from its first hand-out.
 */
export function dropStalePlans(client: pg.ClientBase, now = performance.now()): void {
  const since = plansSince.get(client);
  if (since !== undefined && now - since < WEBHOOK_PLAN_MAX_AGE_MS) return;
  plansSince.set(client, now);
  if (since === undefined) return;
  client.query("DISCARD PLANS").catch((error: unknown) => {
    // The statement queued behind it meets the same broken connection and answers for it.
    logger.warn({ err: error }, "could not drop the plans of an intake connection");
  });
}

export const webhookPool: pg.Pool = (globals.recurWebhookPool ??= createWebhookPool());

function createWebhookPool(): pg.Pool {
  const webhooks = createPool({
    max: WEBHOOK_POOL_SIZE,
    application_name: `recur-webhooks:${process.pid}`,
    // Generic plans at most WEBHOOK_PLAN_MAX_AGE_MS old (docs/decisions/077), sent in the startup
    // message (options, merged with any the DATABASE_URL has: withStartupSettings; no statement
    // queued before the intake's first). Planned at each call (decision 056), a statement of 24
    // deliveries spent about a quarter of PostgreSQL's CPU per delivery on its plans and on the five
    // inside graphile_worker.add_jobs. Never older: add_jobs is PL/pgSQL, whose plans live as long
    // as the connection, and one made while graphile-worker's jobs table was nearly empty scans the
    // whole table on every call once a backlog builds (25 ms instead of 0.25 ms at 60,000 jobs).
    ...withStartupSettings(env.DATABASE_URL, "-c plan_cache_mode=force_generic_plan"),
    // A delivery not recorded within its budget is answered 503 by the intake's own timer (Shopify
    // retries). Behind it, a connection or a statement that takes longer is given up: in PostgreSQL
    // (statement_timeout, 500 ms after the budget, so the timer answers first) and, for a server that
    // does not answer at all, in the client (query_timeout drops the connection).
    connectionTimeoutMillis: env.WEBHOOK_LATENCY_BUDGET_MS,
    statement_timeout: env.WEBHOOK_LATENCY_BUDGET_MS + 500,
    query_timeout: env.WEBHOOK_LATENCY_BUDGET_MS + 1000,
  });
  webhooks.on("acquire", (client) => dropStalePlans(client));
  return webhooks;
}

/**
 * `url` and `settings` (`-c name=value ...`) as pg's connection settings, the settings sent in the
 * connection's startup message with any `options` the URL already has (pg lets the URL's win over
 * the config's, so they are merged here rather than set beside it).
 */
export function withStartupSettings(
  url: string,
  settings: string,
): { connectionString: string; options: string } {
  if (!/[?&]options=/.test(url)) return { connectionString: url, options: settings };
  const parsed = new URL(url);
  const own = parsed.searchParams.get("options");
  parsed.searchParams.delete("options");
  return { connectionString: parsed.href, options: [own, settings].filter(Boolean).join(" ") };
}

/**
 * Lifts the web process's statement timeout from every connection `target` opens from now on (the
 * worker's bulk ingests and full RFM scoring may run longer; they have limits of their own).
 * pg-pool awaits `onConnect` before it hands a new connection out, so the SET has ended before the
 * connection's first statement. (A query from a "connect" listener would still be running then:
 * two statements at once on one client, which pg deprecates.) A connection whose SET fails is
 * closed, and the statement that asked for it fails.
 */
export function liftStatementTimeout(target: pg.Pool): void {
  target.options.onConnect = async (client) => {
    await client.query("SET statement_timeout = 0");
  };
}

/** What a function that runs statements, in a transaction or not, takes: a pool or a client. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

export interface TransactionOptions {
  isolation?: "read committed" | "repeatable read" | "serializable";
  readOnly?: boolean;
  /**
   * `off`: the commit returns before its WAL reaches disk (a crash may lose the transaction, never
   * corrupt it). Only for work that is redone when it is lost, such as a job's attempt.
   */
  synchronousCommit?: "on" | "off";
  /** Statements in the transaction are cancelled after this long (SQLSTATE 57014). */
  statementTimeoutMs?: number;
  /** A lock not granted within this long fails its statement (SQLSTATE 55P03). */
  lockTimeoutMs?: number;
  /** Memory for each sort or hash of the transaction's statements before they spill to disk. */
  workMemMb?: number;
  /**
   * The transaction's first statement, sent with its BEGIN in one round trip (SQL text without
   * parameters: values spliced with pg's escapeLiteral); `fn` gets its result.
   */
  firstStatement?: string;
  /**
   * Asked once `fn` has returned: the transaction's last statement, sent with its COMMIT in one
   * round trip (same rules as firstStatement), or undefined. When it fails, nothing commits and the
   * transaction rolls back as when `fn` throws.
   */
  lastStatement?: () => string | undefined;
}

const ISOLATION_LEVELS = new Set<string>(["read committed", "repeatable read", "serializable"]);

/** The `BEGIN` (with its `SET LOCAL`s) of a transaction: one round trip, typed values only. */
export function beginStatement(options: TransactionOptions = {}): string {
  // The values are spliced into SQL: refuse anything but the typed ones (a cast may lie).
  if (options.isolation && !ISOLATION_LEVELS.has(options.isolation)) {
    throw new RangeError(`unknown isolation level: ${String(options.isolation)}`);
  }
  if (options.synchronousCommit && !["on", "off"].includes(options.synchronousCommit)) {
    throw new RangeError(`unknown synchronous_commit: ${String(options.synchronousCommit)}`);
  }
  const mode = [
    options.isolation && `ISOLATION LEVEL ${options.isolation.toUpperCase()}`,
    options.readOnly && "READ ONLY",
  ].filter(Boolean);
  const settings = [
    options.synchronousCommit && `synchronous_commit = ${options.synchronousCommit}`,
    options.statementTimeoutMs !== undefined &&
      `statement_timeout = ${positiveInteger(options.statementTimeoutMs)}`,
    options.lockTimeoutMs !== undefined &&
      `lock_timeout = ${positiveInteger(options.lockTimeoutMs)}`,
    options.workMemMb !== undefined && `work_mem = '${positiveInteger(options.workMemMb)}MB'`,
  ].filter(Boolean);
  return [
    `BEGIN${mode.length ? ` ${mode.join(" ")}` : ""}`,
    ...settings.map((s) => `SET LOCAL ${s}`),
  ].join("; ");
}

/** A positive whole number for a setting (0 would mean "no limit"). */
function positiveInteger(value: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite setting: ${value}`);
  return Math.max(1, Math.floor(value));
}

/** A client taken from a pool (it has `release`), as opposed to the pool. */
function isPoolClient(db: pg.Pool | pg.PoolClient): db is pg.PoolClient {
  return typeof (db as Partial<pg.PoolClient>).release === "function";
}

/**
 * Runs `fn` in one transaction and commits what it did, or rolls it all back and rethrows when `fn`
 * (or the commit) throws. Given a pool, it takes a connection for the transaction and gives it back
 * (dropped when the rollback fails too); given a client (one that holds session state, such as the
 * bulk ingest's staging tables), it runs the transaction on that client and leaves it to its owner.
 * Nothing else in Recur writes BEGIN, COMMIT or ROLLBACK (docs/decisions/042).
 */
export async function withTransaction<T>(
  db: pg.Pool | pg.PoolClient,
  fn: (client: pg.PoolClient, first: pg.QueryResult | undefined) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const owned = !isPoolClient(db);
  const client = isPoolClient(db) ? db : await db.connect();
  let broken: Error | undefined;
  const rollBack = () =>
    client.query("ROLLBACK").catch((rollback: unknown) => {
      broken = rollback instanceof Error ? rollback : new Error(String(rollback));
    });
  try {
    const first = options.firstStatement;
    const opened = await client
      .query(first ? `${beginStatement(options)}; ${first}` : beginStatement(options))
      .catch(async (error: unknown) => {
        // A first statement that failed leaves its transaction open (aborted): end it.
        if (first) await rollBack();
        else broken = error instanceof Error ? error : new Error(String(error));
        throw error;
      });
    try {
      // Several statements in one query answer with one result each; the last is the first statement's.
      const results = opened as unknown as pg.QueryResult | pg.QueryResult[];
      const result = await fn(client, first ? [results].flat().at(-1) : undefined);
      const last = options.lastStatement?.();
      await client.query(last ? `${last}; COMMIT` : "COMMIT");
      return result;
    } catch (error) {
      await rollBack();
      throw error;
    }
  } finally {
    if (owned) client.release(broken);
  }
}

export const prisma = (globals.recurPrisma ??= new PrismaClient({ adapter: new PrismaPg(pool) }));
export type Prisma = typeof prisma;

export default prisma;
