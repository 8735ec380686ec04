/**
 * One pg pool per process, shared by Prisma (through its driver adapter), the app's own SQL and,
 * in the worker, graphile-worker.
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

function createPool(): pg.Pool {
  const pool = new pg.Pool({
    connectionString: env.DATABASE_URL,
    max: Math.max(10, env.WORKER_CONCURRENCY + 4),
    application_name: `recur:${process.pid}`,
    // Fail fast rather than queue forever when Postgres is gone.
    connectionTimeoutMillis: 10_000,
  });
  // An idle client that loses its connection (Postgres restarted) is dropped by the pool; log it
  // rather than crash the process.
  pool.on("error", (error) => logger.warn({ err: error }, "idle database connection lost"));
  pool.on("connect", (client) => {
    client.on("error", (error) => logger.warn({ err: error }, "database connection lost"));
  });
  return pool;
}

type Globals = { recurPool?: pg.Pool; recurPrisma?: InstanceType<typeof PrismaClient> };
const globals = globalThis as Globals;

// Vite's dev server re-imports modules on change; keep one pool and one client per process.
export const pool: pg.Pool = (globals.recurPool ??= createPool());
export const prisma = (globals.recurPrisma ??= new PrismaClient({ adapter: new PrismaPg(pool) }));
export type Prisma = typeof prisma;

export default prisma;
