// Bulk query operations: runs that progress on their own at a set rate (or wait for a test to
// move them in "manual" mode), write JSONL to a file as they go, and announce their end with
// `bulk_operations/finish`.
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import type { WriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Faker, base, en } from "@faker-js/faker";
import type { GraphQLSchema } from "graphql";
import { checkBulkQuery } from "./bulk-query.ts";
import type { BulkPlan, SelectionPlan } from "./bulk-query.ts";
import { gid, parseId, restTime } from "./format.ts";
import { StandInError } from "./mutations.ts";
import { bulkChildren, bulkRoots } from "./resolvers.ts";
import type { BulkOperationView, BulkService, RequestContext } from "./resolvers.ts";
import { bulkLineIds } from "./shapes.ts";
import type { PayloadShapes } from "./shapes.ts";
import type { Shop } from "./shop.ts";

export type BulkMode = "auto" | "manual";
export type BulkErrorCode = "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR" | "TIMEOUT";

export interface BulkManagerOptions {
  schema: GraphQLSchema;
  dir: string;
  mode: BulkMode;
  objectsPerSecond: number;
  baseUrl: () => string;
  seed: number;
  emit: (shop: Shop, topic: string, payload: unknown, atSeconds: number) => void;
  log: (message: string) => void;
}

const ACTIVE = new Set(["CREATED", "RUNNING", "CANCELING"]);
const TICK_MS = 25;
const SLICE_MS = 15;

class BulkRun implements BulkOperationView {
  readonly kind = "BulkOperation" as const;
  readonly type = "QUERY" as const;
  status = "CREATED";
  errorCode: string | null = null;
  objectCount = 0;
  rootObjectCount = 0;
  fileSize: number | null = null;
  url: string | null = null;
  partialDataUrl: string | null = null;
  completedAt: number | null = null;
  readonly id: number;
  readonly createdAt: number;
  readonly query: string;
  readonly shop: Shop;
  readonly plan: BulkPlan;
  readonly groupObjects: boolean;
  readonly ctx: RequestContext;
  readonly random: Faker;
  readonly fileName: string;
  readonly filePath: string;
  mode: BulkMode | null = null;
  roots: object[] | null = null;
  position = 0;
  startedAt = 0;
  stream: WriteStream | null = null;
  draining = false;
  writing = false;
  deferred = "";
  finishing = false;

  constructor(
    id: number,
    shop: Shop,
    query: string,
    plan: BulkPlan,
    groupObjects: boolean,
    ctx: RequestContext,
    dir: string,
    randomSeed: number,
  ) {
    this.id = id;
    this.shop = shop;
    this.query = query;
    this.plan = plan;
    this.groupObjects = groupObjects;
    this.ctx = ctx;
    this.createdAt = shop.clock.current();
    this.random = new Faker({ locale: [en, base] });
    this.random.seed(randomSeed);
    this.fileName = `${id}-${randomBytes(12).toString("hex")}.jsonl`;
    this.filePath = join(dir, this.fileName);
  }
}

/** JSON as Shopify's bulk files write it: forward slashes escaped ("gid:\/\/shopify\/…"). */
function jsonLine(value: unknown, shapes: PayloadShapes): string {
  return `${bulkLineIds(shapes, JSON.stringify(value)).replaceAll("/", "\\/")}\n`;
}

function project(
  plan: SelectionPlan,
  source: object,
  ctx: RequestContext,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of plan.fields) {
    if (field.typename !== undefined) {
      out[field.key] = field.typename;
      continue;
    }
    const def = field.def;
    if (!def) continue;
    const value = def.resolve
      ? def.resolve(source, field.args, ctx, undefined as never)
      : (source as Record<string, unknown>)[def.name];
    if (value === null || value === undefined) {
      out[field.key] = null;
    } else if (field.leaf) {
      const leaf = field.leaf;
      out[field.key] = field.list
        ? (value as unknown[]).map((v) => leaf.serialize(v))
        : leaf.serialize(value);
    } else if (field.sub) {
      const sub = field.sub;
      out[field.key] = field.list
        ? (value as object[]).map((v) => project(sub, v, ctx))
        : project(sub, value as object, ctx);
    }
  }
  return out;
}

