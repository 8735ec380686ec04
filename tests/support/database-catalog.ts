/**
 * A database's public schema as sorted lines of text (tables, columns, enums, indexes,
 * constraints), so that two databases can be compared regardless of column order.
 */
import type pg from "pg";

export async function describeSchema(client: pg.Client | pg.PoolClient): Promise<string[]> {
  const queries = [
    `SELECT format('column %s.%s %s nullable=%s default=%s', table_name, column_name,
            CASE WHEN data_type = 'USER-DEFINED' OR data_type = 'ARRAY' THEN udt_name ELSE data_type END
              || coalesce('(' || character_maximum_length || ')', '')
              || coalesce('(' || numeric_precision || ',' || numeric_scale || ')', '')
              || coalesce('(' || datetime_precision || ')', ''),
            is_nullable, coalesce(column_default, '-')) AS line
       FROM information_schema.columns WHERE table_schema = 'public'`,
    `SELECT format('enum %s %s', t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)) AS line
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
       JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' GROUP BY t.typname`,
    `SELECT format('index %s', indexdef) AS line FROM pg_indexes WHERE schemaname = 'public'`,
    `SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) AS line
       FROM pg_constraint WHERE connamespace = 'public'::regnamespace`,
  ];
  const lines: string[] = [];
  for (const sql of queries) {
    const { rows } = await client.query<{ line: string }>(sql);
    lines.push(...rows.map((row) => row.line));
  }
  return lines.sort();
}
