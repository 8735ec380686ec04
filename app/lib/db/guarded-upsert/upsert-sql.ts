/**
 * The guarded upsert's SQL generator: one `INSERT ... ON CONFLICT DO UPDATE ... WHERE` statement per
 * resource spec and source, whose conditions are last-write-wins by each group's version (see
 * ../guarded-upsert.server.ts). The statements it generates are checked in under ./sql/.
 */
import {
  travellingColumns,
  type Column,
  type Group,
  type Merged,
  type ResourceSpec,
} from "./columns.ts";

/** The bulk ingest's rows of one chunk: sequence numbers after $2, up to $3. */
export const STAGED_CHUNK = "seq > $2 AND seq <= $3";

/** Where the incoming versions come from: array parameters, or a staging table (bulk ingest). */
export type Source = { kind: "arrays" } | { kind: "staging"; table: string; where: string };

/**
 * Array parameters also carry, per record, the names of the fields it did not send (space
 * separated): the column `not_sent` of the statement's `src`.
 */
export const NOT_SENT = "not_sent";

/**
 * `INSERT ... SELECT ... FROM <source> ON CONFLICT (shop_id, shopify_id) DO UPDATE ... WHERE
 * <some group is newer>`. $1 is the shop id.
 */
export function guardedUpsertSql<R>(spec: ResourceSpec<R>, source: Source): string {
  const travelling = travellingColumns(spec);
  const arrays = source.kind === "arrays";
  const withSource = arrays
    ? `WITH src AS (SELECT * FROM unnest(${[
        ...travelling.map((c, i) => `$${i + 2}::${c.type}[]`),
        `$${travelling.length + 2}::text[]`,
      ].join(", ")}) AS src(${[...travelling.map((c) => c.name), NOT_SENT].join(", ")}))`
    : "";
  const from = arrays
    ? "src"
    : // One version per id per statement (a row may not be touched twice): the newest.
      `(SELECT DISTINCT ON (shopify_id) * FROM ${source.table} WHERE ${source.where}
        ORDER BY shopify_id, ${spec.main.version.name} DESC NULLS LAST) AS src`;
  const decoded = (c: Column<R>) => (c.decode ? c.decode(`src.${c.name}`) : `src.${c.name}`);

  const groups = [spec.main, ...spec.extra];
  const plain = groups.flatMap((group) => [...group.fields, group.version]);
  const insertColumns = [
    "shopify_id",
    ...plain.map((c) => c.name),
    ...spec.merged.flatMap((m) => [m.column.name, ...m.derived.map((d) => d.name)]),
  ];
  const insertValues = [
    "src.shopify_id",
    ...plain.map(decoded),
    ...spec.merged.flatMap((m) => {
      const value = `coalesce(src.${m.column.name}, '{}')`;
      return [value, ...m.derived.map((d) => d.from(value))];
    }),
  ];

  // The value a field takes when its group is written: personal fields stay erased once redacted,
  // and a field the record did not send keeps its stored value. With array parameters the SET list
  // and the WHERE clause each read the record's row of `src` once (below), so these name `src`.
  const notSent = (c: Column<R>) => `'${c.name}' = ANY(string_to_array(src.${NOT_SENT}, ' '))`;
  // A vague value (Column.vague) keeps a stored value it may stand for.
  const keepsStored = (c: Column<R>) =>
    `existing.${c.name} = ANY(string_to_array(src.${c.name}, ' '))`;
  const incoming = (c: Column<R>) => {
    let value = c.personal
      ? `CASE WHEN existing.redacted_at IS NULL THEN EXCLUDED.${c.name} END`
      : `EXCLUDED.${c.name}`;
    if (arrays && c.vague)
      value = `CASE WHEN ${keepsStored(c)} THEN existing.${c.name} ELSE ${value} END`;
    return arrays ? `CASE WHEN ${notSent(c)} THEN existing.${c.name} ELSE ${value} END` : value;
  };
  const fieldsDiffer = (group: Group<R>) =>
    `(${group.fields.map((c) => `existing.${c.name}`).join(", ")})
       IS DISTINCT FROM (${group.fields.map(incoming).join(", ")})`;
  const newer = (group: Group<R>, isMain: boolean) => {
    const v = group.version.name;
    return `(EXCLUDED.${v} IS NOT NULL
        AND (existing.deleted_at IS NULL OR existing.deleted_at < EXCLUDED.${v})
        AND (existing.${v} IS NULL OR existing.${v} < EXCLUDED.${v}
          OR (existing.${v} = EXCLUDED.${v} AND (${isMain ? "existing.deleted_at IS NOT NULL OR " : ""}${fieldsDiffer(group)}))))`;
  };
  const conditions = groups.map((group, i) => ({ group, when: newer(group, i === 0) }));
  const onlyMain = spec.extra.length === 0 && spec.merged.length === 0;
  const assign = (column: string, value: string, when: string) =>
    onlyMain
      ? `${column} = ${value}`
      : `${column} = CASE WHEN ${when} THEN ${value} ELSE existing.${column} END`;
  const mergedValue = (m: Merged<R>) =>
    m.merge(`existing.${m.column.name}`, `EXCLUDED.${m.column.name}`);

  // Whether the row's data changes, not only a group's version: a newer version of the resource
  // itself, other figures in another group, or other derived values of a merged column. Versions
  // of the other groups move forward even when their data is the same (they must: a late message
  // older than the latest snapshot may not win), but that is not a change.
  const dataChanged = [
    conditions[0]!.when,
    ...conditions.slice(1).map(({ group, when }) => `(${when} AND ${fieldsDiffer(group)})`),
    ...spec.merged.flatMap((m) =>
      m.derived.map((d) => `${d.from(mergedValue(m))} IS DISTINCT FROM existing.${d.name}`),
    ),
  ].join("\n        OR ");

  const sets = [
    ...conditions.flatMap(({ group, when }) => [
      ...group.fields.map((c) => assign(c.name, incoming(c), when)),
      assign(group.version.name, `EXCLUDED.${group.version.name}`, when),
    ]),
    // Typed: in the sub-SELECT of array parameters (below) an untyped NULL would be text.
    assign("deleted_at", arrays ? "NULL::timestamptz" : "NULL", conditions[0]!.when),
    ...spec.merged.flatMap((m) => [
      `${m.column.name} = ${mergedValue(m)}`,
      ...m.derived.map((d) => `${d.name} = ${d.from(mergedValue(m))}`),
    ]),
    // synced_at: when Recur last changed the row's data. RETURNING compares it with now() (the
    // same throughout a transaction) to tell a change from a version that only moved forward.
    onlyMain
      ? "synced_at = now()"
      : `synced_at = CASE WHEN ${dataChanged} THEN now() ELSE existing.synced_at END`,
  ];
  const anyChange = [
    ...conditions.map(({ when }) => when),
    ...spec.merged.map((m) => `${mergedValue(m)} IS DISTINCT FROM existing.${m.column.name}`),
  ];

  // With array parameters, the record's row of `src` is read once for the whole SET list (one
  // sub-SELECT assigning every column) and once for the WHERE clause, rather than once per field
  // that reads it: a subplan each, over a hundred for a customer, planned and run per row
  // (docs/decisions/076). Every id has one row in `src` (a row may not be touched twice).
  const record = "FROM src WHERE src.shopify_id = EXCLUDED.shopify_id";
  const assignments = arrays
    ? `(${sets.map((set) => set.slice(0, set.indexOf(" = "))).join(", ")}) = (SELECT
        ${sets.map((set) => set.slice(set.indexOf(" = ") + 3)).join(",\n        ")}
      ${record})`
    : sets.join(",\n      ");
  const where = arrays
    ? `EXISTS (SELECT ${record} AND (${anyChange.join("\n       OR ")}))`
    : anyChange.join("\n       OR ");

  return `${withSource}
    INSERT INTO ${spec.table} AS existing (shop_id, ${insertColumns.join(", ")}, synced_at)
    SELECT $1, ${insertValues.join(", ")}, now()
    FROM ${from}
    ON CONFLICT (shop_id, shopify_id) DO UPDATE SET
      ${assignments}
    WHERE ${where}
    RETURNING shopify_id::text, synced_at = now() AS changed`;
}