function idOf(plan: SelectionPlan, source: object, ctx: RequestContext): string {
  const def = plan.type.getFields().id;
  return String(def?.resolve ? def.resolve(source, {}, ctx, undefined as never) : "");
}

export class BulkManager implements BulkService {
  private readonly options: BulkManagerOptions;
  private readonly runs = new Map<Shop, BulkRun[]>();
  private readonly shopModes = new Map<Shop, BulkMode>();
  private defaultMode: BulkMode;
  // Shopify never gives one id twice. A stand-in restarted (the demo's, say) starts above the ids
  // the last one gave, so that an id Recur recorded then is unknown now, not someone else's run.
  private readonly firstId = Date.now() * 1000;
  // Runs are numbered from 0 in each stand-in: a run's random choices (batch sizes, order) follow
  // the seed and its number, not the clock.
  private issued = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly waiters: { run: BulkRun; statuses: Set<string>; resolve: () => void }[] = [];

  constructor(options: BulkManagerOptions) {
    this.options = options;
    this.defaultMode = options.mode;
  }

  setMode(mode: BulkMode, shop?: Shop): void {
    if (shop) this.shopModes.set(shop, mode);
    else {
      this.defaultMode = mode;
      this.shopModes.clear();
    }
    // Runs follow the mode at run time: a manual run switched to auto resumes on its own.
    for (const [owner, runs] of this.runs) {
      if (shop && owner !== shop) continue;
      for (const run of runs) if (run.mode !== null) run.mode = mode;
    }
  }

  modeFor(shop: Shop): BulkMode {
    return this.shopModes.get(shop) ?? this.defaultMode;
  }

  setRate(objectsPerSecond: number): void {
    this.options.objectsPerSecond = objectsPerSecond;
  }

  get(shop: Shop, id: number): BulkOperationView | undefined {
    return this.runs.get(shop)?.find((r) => r.id === id);
  }

  list(shop: Shop): BulkOperationView[] {
    return [...(this.runs.get(shop) ?? [])];
  }

  run(ctx: RequestContext, query: string, groupObjects: boolean | null | undefined) {
    const modern = ctx.apiVersion >= "2026-01";
    const check = checkBulkQuery(this.options.schema, query);
    if (!check.ok) {
      return {
        bulkOperation: null,
        userErrors: check.messages.map((message) => ({
          field: ["query"],
          message,
          code: "INVALID",
        })),
      };
    }
    const active = (this.runs.get(ctx.shop) ?? []).filter((r) => ACTIVE.has(r.status));
    if (modern && active.length >= 5) {
      return {
        bulkOperation: null,
        userErrors: [
          {
            field: null,
            message: "Bulk operations limit reached. Please try again later.",
            code: "LIMIT_REACHED",
          },
        ],
      };
    }
    if (!modern && active.length > 0) {
      return {
        bulkOperation: null,
        userErrors: [
          {
            field: null,
            message: `A bulk query operation for this app and shop is already in progress: ${gid("BulkOperation", active[0]?.id ?? 0)}.`,
            code: "OPERATION_IN_PROGRESS",
          },
        ],
      };
    }
    // groupObjects defaults to false from 2026-01 and to true before.
    const group = groupObjects ?? !modern;
    const ordinal = this.issued++;
    const run = new BulkRun(
      this.firstId + ordinal,
      ctx.shop,
      query,
      check.plan,
      group,
      ctx,
      this.options.dir,
      // The same numbers as when ids started at 4,100,000,000 in every stand-in.
      this.options.seed ^ (4_100_000_000 + ordinal),
    );
    let list = this.runs.get(ctx.shop);
    if (!list) {
      list = [];
      this.runs.set(ctx.shop, list);
    }
    list.push(run);
    this.ensureTimer();
    return { bulkOperation: run, userErrors: [] };
  }

  cancel(ctx: RequestContext, id: string) {
    const numeric = parseId(id, "BulkOperation");
    const run =
      numeric === null ? undefined : this.runs.get(ctx.shop)?.find((r) => r.id === numeric);
    if (!run)
      return {
        bulkOperation: null,
        userErrors: [{ field: ["id"], message: "Bulk operation does not exist" }],
      };
    if (!ACTIVE.has(run.status) || run.status === "CANCELING") {
      return {
        bulkOperation: run,
        userErrors: [
          {
            field: null,
            message: `A bulk operation cannot be canceled when it is ${run.status.toLowerCase()}`,
          },
        ],
      };
    }
    run.status = "CANCELING";
    this.notify(run);
    this.ensureTimer();
    return { bulkOperation: run, userErrors: [] };
  }

