/**
 * withTransaction (app/db.server.ts, docs/decisions/042), the one way Recur begins and ends a
 * transaction: it commits what its function did, or rolls all of it back and rethrows; its options
 * hold for the transaction alone; given the pool it takes a connection and gives it back, given a
 * client it leaves the client to its owner. Against this file's PostgreSQL.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beginStatement, pool, withTransaction } from "../../app/db.server.ts";
import { env } from "../../app/env.server.ts";

// A pool of this test's own, so its connection counts are this test's alone.
const own = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });

beforeAll(async () => {
  await pool.query("CREATE TABLE transaction_probe (id int PRIMARY KEY)");
});
afterAll(async () => {
  await pool.query("DROP TABLE transaction_probe");
  await own.end();
});

const probeIds = async () =>
  (await pool.query<{ id: number }>("SELECT id FROM transaction_probe ORDER BY id")).rows.map(
    (row) => row.id,
  );

const setting = async (client: pg.PoolClient, name: string) =>
  (await client.query<{ value: string }>("SELECT current_setting($1) AS value", [name])).rows[0]!
    .value;

const sessionSettings = async (client: pg.PoolClient) => ({
  synchronousCommit: await setting(client, "synchronous_commit"),
  statementTimeout: await setting(client, "statement_timeout"),
  lockTimeout: await setting(client, "lock_timeout"),
  workMem: await setting(client, "work_mem"),
  readOnly: await setting(client, "transaction_read_only"),
  isolation: await setting(client, "transaction_isolation"),
});

describe("withTransaction", () => {
  it("commits what its function wrote and returns its result", async () => {
    const result = await withTransaction(own, async (client) => {
      await client.query("INSERT INTO transaction_probe VALUES (1), (2)");
      return "written";
    });
    expect(result).toBe("written");
    expect(await probeIds()).toEqual([1, 2]);
  });

  it("rolls back everything its function wrote when it throws, and rethrows that error", async () => {
    const failure = new Error("the task failed after writing");
    await expect(
      withTransaction(own, async (client) => {
        await client.query("INSERT INTO transaction_probe VALUES (3)");
        throw failure;
      }),
    ).rejects.toBe(failure);
    await expect(
      withTransaction(own, async (client) => {
        await client.query("INSERT INTO transaction_probe VALUES (4)");
        await client.query("INSERT INTO transaction_probe VALUES (1)"); // duplicate key
      }),
    ).rejects.toMatchObject({ code: "23505" });
    expect(await probeIds()).toEqual([1, 2]);
  });

  it("applies its options to the transaction only", async () => {
    const client = await own.connect();
    try {
      // The test server runs with synchronous_commit off: compare with the session's own values.
      await client.query("SET synchronous_commit = on");
      const before = await sessionSettings(client);
      expect(before).toMatchObject({ synchronousCommit: "on", readOnly: "off" });
      const inside = await withTransaction(client, sessionSettings, {
        synchronousCommit: "off",
        statementTimeoutMs: 1500,
        lockTimeoutMs: 30_000,
        workMemMb: 64,
        readOnly: true,
        isolation: "repeatable read",
      });
      expect(inside).toEqual({
        synchronousCommit: "off",
        statementTimeout: "1500ms",
        lockTimeout: "30s",
        workMem: "64MB",
        readOnly: "on",
        isolation: "repeatable read",
      });
      expect(await sessionSettings(client)).toEqual(before);
    } finally {
      client.release();
    }
  });

  it("cancels a statement past its statement timeout (SQLSTATE 57014) and rolls back", async () => {
    await expect(
      withTransaction(
        own,
        async (client) => {
          await client.query("INSERT INTO transaction_probe VALUES (5)");
          await client.query("SELECT pg_sleep(5)");
        },
        { statementTimeoutMs: 50 },
      ),
    ).rejects.toMatchObject({ code: "57014" });
    expect(await probeIds()).toEqual([1, 2]);
  });

  it("refuses a read-only transaction's write", async () => {
    await expect(
      withTransaction(own, (client) => client.query("INSERT INTO transaction_probe VALUES (6)"), {
        readOnly: true,
      }),
    ).rejects.toMatchObject({ code: "25006" });
  });

  it("gives the pool's connection back, after a commit and after a rollback", async () => {
    await withTransaction(own, (client) => client.query("SELECT 1"));
    await withTransaction(own, async () => {
      throw new Error("rolled back");
    }).catch(() => {});
    expect(own.totalCount - own.idleCount).toBe(0);
    expect(own.waitingCount).toBe(0);
  });

  it("runs on a given client, one transaction after another, and leaves it to its owner", async () => {
    const client = await own.connect();
    try {
      await client.query("CREATE TEMPORARY TABLE staged (id int)");
      await withTransaction(client, (tx) => tx.query("INSERT INTO staged VALUES (7)"));
      await withTransaction(client, async (tx) => {
        await tx.query("INSERT INTO staged VALUES (8)");
        throw new Error("this chunk failed");
      }).catch(() => {});
      // The session's temporary table is still there: the client was neither released nor ended.
      const { rows } = await client.query<{ id: number }>("SELECT id FROM staged");
      expect(rows).toEqual([{ id: 7 }]);
      expect(await setting(client, "transaction_isolation")).toBe("read committed");
    } finally {
      client.release();
    }
  });

  it("writes its settings into one BEGIN statement, and refuses values that are not its own", () => {
    expect(beginStatement()).toBe("BEGIN");
    expect(beginStatement({ synchronousCommit: "off" })).toBe(
      "BEGIN; SET LOCAL synchronous_commit = off",
    );
    expect(beginStatement({ readOnly: true, statementTimeoutMs: 12.7 })).toBe(
      "BEGIN READ ONLY; SET LOCAL statement_timeout = 12",
    );
    expect(() =>
      beginStatement({ isolation: "serializable; DROP TABLE shops" as "serializable" }),
    ).toThrow(RangeError);
    expect(() => beginStatement({ synchronousCommit: "off; DROP" as "off" })).toThrow(RangeError);
    expect(() => beginStatement({ statementTimeoutMs: Number.NaN })).toThrow(RangeError);
  });

  it("sends its first statement with BEGIN and its last with COMMIT, and hands fn the first's rows", async () => {
    const seen = await withTransaction(
      own,
      async (client, first) => {
        await client.query("INSERT INTO transaction_probe VALUES (10)");
        return first?.rows;
      },
      {
        synchronousCommit: "off",
        firstStatement: "SELECT current_setting('synchronous_commit') AS value, 9 AS id",
        lastStatement: () => "INSERT INTO transaction_probe VALUES (11)",
      },
    );
    expect(seen).toEqual([{ value: "off", id: 9 }]);
    expect(await probeIds()).toEqual([1, 2, 10, 11]);
    await pool.query("DELETE FROM transaction_probe WHERE id IN (10, 11)");
  });

  it("commits nothing when its last statement fails, and rethrows that statement's error", async () => {
    await expect(
      withTransaction(own, (client) => client.query("INSERT INTO transaction_probe VALUES (12)"), {
        lastStatement: () => "INSERT INTO transaction_probe VALUES (1)", // duplicate key
      }),
    ).rejects.toMatchObject({ code: "23505", constraint: "transaction_probe_pkey" });
    expect(await probeIds()).toEqual([1, 2]);
  });

  it("ends the transaction its failing first statement opened, and gives a healthy connection back", async () => {
    const client = await own.connect();
    try {
      await expect(
        withTransaction(client, async () => "never run", {
          firstStatement: "SELECT 1 / 0",
        }),
      ).rejects.toMatchObject({ code: "22012" });
      // Not left in an aborted transaction: the client answers outside any transaction.
      const { rows } = await client.query<{ state: string }>(
        "SELECT CASE WHEN now() = statement_timestamp() THEN 'no transaction' ELSE 'in one' END AS state",
      );
      expect(rows).toEqual([{ state: "no transaction" }]);
    } finally {
      client.release();
    }
  });
});
