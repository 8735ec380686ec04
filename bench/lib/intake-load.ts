/**
 * The intake benchmarks' load (bench/intake.ts, bench/intake-profile.ts): signed orders/updated
 * webhooks, each with its own webhook id, from bench/lib/load-generator.ts in a process of its own,
 * the same generator for Recur and for the node:http + HMAC baseline (docs/decisions/066).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

export { body, SHOP } from "./intake-payload.ts";
import { SHOP } from "./intake-payload.ts";

const GENERATOR = path.join(import.meta.dirname, "load-generator.ts");

export interface LoadResult {
  /** Answered 2xx. */
  accepted: number;
  /** Answered otherwise, or not answered (errors, closed connections, still waiting at the end). */
  others: number;
  sent: number;
  perSecond: number;
  /** Latency in ms: from each request's write (closed loop) or its due time (with a rate). */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** The generator's own CPU time per request sent, µs. */
  cpuPerRequestUs: number;
}

/**
 * `connections` keep-alive connections for `seconds`: as fast as they are answered, or with
 * `overallRate`, that many deliveries a second, due evenly.
 */
export async function load(
  url: string,
  options: { connections: number; seconds: number; overallRate?: number },
): Promise<LoadResult> {
  const port = Number(new URL(url).port);
  const { stdout } = await promisify(execFile)(process.execPath, [
    GENERATOR,
    JSON.stringify({
      port,
      connections: options.connections,
      seconds: options.seconds,
      ...(options.overallRate ? { rate: options.overallRate } : {}),
    }),
  ]);
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as LoadResult;
}

/** A load's figures (kept for the callers that summarized autocannon's result). */
export const summary = (result: LoadResult) => result;

/** The shop and its offline session, as an installed shop has them. */
export async function installBenchShop(db: {
  query(text: string, values?: unknown[]): Promise<unknown>;
}) {
  await db.query("INSERT INTO shops (domain) VALUES ($1)", [SHOP]);
  await db.query(
    `INSERT INTO sessions (id, shop, state, "isOnline", scope, "accessToken") VALUES ($1, $2, 'x', false, 'read_orders', 'shpat_bench')`,
    [`offline_${SHOP}`, SHOP],
  );
}
