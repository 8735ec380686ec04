/**
 * Where a person's data is stored: every column of every table in the database (Recur's, Prisma's,
 * graphile-worker's), read as text, searched for each value. The columns come from
 * information_schema, so a table added later is searched without changing this helper.
 */
import pg from "pg";
import { pool } from "../../app/db.server.ts";

export interface Person {
  email: string;
  phone: string;
  firstName: string;
  lastName: string;
}

/** "schema.table.column" of every column that holds any of the person's values, sorted. */
export async function wherePersonIsStored(person: Person): Promise<string[]> {
  const values = [person.email, person.phone, person.firstName, person.lastName];
  const patterns = values.map((value) => `%${value.replace(/[\\%_]/g, "\\$&")}%`);
  const { rows: columns } = await pool.query<{ schema: string; table: string; column: string }>(
    `SELECT c.table_schema AS schema, c.table_name AS table, c.column_name AS column
     FROM information_schema.columns c
     JOIN information_schema.tables t
       ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
     ORDER BY 1, 2, 3`,
  );
  if (columns.length < 10) throw new Error(`Only ${columns.length} columns found: wrong database?`);
  const found: string[] = [];
  for (const { schema, table, column } of columns) {
    const { rows } = await pool.query<{ found: boolean }>(
      `SELECT EXISTS (SELECT FROM ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}
         WHERE ${pg.escapeIdentifier(column)}::text ILIKE ANY($1::text[])) AS found`,
      [patterns],
    );
    if (rows[0]!.found) found.push(`${schema}.${table}.${column}`);
  }
  return found;
}
