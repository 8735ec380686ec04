/**
 * Where PostgreSQL's backends spent a benchmark's time, on request (BENCH_WAIT_EVENTS=1): every
 * 50 ms, the active backends of the benchmark's database (other than the sampler's own) by wait
 * event (`CPU` when none) and by the first words of their statement, and an ingest's connection
 * while it is idle (its last statement on a staging table: PostgreSQL waiting for the worker). Each sample is one backend
 * for 50 ms, so the counts are proportional to time. With pg_stat_statements loaded (in
 * BENCH_POSTGRES_SETTINGS' shared_preload_libraries) it also gives the top statements by time.
 * Off by default: sampling costs a little.
 */
import pg from "pg";

export interface WaitSampler {
  stop(): Promise<string[]>;
}

export function sampleWaitEvents(url: string): WaitSampler | undefined {
  if (!process.env.BENCH_WAIT_EVENTS) return undefined;
  const client = new pg.Client({ connectionString: url });
  const counts = new Map<string, number>();
  let samples = 0;
  let running = true;
  let statements = false;
  let top: string[] = [];
  const loop = (async () => {
    await client.connect();
    statements = await client
      .query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()")
      .then(
        () => true,
        () => false,
      );
    while (running) {
      const { rows } = await client.query<{ event: string; statement: string }>(
        `SELECT CASE WHEN state = 'active' THEN coalesce(wait_event_type || ':' || wait_event, 'CPU')
                ELSE state END AS event,
                regexp_replace(left(query, 60), '\\s+', ' ', 'g') AS statement
         FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND (state = 'active' OR (state LIKE 'idle%' AND query LIKE '%recur_staged%'))
           AND backend_type = 'client backend' AND query NOT LIKE '%graphile_worker%'`,
      );
      samples += 1;
      for (const row of rows) {
        const key = `${row.event}\t${row.statement}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (statements) {
      const { rows } = await client.query<{ calls: string; ms: number; query: string }>(
        `SELECT calls::text, round(total_exec_time)::float AS ms,
                regexp_replace(left(query, 160), '\\s+', ' ', 'g') AS query
         FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15`,
      );
      top = [
        "pg_stat_statements (calls, total ms, statement):",
        ...rows.map((r) => `${r.calls}\t${r.ms}\t${r.query}`),
      ];
    }
    await client.end();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const sampled = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30);
      return [
        `wait events, ${samples} samples every 50 ms (backend samples, wait event, statement):`,
        ...sampled.map(([key, n]) => `${n}\t${key}`),
        ...top,
      ];
    },
  };
}