  private require(shop: Shop, id: string): BulkRun {
    const numeric = parseId(id, "BulkOperation");
    const run = numeric === null ? undefined : this.runs.get(shop)?.find((r) => r.id === numeric);
    if (!run) throw new StandInError(404, `Bulk operation ${id} not found in ${shop.domain}`);
    return run;
  }

  /** Control: writes every remaining row and completes the run now. */
  async finish(shop: Shop, id: string): Promise<BulkOperationView> {
    const run = this.require(shop, id);
    if (!ACTIVE.has(run.status) || run.status === "CANCELING") {
      throw new StandInError(409, `Bulk operation ${id} is ${run.status}`);
    }
    run.finishing = true;
    await this.start(run);
    while (run.roots && run.position < run.roots.length) {
      await this.writeSome(run, Number.POSITIVE_INFINITY);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await this.complete(run);
    return run;
  }

  /** Control: fails the run with `errorCode`; rows written so far (or `partialObjects` rows) form partialDataUrl. */
  async fail(
    shop: Shop,
    id: string,
    errorCode: BulkErrorCode,
    partialObjects?: number,
  ): Promise<BulkOperationView> {
    const run = this.require(shop, id);
    if (!ACTIVE.has(run.status))
      throw new StandInError(409, `Bulk operation ${id} is ${run.status}`);
    run.finishing = true;
    await this.start(run);
    const roots = run.roots ?? [];
    const target =
      partialObjects ?? (run.objectCount > 0 ? run.objectCount : Math.ceil(roots.length / 2));
    while (run.position < roots.length && run.objectCount < target) {
      await this.writeSome(run, target);
    }
    await this.closeStream(run);
    run.status = "FAILED";
    run.errorCode = errorCode;
    run.completedAt = run.shop.clock.current();
    if (run.objectCount > 0) {
      run.fileSize = null;
      run.partialDataUrl = `${this.options.baseUrl()}/bulk-results/${run.fileName}`;
    } else {
      await rm(run.filePath, { force: true });
    }
    this.announce(run);
    return run;
  }

  /** Control: cancels the run (CANCELING, then CANCELED on the next tick). */
  cancelRun(shop: Shop, id: string): BulkOperationView {
    const run = this.require(shop, id);
    if (!ACTIVE.has(run.status))
      throw new StandInError(409, `Bulk operation ${id} is ${run.status}`);
    run.status = "CANCELING";
    this.notify(run);
    this.ensureTimer();
    return run;
  }

  /** Control: in manual mode, writes `objects` more rows without completing. */
  async advance(shop: Shop, id: string, objects: number): Promise<BulkOperationView> {
    const run = this.require(shop, id);
    if (run.status !== "RUNNING" && run.status !== "CREATED") {
      throw new StandInError(409, `Bulk operation ${id} is ${run.status}`);
    }
    await this.start(run);
    const target = run.objectCount + objects;
    while (run.roots && run.position < run.roots.length && run.objectCount < target) {
      await this.writeSome(run, target);
    }
    return run;
  }

  /** Control: marks a finished run EXPIRED (its URLs stop working), as after seven days. */
  async expire(shop: Shop, id: string): Promise<BulkOperationView> {
    const run = this.require(shop, id);
    if (ACTIVE.has(run.status))
      throw new StandInError(409, `Bulk operation ${id} is ${run.status}`);
    run.status = "EXPIRED";
    run.url = null;
    run.partialDataUrl = null;
    await rm(run.filePath, { force: true });
    this.notify(run);
    return run;
  }

  /**
   * Control: forgets a run, as Shopify no longer knows an operation it has discarded (or as a
   * restarted stand-in knows none of the last one's): `bulkOperation(id:)` answers null for it from
   * then on, and it sends no finish webhook. A run that is writing its file now cannot be forgotten.
   */
  async forget(shop: Shop, id: string): Promise<void> {
    const run = this.require(shop, id);
    if (ACTIVE.has(run.status) && (run.finishing || run.draining || run.writing))
      throw new StandInError(409, `Bulk operation ${id} is writing its result`);
    this.runs.set(
      shop,
      (this.runs.get(shop) ?? []).filter((r) => r !== run),
    );
    await rm(run.filePath, { force: true });
  }

  /** Resolves once the run reaches one of `statuses`. */
  waitFor(
    shop: Shop,
    id: string,
    statuses: string[] = ["COMPLETED", "FAILED", "CANCELED"],
  ): Promise<BulkOperationView> {
    const run = this.require(shop, id);
    const wanted = new Set(statuses);
    if (wanted.has(run.status)) return Promise.resolve(run);
    return new Promise((resolve) => {
      this.waiters.push({ run, statuses: wanted, resolve: () => resolve(run) });
    });
  }

  /** Path of a result file named in a URL, if it belongs to a live run. */
  filePath(fileName: string): string | null {
    for (const runs of this.runs.values()) {
      for (const run of runs) {
        if (run.fileName === fileName && (run.url !== null || run.partialDataUrl !== null))
          return run.filePath;
      }
    }
    return null;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const runs of this.runs.values()) {
      for (const run of runs) if (run.stream) run.stream.destroy();
    }
  }

