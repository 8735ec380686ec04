/**
 * The stream: delivery faults on, then bursts of the stand-in's changes with poison deliveries
 * mixed in, paced by Recur's intake; the kills run at their seeded points of it, one at a time.
 */
import type { ChaosDatabase } from "./database.ts";
import { chaosSchedule, runChaosEvent, type ChaosContext, type ChaosOutcome } from "./chaos.ts";
import type { Fleet } from "./fleet.ts";
import type { ChaosOptions } from "./options.ts";
import { poisonFactory, type SentPoison } from "./poison.ts";
import type { RoundRobinProxy } from "./proxy.ts";
import type { Random } from "./random.ts";
import { query } from "./recur-db.ts";
import type { StandInClient } from "./standin-client.ts";
import { SHOPS, domain } from "./verdict.ts";
import type pg from "pg";

export interface StreamContext {
  options: ChaosOptions;
  random: Random;
  standIn: StandInClient;
  proxy: RoundRobinProxy;
  fleet: Fleet;
  database: ChaosDatabase;
  pool: pg.Pool;
  say: (message: string) => void;
  /** Throws when the run was interrupted. */
  aborted: () => void;
}

export interface StreamResult {
  changes: Record<string, number>;
  poison: SentPoison[];
  outcomes: ChaosOutcome[];
  scheduled: number;
  /** When the stream began, by the database's clock. */
  startedDb: Date;
  /** When its last burst was emitted (the kills may still be running then). */
  emittedAt: number;
  /** Resolves when the last kill has recovered. */
  kills: Promise<void>;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runStream(ctx: StreamContext): Promise<StreamResult> {
  const { options, random, standIn, proxy, fleet, database, pool, say, aborted } = ctx;
  const changes: Record<string, number> = {};
  const outcomes: ChaosOutcome[] = [];
  for (const shop of SHOPS) {
    await standIn.setFaults(shop, {
      duplicateRate: options.duplicateRate,
      duplicateEventRate: options.duplicateEventRate,
      reorderRate: options.reorderRate,
      reorderDelayMs: options.reorderDelayMs,
      dropRate: options.dropRate,
    });
  }
  const schedule = chaosSchedule(random.fork("schedule"), fleet);
  const nextPoison = poisonFactory(random.fork("poison"));
  const poison: SentPoison[] = [];
  const streamStartedAt = Date.now();
  const [{ now: streamStartedDb } = { now: new Date() }] = await query<{ now: Date }>(
    pool,
    "SELECT now()",
  );
  const chaosCtx: ChaosContext = {
    fleet,
    database,
    db: pool,
    streamStartedAt,
    staleAfterSeconds: options.staleAfterSeconds,
  };
  say(
    `stream: ${options.changes} changes in bursts of ${options.chunk}; kills at ${schedule
      .map(
        (e) =>
          `${Math.round(e.at * 100)}% ${e.kind}${e.kind === "worker SIGKILL" ? "" : ` ${e.target}`}`,
      )
      .join(", ")}`,
  );
  let emitted = 0;
  let lastSequence = 0;
  let nextEvent = 0;
  let chaosChain: Promise<void> = Promise.resolve();
  let turn = 0;
  while (emitted < options.changes) {
    aborted();
    const shop = SHOPS[turn++ % SHOPS.length]!;
    const count = Math.min(options.chunk, options.changes - emitted);
    for (const change of await standIn.burst(shop, count)) {
      changes[change.kind] = (changes[change.kind] ?? 0) + 1;
    }
    emitted += count;
    // Poison: at least one per burst, until they are poisonRate of every delivery so far.
    do {
      const next = nextPoison();
      const record = await standIn.sendWebhook(shop, next.input);
      poison.push({ ...next, shop: domain(shop), webhookId: record.webhookId });
      lastSequence = record.sequence;
    } while (poison.length < options.poisonRate * lastSequence);
    while (nextEvent < schedule.length && emitted / options.changes >= schedule[nextEvent]!.at) {
      const event = schedule[nextEvent++]!;
      chaosChain = chaosChain.then(async () => {
        const who = event.kind === "worker SIGKILL" ? "(the busiest worker)" : event.target;
        say(
          `  ${event.kind} ${who} (${Math.round((emitted / options.changes) * 100)}% of the stream emitted)`,
        );
        const outcome = await runChaosEvent(event, chaosCtx);
        outcomes.push(outcome);
        say(
          outcome.error
            ? `  ${event.kind} ${event.target}: ${outcome.error}`
            : `  ${event.kind} ${event.target}: back after ${(outcome.backMs / 1000).toFixed(1)} s, recovered after ${(outcome.recoveredMs / 1000).toFixed(1)} s (${outcome.heldAtKill})`,
        );
      });
    }
    // Back-pressure: keep the stand-in's backlog near `window` deliveries, so the stream lasts
    // as long as Recur takes to accept it and the kills land while it flows.
    let progress = proxy.counts.webhooks2xx;
    let progressAt = Date.now();
    while (lastSequence * (1 - options.dropRate) - proxy.counts.webhooks2xx > options.window) {
      aborted();
      if (proxy.counts.webhooks2xx !== progress) {
        progress = proxy.counts.webhooks2xx;
        progressAt = Date.now();
      } else if (Date.now() - progressAt > 120_000) {
        throw new Error("no webhook was accepted for 120 s during the stream");
      }
      await delay(50);
    }
  }
  return {
    changes,
    poison,
    outcomes,
    scheduled: schedule.length,
    startedDb: streamStartedDb,
    emittedAt: Date.now(),
    kills: chaosChain,
  };
}
