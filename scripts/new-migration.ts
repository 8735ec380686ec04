/**
 * `npm run migration:new -- <name> [--from <git-ref>]`: writes prisma/migrations/<timestamp>_<name>/
 * migration.sql with the SQL that takes the schema at <git-ref> (default HEAD) to the current
 * prisma/schema.prisma. Prisma's own `migrate dev` needs a shadow database that its WebAssembly
 * engine cannot use here (docs/decisions/004-offline-prisma-migrations.md); the drift test in
 * tests/integration/migrations.test.ts checks the result.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_EMBEDDED, PROJECT_ROOT, startEmbeddedPostgres } from "./lib/embedded-postgres.ts";
import { runPrismaOutput } from "./lib/prisma.ts";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { from: { type: "string", default: "HEAD" } },
});
const name = positionals[0];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("Usage: npm run migration:new -- <name_in_snake_case> [--from <git-ref>]");
  process.exit(64);
}

const previous = execFileSync("git", ["show", `${values.from}:prisma/schema.prisma`], {
  cwd: PROJECT_ROOT,
  encoding: "utf8",
});
const previousFile = path.join(await mkdtemp(path.join(tmpdir(), "recur-")), "schema.prisma");
await writeFile(previousFile, previous);

// The CLI needs a database to host its engine, though the diff reads none.
const databaseUrl = process.env.DATABASE_URL;
const postgres = databaseUrl ? undefined : await startEmbeddedPostgres(DEFAULT_EMBEDDED);
try {
  const sql = await runPrismaOutput(
    [
      "migrate",
      "diff",
      "--from-schema-datamodel",
      previousFile,
      "--to-schema-datamodel",
      "prisma/schema.prisma",
      "--script",
    ],
    databaseUrl ?? postgres!.url,
  );
  if (!sql.trim() || sql.includes("This is an empty migration")) {
    console.log(`prisma/schema.prisma has not changed since ${values.from}: no migration written.`);
  } else {
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const dir = path.join(PROJECT_ROOT, "prisma", "migrations", `${stamp}_${name}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "migration.sql"), sql);
    console.log(`Wrote ${path.relative(PROJECT_ROOT, dir)}/migration.sql`);
  }
} finally {
  await postgres?.stop();
}