  private notify(run: BulkRun): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i];
      if (waiter && waiter.run === run && waiter.statuses.has(run.status)) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  private ensureTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  private tick(): void {
    let busy = false;
    for (const runs of this.runs.values()) {
      for (const run of runs) {
        if (!ACTIVE.has(run.status)) continue;
        busy = true;
        if (run.finishing || run.draining || run.writing) continue;
        if (run.status === "CANCELING") {
          run.finishing = true;
          void this.finishCancel(run);
          continue;
        }
        if (run.status === "CREATED") {
          void this.start(run);
          continue;
        }
        if (run.mode !== "auto") continue;
        const allowed = ((Date.now() - run.startedAt) / 1000) * this.options.objectsPerSecond;
        if (run.roots && run.position >= run.roots.length) {
          run.finishing = true;
          void this.complete(run);
        } else if (run.objectCount < allowed) {
          void this.writeWhileAllowed(run);
        }
      }
    }
    if (!busy && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** CREATED → RUNNING: takes the snapshot of root objects and opens the file. */
  private async start(run: BulkRun): Promise<void> {
    if (run.roots) return;
    run.roots = bulkRoots[run.plan.root]?.(run.plan.rootArgs, run.ctx) ?? [];
    run.mode = this.modeFor(run.shop);
    run.startedAt = Date.now();
    run.stream = createWriteStream(run.filePath);
    if (run.status === "CREATED") run.status = "RUNNING";
    this.notify(run);
  }

  private lines(
    run: BulkRun,
    plan: SelectionPlan,
    source: object,
    parentId: string | null,
    children: string[],
  ): string {
    const ctx = run.ctx;
    const row = project(plan, source, ctx);
    if (parentId !== null) row.__parentId = parentId;
    const own = jsonLine(row, ctx.shop.shapes);
    run.objectCount += 1;
    if (plan.connections.length === 0) return own;
    const id = idOf(plan, source, ctx);
    for (const connection of plan.connections) {
      const list = bulkChildren[connection.source]?.(source as never, connection.args, ctx) ?? [];
      for (const child of list) {
        const grandchildren: string[] = [];
        const line = this.lines(run, connection.node, child, id, grandchildren);
        children.push(line, ...grandchildren);
      }
    }
    return own;
  }

  /**
   * Auto mode: writes slices back to back, yielding to the event loop between them, for as long
   * as the rate allows more rows, rather than one slice a tick: a rate faster than the stand-in
   * can write (the benchmarks') writes the file at the process's pace, not in 15 ms of every 25.
   */
  private async writeWhileAllowed(run: BulkRun): Promise<void> {
    run.writing = true;
    try {
      while (
        run.status === "RUNNING" &&
        run.mode === "auto" &&
        !run.finishing &&
        run.roots &&
        run.position < run.roots.length
      ) {
        const allowed = ((Date.now() - run.startedAt) / 1000) * this.options.objectsPerSecond;
        if (run.objectCount >= allowed) break;
        await this.writeSome(run, allowed, SLICE_MS);
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      run.writing = false;
    }
  }

  /** Writes root objects (with their children) until `target` rows or the time slice is used. */
  private async writeSome(run: BulkRun, target: number, sliceMs = 50): Promise<void> {
    const roots = run.roots;
    const stream = run.stream;
    if (!roots || !stream) return;
    const began = Date.now();
    let chunk = "";
    while (
      run.position < roots.length &&
      run.objectCount < target &&
      Date.now() - began < sliceMs
    ) {
      // A batch: groupObjects writes parents then their children; otherwise order is mixed up.
      const batch = run.groupObjects
        ? run.random.number.int({ min: 1, max: 3 })
        : run.random.number.int({ min: 1, max: 8 });
      let parents = "";
      let children: string[] = [];
      for (let i = 0; i < batch && run.position < roots.length; i++) {
        const root = roots[run.position++];
        if (!root || !this.stillExists(run, root)) continue;
        parents += this.lines(run, run.plan.node, root, null, children);
        run.rootObjectCount += 1;
      }
      const childText = children.join("");
      children = [];
      if (run.groupObjects) {
        chunk += parents + childText;
      } else {
        const order = run.random.number.int(2);
        if (order === 0) chunk += parents + childText;
        else if (order === 1) chunk += childText + parents;
        else {
          chunk += parents + run.deferred;
          run.deferred = childText;
          continue;
        }
        chunk += run.deferred;
        run.deferred = "";
      }
    }
    if (run.position >= roots.length && run.deferred) {
      chunk += run.deferred;
      run.deferred = "";
    }
    if (chunk && !stream.write(chunk)) {
      run.draining = true;
      await new Promise<void>((resolve) => stream.once("drain", () => resolve()));
      run.draining = false;
    }
  }

  private stillExists(run: BulkRun, root: object): boolean {
    const id = (root as { id?: number }).id;
    if (typeof id !== "number") return true;
    return run.plan.root === "customers" ? run.shop.customers.has(id) : run.shop.orders.has(id);
  }

  private closeStream(run: BulkRun): Promise<void> {
    const stream = run.stream;
    run.stream = null;
    if (!stream) return Promise.resolve();
    if (run.deferred) {
      stream.write(run.deferred);
      run.deferred = "";
    }
    return new Promise((resolve, reject) => {
      stream.end(() => resolve());
      stream.once("error", reject);
    });
  }

  private async complete(run: BulkRun): Promise<void> {
    await this.closeStream(run);
    if (run.status !== "RUNNING") return;
    const fileSize = run.objectCount > 0 ? (await stat(run.filePath)).size : null;
    if (run.status !== "RUNNING") return;
    // Status, file and url change together: a poll must never read COMPLETED without the url
    // (Shopify's "the query matched nothing").
    run.status = "COMPLETED";
    run.completedAt = run.shop.clock.current();
    if (fileSize !== null) {
      run.fileSize = fileSize;
      run.url = `${this.options.baseUrl()}/bulk-results/${run.fileName}`;
    } else {
      // Shopify gives no file (url null) when a query matched nothing.
      await rm(run.filePath, { force: true });
    }
    this.announce(run);
  }

  private async finishCancel(run: BulkRun): Promise<void> {
    await this.closeStream(run);
    await rm(run.filePath, { force: true });
    run.status = "CANCELED";
    run.completedAt = run.shop.clock.current();
    this.announce(run);
  }

  private announce(run: BulkRun): void {
    this.notify(run);
    const tz = run.shop.info.ianaTimezone;
    this.options.emit(
      run.shop,
      "bulk_operations/finish",
      {
        admin_graphql_api_id: gid("BulkOperation", run.id),
        completed_at: run.completedAt === null ? null : restTime(run.completedAt, tz),
        created_at: restTime(run.createdAt, tz),
        error_code: run.errorCode === null ? null : run.errorCode.toLowerCase(),
        status: run.status.toLowerCase(),
        type: run.type.toLowerCase(),
      },
      run.completedAt ?? run.shop.clock.current(),
    );
    this.options.log(`bulk operation ${run.id} for ${run.shop.domain} ${run.status.toLowerCase()}`);
  }
}
