/**
 * `node scripts/prisma.ts <prisma args>`: the Prisma CLI with a database resolved the way every
 * command of this project resolves it: DATABASE_URL when set, otherwise the embedded PostgreSQL
 * under .data/postgres, started for the command and stopped after it.
 */
import { DEFAULT_EMBEDDED, startEmbeddedPostgres } from "./lib/embedded-postgres.ts";
import { runPrisma } from "./lib/prisma.ts";

const args = process.argv.slice(2);
// These read only the schema and migration files. The CLI still needs DATABASE_URL to be set to
// load the schema, but never connects.
const offline = ["generate", "format", "validate"].some((command) =>
  args.join(" ").startsWith(command),
);

try {
  if (process.env.DATABASE_URL) {
    await runPrisma(args, process.env.DATABASE_URL, { quiet: false });
  } else if (offline) {
    await runPrisma(args, "postgres://offline@127.0.0.1:1/unused", { quiet: false });
  } else {
    const postgres = await startEmbeddedPostgres(DEFAULT_EMBEDDED);
    try {
      await runPrisma(args, postgres.url, { quiet: false });
    } finally {
      await postgres.stop();
    }
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
