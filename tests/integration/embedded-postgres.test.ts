/**
 * The embedded PostgreSQL wherever the checkout is (docs/decisions/003): as root, PostgreSQL runs
 * as the `postgres` user, who cannot traverse a mode-700 directory such as root's home or a
 * `mktemp -d`. scripts/ci/private-home.sh proves the same for a whole clone (binaries included).
 */
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import {
  PlacementError,
  RELOCATION_BASE,
  placeCluster,
} from "../../scripts/lib/embedded-postgres-placement.ts";
import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres.ts";
import { freePort } from "../../scripts/lib/ports.ts";

const asRoot = process.getuid?.() === 0;
const made: string[] = [];
afterAll(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A directory like root's home on Debian: mode 700 (mkdtemp's mode). */
async function privateDirectory(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "recur-private-"));
  made.push(dir);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  return dir;
}

/** A base for placed clusters like /var/tmp/recur-postgres, but the test's own. */
async function testBase(mode = 0o755): Promise<string> {
  const base = await mkdtemp(path.join("/var/tmp", "recur-placement-test-"));
  made.push(base);
  await chmod(base, mode);
  return base;
}

describe("an embedded PostgreSQL asked for inside a mode-700 directory", () => {
  it("starts, answers queries, and an ephemeral one leaves no data directory behind", async () => {
    const requested = path.join(await privateDirectory(), ".data", "postgres");
    const postgres = await startEmbeddedPostgres({
      dir: requested,
      port: await freePort(),
      database: "recur",
      ephemeral: true,
    });
    try {
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      const { rows } = await client.query<{ one: number }>("SELECT 1 AS one");
      await client.end();
      expect(rows).toEqual([{ one: 1 }]);
      if (asRoot) {
        // Placed where the postgres user can reach it, and owned by that user.
        expect(path.dirname(postgres.dir)).toBe(RELOCATION_BASE);
        expect(path.basename(postgres.dir)).toMatch(
          new RegExp(`^ephemeral-${process.pid}-postgres-`),
        );
        const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
        expect(statSync(postgres.dir).uid).toBe(uid);
      } else {
        expect(postgres.dir).toBe(requested);
      }
    } finally {
      await postgres.stop();
    }
    expect(existsSync(postgres.dir)).toBe(false);
  });
});

if (asRoot) {
  describe("placing a cluster, as root", () => {
    it("keys a persistent data directory by its path, so two checkouts never share one", async () => {
      const base = await testBase();
      const checkoutOne = path.join(await privateDirectory(), ".data/postgres");
      const checkoutTwo = path.join(await privateDirectory(), ".data/postgres");
      const one = await placeCluster(checkoutOne, false, base);
      const two = await placeCluster(checkoutTwo, false, base);
      expect(path.dirname(one.dir)).toBe(base);
      expect(path.basename(one.dir)).toMatch(/^postgres-[0-9a-f]{12}$/);
      expect(one.dir).not.toBe(two.dir);
      // The next start of the same checkout finds its data again.
      expect((await placeCluster(checkoutOne, false, base)).dir).toBe(one.dir);
    });

    it("leaves a data directory the postgres user can reach where it is", async () => {
      const reachable = await testBase();
      const requested = path.join(reachable, "postgres");
      expect((await placeCluster(requested, false, await testBase())).dir).toBe(requested);
    });

    it("removes the throwaway clusters of processes that are gone, and no others", async () => {
      const base = await testBase();
      // A pid that no process has: above the kernel's pid_max.
      const gone = path.join(base, "ephemeral-99999999-test-1_integration-0123456789ab");
      const ours = path.join(base, `ephemeral-${process.pid}-test-2_integration-0123456789ab`);
      const persistent = path.join(base, "postgres-0123456789ab");
      for (const dir of [gone, ours, persistent]) await mkdir(dir);
      await placeCluster(path.join(await privateDirectory(), ".data/test-3"), true, base);
      expect([existsSync(gone), existsSync(ours), existsSync(persistent)]).toEqual([
        false,
        true,
        true,
      ]);
    });

    it("refuses a base that others can write, before anything runs", async () => {
      const base = await testBase(0o777);
      const placing = placeCluster(path.join(await privateDirectory(), "pg"), false, base);
      await expect(placing).rejects.toThrow(PlacementError);
      await expect(placing).rejects.toThrow(/owned by root and writable by root alone/);
    });

    it("refuses a base the postgres user cannot reach, saying what to do", async () => {
      const base = await testBase(0o700);
      await expect(
        placeCluster(path.join(await privateDirectory(), "pg"), false, base),
      ).rejects.toThrow(/cannot reach .*: .*set DATABASE_URL/);
    });
  });
} else {
  describe("placing a cluster, as a user other than root", () => {
    it("leaves the data directory where it was asked for: PostgreSQL runs as this user", async () => {
      const requested = path.join(await privateDirectory(), "pg");
      expect(await placeCluster(requested, true)).toEqual({ dir: requested });
    });
  });
}
