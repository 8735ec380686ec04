/**
 * Which of an ingest's connections stages and applies a row (docs/decisions/075). A bulk ingest
 * stages on several connections, each with temporary staging tables of its own, and applies each
 * connection's rows there, side by side. A row goes where its id (a line item: its order's id)
 * says, so an order and its line items are always staged together, every version of one row is on
 * one connection, and no two connections ever write the same row.
 *
 * The partition is `((id mod p)² mod p) mod count` for the prime p = 1,000,003, computed here from
 * the id's decimal digits and in SQL (`partitionSql`) from the stored `numeric(20, 0)`: the same
 * number both ways, so a connection can tombstone the rows of its own partition that its staging
 * does not hold. The square splits ids evenly whatever step they advance by: a plain `id mod 2`
 * puts every id on one connection when they are all even, and `(id mod p) mod 2` keeps ids that
 * advance by 2 on one connection for p / 2 ids in a row.
 */

/** A prime above any step between ids, and small enough for exact arithmetic on doubles. */
export const PARTITION_PRIME = 1_000_003;

/** The partition (0 to count - 1) of a decimal id of up to 20 digits. */
export function partitionOf(id: string, count: number): number {
  if (count <= 1) return 0;
  let rest = 0;
  for (let i = 0; i < id.length; i++)
    rest = (rest * 10 + (id.charCodeAt(i) - 48)) % PARTITION_PRIME;
  // Below 2^40: exact as a double.
  return ((rest * rest) % PARTITION_PRIME) % count;
}

/**
 * The same partition in SQL, of a numeric column; `count` and `index` name the statement's
 * parameters (or literals) holding the partition count and this connection's partition.
 */
export function partitionSql(column: string, count: string, index: string): string {
  const rest = `mod(${column}, ${PARTITION_PRIME})`;
  return `mod(mod(${rest} * ${rest}, ${PARTITION_PRIME}), ${count}) = ${index}`;
}
