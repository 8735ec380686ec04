/** Scratch databases on the test server, beside the per-file one. */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

export function databaseUrl(database: string): string {
  const url = new URL(inject("adminDatabaseUrl"));
  url.pathname = `/${database}`;
  return url.href;
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject("adminDatabaseUrl") });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database (or a copy of the migrated template) and returns its name. */
export async function createScratchDatabase({ fromTemplate = false } = {}): Promise<string> {
  const name = `recur_scratch_${randomBytes(6).toString("hex")}`;
  const template = fromTemplate ? ` TEMPLATE ${inject("templateDatabase")}` : "";
  await admin((client) => client.query(`CREATE DATABASE ${name}${template}`));
  return name;
}

export async function dropScratchDatabase(name: string): Promise<void> {
  await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

export async function withClient<T>(
  url: string,
  run: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}
